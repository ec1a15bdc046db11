package template

import (
	"encoding/hex"
	"testing"
)

func TestBlake3Vectors(t *testing.T) {
	// Official BLAKE3 test vectors use input bytes i % 251.
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 251)
		}
		return b
	}
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte(""), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
		{[]byte("abc"), "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"},
		{seq(1), "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"},
		{seq(1024), "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"},
		{seq(1025), "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"},
		{seq(3072), "b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2"},
		{seq(5121), "628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff"},
	}
	for _, tt := range tests {
		sum := blake3Sum256(tt.in)
		if got := hex.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("blake3(%d bytes) = %s, want %s", len(tt.in), got, tt.want)
		}
	}
}
