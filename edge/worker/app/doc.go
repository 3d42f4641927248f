// Package app wires the edge API for the Cloudflare Worker: it reads the
// Worker's settings (WXCARD_* variables and the WXCARD_SECRET secret), builds
// the admin client on the given store, and returns the edge.Server the
// worker serves (NewServer; the admin client fetches through the runtime's
// fetch in js/wasm builds). It is plain Go, so the same wiring is tested
// natively against an httptest upstream through NewHandler, its net/http
// form (not in js/wasm builds); edge/worker only supplies the Workers KV
// store and hands requests to the Server.
package app
