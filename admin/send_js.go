//go:build js

package admin

import (
	"errors"
	"net/http"
)

// send calls the client's Transport directly. http.Client.Do would link Go's
// default transport (HTTP/2, TLS, proxies) into a Worker that never uses it:
// about 1.1 MB of gzip in a bundle Cloudflare's free plan caps at 3 MiB. In a
// Worker the transport is fetch, which follows redirects itself, and the
// request's context carries the deadline, so Do has nothing to add.
func send(hc *http.Client, req *http.Request) (*http.Response, error) {
	if hc.Transport == nil {
		return nil, errors.New("on js/wasm the HTTP client needs a Transport (the Worker's fetch), set with WithHTTPClient")
	}
	return hc.Transport.RoundTrip(req)
}
