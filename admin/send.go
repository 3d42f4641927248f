//go:build !js

package admin

import "net/http"

// send hands req to the HTTP client. On js/wasm, send_js.go goes straight to
// the client's Transport instead.
func send(hc *http.Client, req *http.Request) (*http.Response, error) {
	return hc.Do(req)
}
