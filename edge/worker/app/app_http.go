//go:build !js

package app

import (
	"errors"
	"io"
	"net/http"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/kv"
)

// NewHandler is NewServer over net/http, fetching tickets through hc: the
// Worker's wiring, run natively (the tests, against an httptest
// upstream). It is not in js/wasm builds, which link no net/http.
func NewHandler(s Settings, hc *http.Client, store kv.Store, logOutput io.Writer) (http.Handler, error) {
	if hc == nil {
		return nil, errors.New("app: nil HTTP client")
	}
	return wire(s, store, logOutput, []admin.Option{admin.WithHTTPClient(hc)}, edge.NewHandler)
}

// MisconfiguredHandler answers every request with MisconfiguredResponse.
func MisconfiguredHandler(err error) http.Handler {
	res := MisconfiguredResponse(err)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		edge.WriteResponse(w, res)
	})
}
