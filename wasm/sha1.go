package main

import "encoding/binary"

//go:generate go run sha1_gen.go

// hexSHA1 writes the lowercase hex SHA-1 of msg into out. It is the lean
// ABI's hash: crypto/sha1 is right but, compiled to wasm, spends about 1 µs
// per call in its generic block loop and digest bookkeeping, more than the
// whole signature is allowed to cost. Tests and FuzzSHA1 hold it to
// crypto/sha1 byte for byte.
func hexSHA1(out *[40]byte, msg []byte) {
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
	const digits = "0123456789abcdef"
	for i, word := range h {
		for j := range 8 {
			out[8*i+j] = digits[word>>(28-4*j)&0xf]
		}
	}
}
