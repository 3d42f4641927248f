package edge

import (
	"net/http"
)

// The net/http adapter of Server.

func init() { abortPanic = http.ErrAbortHandler }

// NewHandler returns the config API handler: a Server behind net/http. It
// fails only for an invalid Config (the error matches ErrInvalidConfig).
// The handler is safe for concurrent use and keeps no state between
// requests beyond Config.
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
	writeResponse(w, h.srv.Serve(r.Context(), req))
}

// writeResponse copies res to w. Vary is added to, so that what an outer
// handler varies on is kept; every other header is set.
func writeResponse(w http.ResponseWriter, res *Response) {
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
