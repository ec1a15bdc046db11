package template

import (
	"encoding/binary"
	"math/bits"
)

// BLAKE3 (default hash mode, 32-byte output), used only for the DOM id of the
// hint filter, which must match Anki's so saved card HTML and add-ons agree.
// Written from the BLAKE3 specification.

var blake3IV = [8]uint32{
	0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
}

var blake3Perm = [16]int{2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8}

const (
	b3ChunkStart = 1 << 0
	b3ChunkEnd   = 1 << 1
	b3Parent     = 1 << 2
	b3Root       = 1 << 3
	b3ChunkLen   = 1024
	b3BlockLen   = 64
)

func b3g(s *[16]uint32, a, b, c, d int, x, y uint32) {
	s[a] += s[b] + x
	s[d] = bits.RotateLeft32(s[d]^s[a], -16)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], -12)
	s[a] += s[b] + y
	s[d] = bits.RotateLeft32(s[d]^s[a], -8)
	s[c] += s[d]
	s[b] = bits.RotateLeft32(s[b]^s[c], -7)
}

func b3compress(cv [8]uint32, m [16]uint32, counter uint64, blockLen, flags uint32) [16]uint32 {
	s := [16]uint32{
		cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
		blake3IV[0], blake3IV[1], blake3IV[2], blake3IV[3],
		uint32(counter), uint32(counter >> 32), blockLen, flags,
	}
	for r := 0; r < 7; r++ {
		b3g(&s, 0, 4, 8, 12, m[0], m[1])
		b3g(&s, 1, 5, 9, 13, m[2], m[3])
		b3g(&s, 2, 6, 10, 14, m[4], m[5])
		b3g(&s, 3, 7, 11, 15, m[6], m[7])
		b3g(&s, 0, 5, 10, 15, m[8], m[9])
		b3g(&s, 1, 6, 11, 12, m[10], m[11])
		b3g(&s, 2, 7, 8, 13, m[12], m[13])
		b3g(&s, 3, 4, 9, 14, m[14], m[15])
		if r < 6 {
			var p [16]uint32
			for i := range p {
				p[i] = m[blake3Perm[i]]
			}
			m = p
		}
	}
	for i := 0; i < 8; i++ {
		s[i] ^= s[i+8]
		s[i+8] ^= cv[i]
	}
	return s
}

func b3words(block []byte) [16]uint32 {
	var buf [b3BlockLen]byte
	copy(buf[:], block)
	var m [16]uint32
	for i := range m {
		m[i] = binary.LittleEndian.Uint32(buf[i*4:])
	}
	return m
}

func first8(s [16]uint32) [8]uint32 {
	var cv [8]uint32
	copy(cv[:], s[:8])
	return cv
}

// b3chunk hashes one chunk; with root set, its last block carries the ROOT flag.
func b3chunk(chunk []byte, counter uint64, root bool) [8]uint32 {
	cv := blake3IV
	n := (len(chunk) + b3BlockLen - 1) / b3BlockLen
	if n == 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		end := min((i+1)*b3BlockLen, len(chunk))
		block := chunk[i*b3BlockLen : end]
		var flags uint32
		if i == 0 {
			flags |= b3ChunkStart
		}
		if i == n-1 {
			flags |= b3ChunkEnd
			if root {
				flags |= b3Root
			}
		}
		cv = first8(b3compress(cv, b3words(block), counter, uint32(len(block)), flags))
	}
	return cv
}

// b3subtree hashes data made of whole chunks starting at chunk index counter.
func b3subtree(data []byte, counter uint64, root bool) [8]uint32 {
	if len(data) <= b3ChunkLen {
		return b3chunk(data, counter, root)
	}
	// The left subtree takes the largest power-of-two number of chunks that
	// leaves at least one byte for the right.
	left := b3ChunkLen
	for left*2 < len(data) {
		left *= 2
	}
	l := b3subtree(data[:left], counter, false)
	r := b3subtree(data[left:], counter+uint64(left/b3ChunkLen), false)
	var m [16]uint32
	copy(m[:8], l[:])
	copy(m[8:], r[:])
	flags := uint32(b3Parent)
	if root {
		flags |= b3Root
	}
	return first8(b3compress(blake3IV, m, 0, b3BlockLen, flags))
}

// blake3Sum256 returns the 32-byte BLAKE3 hash of data.
func blake3Sum256(data []byte) [32]byte {
	cv := b3subtree(data, 0, true)
	var out [32]byte
	for i, w := range cv {
		binary.LittleEndian.PutUint32(out[i*4:], w)
	}
	return out
}
