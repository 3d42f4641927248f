//go:build !wasm

package signer

import "crypto/sha1"

// sumSize is the length of a SHA-1 sum.
const sumSize = sha1.Size

// sha1Sum is crypto/sha1, which has assembly on native platforms.
func sha1Sum(b []byte) [sumSize]byte { return sha1.Sum(b) }
