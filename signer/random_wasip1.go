//go:build wasip1

package signer

import "syscall"

// readRandom fills b from WASI random_get, the source crypto/rand itself
// reads on wasip1; calling it directly keeps crypto/rand's DRBG, AES and
// big-number code out of the module.
func readRandom(b []byte) error { return syscall.RandomGet(b) }
