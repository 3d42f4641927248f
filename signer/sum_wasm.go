//go:build wasm

package signer

import "github.com/wxcard/wxcard/signer/internal/sha1"

// sumSize is the length of a SHA-1 sum.
const sumSize = sha1.Size

// sha1Sum is the pure-Go SHA-1 on WebAssembly: crypto/sha1 is slower there
// and links the FIPS 140 module into every module that signs.
func sha1Sum(b []byte) [sumSize]byte { return sha1.Sum(b) }
