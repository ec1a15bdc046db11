package pkgfile

import "github.com/deckhand-app/deckhand/collection/medianame"

// Limits bound what reading a package may cost, against zip and zstd bombs. Zero fields
// take the defaults below. Sizes are of decompressed data and are checked both against
// what the archive declares (at Open) and against what is actually produced (while
// reading).
type Limits struct {
	// MaxCollectionBytes caps the decompressed collection file. Default 4 GiB.
	MaxCollectionBytes int64
	// MaxMediaFileBytes caps one media file. Default 100 MiB, Anki's own limit.
	MaxMediaFileBytes int64
	// MaxTotalBytes caps the sum of everything declared in the package. Default 32 GiB.
	MaxTotalBytes int64
	// MaxRatio caps decompressed/compressed size for outputs above 1 MiB (smaller ones
	// cannot do harm). Default 5000: deflate cannot exceed ~1032, while a zstd frame of
	// zeros reaches tens of thousands.
	MaxRatio int
}

const (
	defaultMaxCollection = 4 << 30
	defaultMaxTotal      = 32 << 30
	defaultMaxRatio      = 5000
	ratioFloor           = 1 << 20
	// maxSmallMember bounds meta and the media list, which Anki reads into memory.
	maxSmallMember = 64 << 20
	maxMetaBytes   = 1 << 10
)

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxCollectionBytes: defaultMaxCollection,
		MaxMediaFileBytes:  medianame.MaxFileSize,
		MaxTotalBytes:      defaultMaxTotal,
		MaxRatio:           defaultMaxRatio,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxCollectionBytes <= 0 {
		l.MaxCollectionBytes = d.MaxCollectionBytes
	}
	if l.MaxMediaFileBytes <= 0 {
		l.MaxMediaFileBytes = d.MaxMediaFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}

// ratioExceeded reports whether out bytes from in compressed bytes is suspicious.
func (l Limits) ratioExceeded(out, in uint64) bool {
	if out <= ratioFloor {
		return false
	}
	if in == 0 {
		return true
	}
	return out/in > uint64(l.MaxRatio)
}
