//go:build js && wasm

package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"syscall/js"

	"github.com/wxcard/wxcard/internal/jspromise"
)

// fetchTransport sends through the runtime's fetch (globalThis.fetch in a
// Worker), the transport of js/wasm builds, which have no WithHTTPClient:
// the net/http client would link crypto/tls and crypto/x509 into the
// Worker for nothing. Redirects are not followed (WeChat's API does not
// redirect; a 3xx is an HTTPError, as with net/http's client), and
// DefaultTimeout bounds each exchange, as it does the native default
// client.
type fetchTransport struct{}

func defaultTransport() transport { return fetchTransport{} }

func (fetchTransport) do(ctx context.Context, method, rawURL string, payload []byte) (*wireResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &buildError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	object := js.Global().Get("Object")
	headers := object.New()
	headers.Set("Accept", "application/json")
	init := object.New()
	init.Set("method", method)
	init.Set("redirect", "manual")
	init.Set("headers", headers)
	if payload != nil {
		headers.Set("Content-Type", "application/json; charset=utf-8")
		body := js.Global().Get("Uint8Array").New(len(payload))
		js.CopyBytesToJS(body, payload)
		init.Set("body", body)
	}
	// fetch is invoked without a this: workerd refuses a call of it on
	// globalThis ("Illegal invocation").
	res, err := jspromise.Await(ctx, js.Global().Get("fetch").Invoke(rawURL, init))
	if err != nil {
		return nil, fetchError(method, u, err)
	}
	resp := &wireResponse{statusCode: res.Get("status").Int()}
	resp.status = strconv.Itoa(resp.statusCode)
	if text := res.Get("statusText").String(); text != "" {
		resp.status += " " + text
	}
	if ct := res.Get("headers").Call("get", "Content-Type"); ct.Type() == js.TypeString {
		resp.contentType = ct.String()
	}
	buf, err := jspromise.Await(ctx, res.Call("arrayBuffer"))
	if err != nil {
		resp.body = io.NopCloser(errReader{fetchError(method, u, err)})
		return resp, nil
	}
	bytesJS := js.Global().Get("Uint8Array").New(buf)
	raw := make([]byte, bytesJS.Get("byteLength").Int())
	js.CopyBytesToGo(raw, bytesJS)
	resp.body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

// fetchError wraps a failed fetch as net/http's client does, in a
// *url.Error (whose URL redactError hides), and takes the URL's query
// values out of the runtime's message, which may quote the URL.
func fetchError(method string, u *url.URL, err error) error {
	if _, ok := errors.AsType[*jspromise.Rejection](err); ok {
		var secrets []string
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		err = errors.New(scrub(err.Error(), secrets...))
	}
	return &url.Error{Op: method, URL: u.String(), Err: err}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
