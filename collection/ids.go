package collection

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

func randomU64() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms; fall back to the clock.
		return uint64(time.Now().UnixNano())
	}
	return binary.LittleEndian.Uint64(b[:])
}

func randomI64() int64 { return int64(randomU64()) }

// base91 alphabet Anki uses for note guids (rslib notes/mod.rs): letters, digits and
// the printable ASCII punctuation except space, quotes and backslash.
const guidAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"

// NewGUID returns a new note guid like Anki: base91 of a random 64-bit number.
func NewGUID() string { return base91(randomU64()) }

func base91(n uint64) string {
	if n == 0 {
		return string(guidAlphabet[0])
	}
	var buf [12]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = guidAlphabet[n%uint64(len(guidAlphabet))]
		n /= uint64(len(guidAlphabet))
	}
	return string(buf[i:])
}

func nowMillis() int64 { return time.Now().UnixMilli() }
func nowSecs() int64   { return time.Now().Unix() }
