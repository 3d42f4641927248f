// Package sha1 is SHA-1 for the WebAssembly builds of the signer. Compiled
// to wasm, crypto/sha1 spends about 1 µs per signature in its generic block
// loop and digest bookkeeping, more than the whole signature is allowed to
// cost, and it links the FIPS 140 module (about 50 kB of the wasip1
// module's gzip). Native builds keep crypto/sha1, which has assembly. Tests
// and FuzzSum hold this one to crypto/sha1 byte for byte.
package sha1

import (
	"encoding/binary"
	"math/bits"
)

//go:generate go run gen.go

// Size is the length of a SHA-1 sum in bytes.
const Size = 20

// Sum returns the SHA-1 of msg.
func Sum(msg []byte) [Size]byte {
	h := digest(msg)
	var out [Size]byte
	for i, word := range h {
		binary.BigEndian.PutUint32(out[4*i:], word)
	}
	return out
}

// HexSum writes the lowercase hex SHA-1 of msg into out.
func HexSum(out *[2 * Size]byte, msg []byte) {
	h := digest(msg)
	for i, word := range h {
		binary.LittleEndian.PutUint64(out[8*i:], hex8(word))
	}
}

func digest(msg []byte) [5]uint32 {
	h := [5]uint32{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}
	whole := len(msg) &^ 63
	sha1Blocks(&h, msg[:whole])
	// The tail, the 0x80 marker and the bit length need one block, or two
	// when fewer than 9 bytes are left in the first.
	var tail [128]byte
	rest := copy(tail[:], msg[whole:])
	tail[rest] = 0x80
	end := 64
	if rest >= 56 {
		end = 128
	}
	binary.BigEndian.PutUint64(tail[end-8:end], uint64(len(msg))<<3)
	sha1Blocks(&h, tail[:end])
	return h
}

// hex8 returns the 8 lowercase hex digits of w as the bytes of a
// little-endian word, most significant digit first: all eight at once in
// registers, where a loop over the digits costs a branch each on wasm.
func hex8(w uint32) uint64 {
	const ones = 0x0101010101010101
	// Spread the nibbles into bytes, the last digit in the top byte.
	t := uint64(bits.ReverseBytes32(w))
	t = (t | t<<16) & 0x0000FFFF0000FFFF
	t = (t | t<<8) & 0x00FF00FF00FF00FF
	// Each byte now holds two digits, high nibble first in the string:
	// move the high nibble into its own byte before the low one.
	t = (t>>4)&(0x0F*ones)&0x00FF00FF00FF00FF | (t&(0x0F*ones&0x00FF00FF00FF00FF))<<8
	// 0-9 become '0'-'9', 10-15 become 'a'-'f'.
	letters := (t + 6*ones) >> 4 & ones
	return t + '0'*ones + letters*('a'-'0'-10)
}
