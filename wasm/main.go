// Command wasm is the wxcard signer as a WASI reactor: built with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared it becomes build/wxcard.wasm,
// which the js/ package loads in browsers, Node and Workers.
//
// The module is a thin shim over package signer with a JSON ABI (see
// ARCHITECTURE.md, "The WebAssembly ABI"):
//
//   - wxcard_alloc(n) ptr and wxcard_free(ptr) manage buffers the host writes
//     requests into and reads responses from;
//   - one export per operation (wxcard_card_ext, wxcard_add_card,
//     wxcard_choose_card, wxcard_js_config, wxcard_sorted_sha1,
//     wxcard_verify_card_ext) takes a JSON request (ptr, len) and returns
//     ptr<<32|len of a JSON response, {"ok":…} or
//     {"error":{"code","message","field"?}}, which the host frees;
//   - wxcard_sorted_sha1_raw(in, len, out) is the allocation-free fast path
//     for the signature itself: NUL-separated values in, 40 hex digits out;
//   - wxcard_live_allocs() counts buffers not yet freed, so hosts and tests
//     can check that allocations are balanced.
//
// Call _initialize before anything else. No input makes the module panic or
// trap: requests are validated, panics are recovered at the boundary and
// pointers must be ones wxcard_alloc returned.
//
// The request handling (ops.go) has no build tag, so it is tested and fuzzed
// natively; only the exports are wasip1-only.
package main

// main is required by the toolchain; a c-shared reactor never runs it.
func main() {}
