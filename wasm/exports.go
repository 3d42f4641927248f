//go:build wasip1

package main

import "unsafe"

// inst is the state of this module instance. It has to be a package
// variable: //go:wasmexport functions cannot have receivers, and a wasm
// instance is already the unit of isolation a host creates and discards.
var inst = instance{pinned: map[uint32][]byte{}}

// instance keeps every buffer the host can see reachable until the host
// frees it, so the Go GC never reuses memory the host is writing to.
type instance struct {
	h      handler
	pinned map[uint32][]byte
}

func (m *instance) pin(b []byte) uint32 {
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	m.pinned[p] = b
	return p
}

// buffer returns the first n bytes of a pinned allocation, or false for a
// pointer wxcard_alloc did not return or a length past its end.
func (m *instance) buffer(ptr, n uint32) ([]byte, bool) {
	b, ok := m.pinned[ptr]
	if !ok || uint64(n) > uint64(len(b)) {
		return nil, false
	}
	return b[:n], true
}

func (m *instance) call(o op, ptr, n uint32) (packed uint64) {
	defer func() {
		if recover() != nil {
			packed = m.respond(appendError(nil, &requestError{code: CodeInternal, message: "internal error at the module boundary"}))
		}
	}()
	if n > MaxRequestLen {
		return m.respond(appendError(nil, &requestError{code: CodeTooLarge, message: "the request is too large"}))
	}
	req, ok := m.buffer(ptr, n)
	if !ok {
		return m.respond(appendError(nil, &requestError{code: CodeBadPointer, message: "the request pointer was not returned by wxcard_alloc or the length runs past its buffer"}))
	}
	return m.respond(m.h.handle(o, req))
}

func (m *instance) respond(resp []byte) uint64 {
	return uint64(m.pin(resp))<<32 | uint64(len(resp))
}

// wxcardAlloc returns a buffer of n bytes the host may write to, or 0 when n
// is larger than MaxRequestLen.
//
//go:wasmexport wxcard_alloc
func wxcardAlloc(n uint32) (ptr uint32) {
	defer func() {
		if recover() != nil {
			ptr = 0
		}
	}()
	if n > MaxRequestLen {
		return 0
	}
	return inst.pin(make([]byte, max(n, 1)))
}

// wxcardFree releases a buffer from wxcard_alloc or a response; unknown
// pointers are ignored.
//
//go:wasmexport wxcard_free
func wxcardFree(ptr uint32) {
	delete(inst.pinned, ptr)
}

// wxcardLiveAllocs counts the buffers not yet freed.
//
//go:wasmexport wxcard_live_allocs
func wxcardLiveAllocs() uint32 { return uint32(len(inst.pinned)) }

//go:wasmexport wxcard_card_ext
func wxcardCardExt(ptr, n uint32) uint64 { return inst.call(opCardExt, ptr, n) }

//go:wasmexport wxcard_add_card
func wxcardAddCard(ptr, n uint32) uint64 { return inst.call(opAddCard, ptr, n) }

//go:wasmexport wxcard_choose_card
func wxcardChooseCard(ptr, n uint32) uint64 { return inst.call(opChooseCard, ptr, n) }

//go:wasmexport wxcard_js_config
func wxcardJSConfig(ptr, n uint32) uint64 { return inst.call(opJSConfig, ptr, n) }

//go:wasmexport wxcard_sorted_sha1
func wxcardSortedSHA1(ptr, n uint32) uint64 { return inst.call(opSortedSHA1, ptr, n) }

//go:wasmexport wxcard_verify_card_ext
func wxcardVerifyCardExt(ptr, n uint32) uint64 { return inst.call(opVerifyCardExt, ptr, n) }

//go:wasmexport wxcard_verify_js_config
func wxcardVerifyJSConfig(ptr, n uint32) uint64 { return inst.call(opVerifyJSConfig, ptr, n) }

//go:wasmexport wxcard_verify_choose_card
func wxcardVerifyChooseCard(ptr, n uint32) uint64 { return inst.call(opVerifyChooseCard, ptr, n) }
