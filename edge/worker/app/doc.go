// Package app wires the edge handler for the Cloudflare Worker: it reads the
// Worker's settings (WXCARD_* variables and the WXCARD_SECRET secret), builds
// the admin client on the given HTTP client and store, and returns the
// http.Handler the worker serves. It is plain Go, so the wiring is tested
// natively against an httptest upstream; edge/worker only supplies the
// fetch-backed HTTP client and the Workers KV store.
package app
