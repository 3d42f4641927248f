//go:build !js

package edge

import (
	"net/http"
)

// The net/http adapter of Server. It is left out of js/wasm builds: the
// Worker calls Server.Serve from its JavaScript entry module, and
// importing net/http would link crypto/tls and crypto/x509 into its bundle
// (their package initialisers keep their code alive: about 0.6 MB of gzip).

func init() { abortPanic = http.ErrAbortHandler }

// NewHandler returns the config API handler: a Server behind net/http. It
// fails only for an invalid Config (the error matches ErrInvalidConfig).
// The handler is safe for concurrent use and keeps no state between
// requests beyond Config. It is not in js/wasm builds: use NewServer there.
func NewHandler(cfg Config) (http.Handler, error) {
	srv, err := NewServer(cfg)
	if err != nil {
		return nil, err
	}
	return &handler{srv: srv}, nil
}

type handler struct {
	srv *Server
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &Request{
		Method:        r.Method,
		Path:          r.URL.Path,
		RawQuery:      r.URL.RawQuery,
		Origin:        r.Header.Get("Origin"),
		ContentType:   r.Header.Get("Content-Type"),
		ContentLength: r.ContentLength,
		Body:          r.Body,
		// MaxBytesReader also tells the server to close the connection
		// after answering a body over the limit.
		limited: http.MaxBytesReader(w, r.Body, h.srv.s.maxBody),
	}
	WriteResponse(w, h.srv.Serve(r.Context(), req))
}

// WriteResponse writes res, as Server.Serve answered it, to w. Vary is
// added to, so that what an outer handler varies on is kept; every other
// header is set. It is not in js/wasm builds.
func WriteResponse(w http.ResponseWriter, res *Response) {
	hdr := w.Header()
	for _, f := range res.Header {
		if f.Name == "Vary" {
			hdr.Add(f.Name, f.Value)
		} else {
			hdr.Set(f.Name, f.Value)
		}
	}
	w.WriteHeader(res.Status)
	if len(res.Body) > 0 {
		_, _ = w.Write(res.Body)
	}
}
