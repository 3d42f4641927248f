package main

import (
	"unsafe"

	"github.com/wxcard/wxcard/signer"
)

// sortedSHA1Raw splits src at NUL bytes and appends the sorted SHA-1 of the
// parts to dst. The parts alias src: they live only for this call, which is
// what lets the fast path run without allocating.
func sortedSHA1Raw(dst []byte, values []string, src []byte) []byte {
	start := 0
	for i := 0; i <= len(src); i++ {
		if i < len(src) && src[i] != 0 {
			continue
		}
		part := ""
		if i > start {
			part = unsafe.String(&src[start], i-start)
		}
		values = append(values, part)
		start = i + 1
	}
	return signer.AppendSortedSHA1(dst, values...)
}
