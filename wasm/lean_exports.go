//go:build wasip1

package main

import "unsafe"

// leanWords backs the lean ABI's one buffer, leanBuf: in at the start, out
// after it. It is static, so its address never changes and the GC never
// frees it; the host asks for the address once. Words, not bytes, so that
// the host can lay uint32 views on it.
var leanWords [(leanInCap + leanOutCap) / 8]uint64

var leanBuf = unsafe.Slice((*byte)(unsafe.Pointer(&leanWords[0])), leanInCap+leanOutCap)

var leanState = lean{in: leanBuf[:leanInCap:leanInCap], out: leanBuf[leanInCap:]}

// wxcardLeanBuffer returns the address of the lean buffer: in is
// leanInCap bytes from there, out the leanOutCap bytes after.
//
//go:wasmexport wxcard_lean_buffer
func wxcardLeanBuffer() uint32 {
	return uint32(uintptr(unsafe.Pointer(&leanBuf[0])))
}

// wxcardLeanAddCard signs the cardList written into the lean buffer; it
// returns the byte length of the answer, or 0 to send the input as JSON.
//
//go:wasmexport wxcard_lean_add_card
func wxcardLeanAddCard() (n uint32) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	return uint32(leanState.addCard())
}

// wxcardLeanSortedSHA1 hashes the values written into the lean buffer; it
// returns 40, or 0 to send the input as JSON.
//
//go:wasmexport wxcard_lean_sorted_sha1
func wxcardLeanSortedSHA1() (n uint32) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	return uint32(leanState.sortedSHA1())
}

// wxcardLeanCaps reports the capacities of in and out, so the host never
// assumes a layout the module was not built with.
//
//go:wasmexport wxcard_lean_caps
func wxcardLeanCaps() uint64 { return uint64(leanInCap)<<32 | leanOutCap }
