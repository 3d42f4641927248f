//go:build !js

package admin

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// httpTransport sends through an *http.Client (WithHTTPClient). It is the
// native builds' transport; js/wasm builds have fetchTransport instead, and
// no WithHTTPClient.
type httpTransport struct{ hc *http.Client }

func defaultTransport() transport {
	return httpTransport{&http.Client{Timeout: DefaultTimeout}}
}

func (t httpTransport) do(ctx context.Context, method, url string, payload []byte) (*wireResponse, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, &buildError{err}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil, err
	}
	return &wireResponse{statusCode: resp.StatusCode, status: resp.Status,
		contentType: resp.Header.Get("Content-Type"), body: resp.Body}, nil
}

// WithHTTPClient sets the HTTP client (its Timeout and Transport are used as
// they are). The default has a 15 s timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return invalidArg("http_client", "is nil")
		}
		c.transport = httpTransport{hc}
		return nil
	}
}
