package admin

import (
	"context"
	"io"
)

// transport does the client's HTTP exchanges: net/http in native builds
// (transport_http.go); in js/wasm builds the runtime's fetch
// (transport_js.go), so that the edge Worker, which only fetches tokens
// and tickets, links no net/http (with it come crypto/tls and crypto/x509,
// about 0.6 MB of the Worker's gzip). Everything above it, from the
// request's URL to the errcode checks and retries, is request.go and
// credentials.go, the same in both.
type transport interface {
	// do sends one request with Accept: application/json and, with a
	// payload (nil sends no body), Content-Type: application/json. A
	// request that cannot be built fails with a *buildError; the caller
	// closes the response's body.
	do(ctx context.Context, method, url string, payload []byte) (*wireResponse, error)
}

// wireResponse is what the client reads of an HTTP response.
type wireResponse struct {
	statusCode  int
	status      string // "404 Not Found"
	contentType string
	body        io.ReadCloser
}

// buildError is a request a transport could not build (a bad URL).
type buildError struct{ err error }

func (e *buildError) Error() string { return e.err.Error() }
func (e *buildError) Unwrap() error { return e.err }
