package main

import (
	"bytes"
	"unsafe"

	"github.com/wxcard/wxcard/signer"
)

// sortedSHA1Raw splits src at NUL bytes and appends the sorted SHA-1 of the
// parts to dst. The parts alias src: they live only for this call, which is
// what lets the fast path run without allocating.
func sortedSHA1Raw(dst []byte, values []string, src []byte) []byte {
	for {
		end := bytes.IndexByte(src, 0)
		if end < 0 {
			end = len(src)
		}
		part := ""
		if end > 0 {
			part = unsafe.String(&src[0], end)
		}
		values = append(values, part)
		if end == len(src) {
			return signer.AppendSortedSHA1(dst, values...)
		}
		src = src[end+1:]
	}
}
