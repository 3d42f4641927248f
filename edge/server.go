package edge

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strconv"
	"unicode/utf8"
)

// Server is the config API without a transport: a request's few parts in,
// a whole response out. NewHandler serves it over net/http; the Cloudflare
// Worker (edge/worker) calls it from its JavaScript entry module, so that
// the Worker's js/wasm build links no net/http (which would bring
// crypto/tls and crypto/x509 along, most of a megabyte). Both run the same
// routing, CORS, validation and signing: this type is where they live.
//
// A Server is safe for concurrent use and keeps no state between requests
// beyond Config.
type Server struct {
	s *settings
}

// NewServer returns the config API core. It fails only for an invalid
// Config (the error matches ErrInvalidConfig).
func NewServer(cfg Config) (*Server, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	return &Server{s: s}, nil
}

// Request is what Server.Serve reads of an HTTP request.
type Request struct {
	Method string
	// Path is the URL path, unescaped (net/url's URL.Path).
	Path string
	// RawQuery is the query without the '?', still encoded.
	RawQuery string
	// Origin and ContentType are the request's headers of those names.
	Origin      string
	ContentType string
	// ContentLength is the body's declared length, -1 when unknown. A body
	// declared longer than Config.MaxBodyBytes is refused unread.
	ContentLength int64
	// Body is the request body; nil is an empty one. Serve reads at most
	// Config.MaxBodyBytes+1 bytes of it to decode, and up to 1 MiB more of
	// a body it refuses (see drainBody).
	Body io.Reader

	// limited is Body behind net/http's MaxBytesReader, set by the
	// net/http adapter so that the server closes the connection of a
	// request over the limit, as it did before this core existed; nil
	// makes Serve limit Body itself.
	limited io.Reader
}

// Response is what Server.Serve answers: always a whole JSON body (or none,
// for 204), never streamed.
type Response struct {
	Status int
	// Header lists the response's headers, each name once, in canonical
	// form ("Content-Type").
	Header []HeaderField
	Body   []byte
}

// HeaderField is one response header.
type HeaderField struct {
	Name, Value string
}

// Get returns the value of the header named name (canonical form), or "".
func (res *Response) Get(name string) string {
	for _, f := range res.Header {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// set sets the header named name (canonical form) to value.
func (res *Response) set(name, value string) {
	for i := range res.Header {
		if res.Header[i].Name == name {
			res.Header[i].Value = value
			return
		}
	}
	res.Header = append(res.Header, HeaderField{name, value})
}

// abortPanic is a panic value Serve passes on instead of answering 500:
// net/http's ErrAbortHandler in native builds (handler_http.go), which
// asks the server to drop the connection; nil in js/wasm builds.
var abortPanic any

// route is one path of the API: the method it takes and what serves it.
type route struct {
	method  string // the one method serve takes (HEAD is also accepted for GET)
	methods string // for the Allow header, OPTIONS included
	serve   func(ctx context.Context, s *settings, r *Request, res *Response) *apiError
}

func lookupRoute(path string) (route, bool) {
	switch path {
	case "/v1/addcard":
		return route{methods: "POST, OPTIONS", method: methodPost, serve: serveAddCard}, true
	case "/v1/choosecard":
		return route{methods: "POST, OPTIONS", method: methodPost, serve: serveChooseCard}, true
	case "/v1/jsconfig":
		return route{methods: "GET, HEAD, OPTIONS", method: methodGet, serve: serveJSConfig}, true
	case "/healthz":
		return route{methods: "GET, HEAD, OPTIONS", method: methodGet, serve: serveHealth}, true
	}
	return route{}, false
}

// Serve answers one request. ctx is the request's: a ticket fetch ends
// with it.
func (srv *Server) Serve(ctx context.Context, r *Request) (res *Response) {
	s := srv.s
	res = &Response{Header: make([]HeaderField, 0, 8)}
	res.set("Cache-Control", "no-store")
	res.set("X-Content-Type-Options", "nosniff")
	defer func() {
		// A panic here is a bug; in a Worker it would also kill the Go
		// instance every later request shares, so it becomes a 500.
		if v := recover(); v != nil {
			if abortPanic != nil && v == abortPanic {
				panic(v)
			}
			s.log.ErrorContext(ctx, "edge: panic", "path", r.Path, "panic", fmt.Sprint(v))
			writeError(res, &apiError{status: statusInternalServerError, code: CodeInternal, message: "internal error"})
		}
	}()

	rt, ok := lookupRoute(r.Path)
	if !ok {
		s.fail(ctx, r, res, &apiError{status: statusNotFound, code: CodeNotFound, message: "no route " + quoteForMessage(r.Path)})
		return res
	}
	_, originAllowed := s.origins[r.Origin]
	if r.Origin != "" && originAllowed {
		res.set("Access-Control-Allow-Origin", r.Origin)
	}
	if len(s.origins) > 0 {
		res.set("Vary", "Origin")
	}

	if r.Method == methodOptions {
		s.preflight(ctx, r, res, rt, originAllowed)
		return res
	}
	if r.Method != rt.method && !(r.Method == methodHead && rt.method == methodGet) {
		res.set("Allow", rt.methods)
		s.fail(ctx, r, res, &apiError{status: statusMethodNotAllowed, code: CodeMethodNotAllowed,
			message: r.Path + " takes " + rt.method + ", not " + quoteForMessage(r.Method)})
		return res
	}
	if e := rt.serve(ctx, s, r, res); e != nil {
		s.fail(ctx, r, res, e)
	}
	return res
}

// preflight answers a CORS preflight, or a plain OPTIONS without Origin.
func (s *settings) preflight(ctx context.Context, r *Request, res *Response, rt route, allowed bool) {
	res.set("Allow", rt.methods)
	if r.Origin == "" {
		res.Status = statusNoContent
		return
	}
	if !allowed {
		s.fail(ctx, r, res, &apiError{status: statusForbidden, code: CodeOriginNotAllowed,
			message: "origin " + quoteForMessage(r.Origin) + " may not call this API"})
		return
	}
	res.set("Access-Control-Allow-Methods", rt.methods)
	// Content-Type is the only header a page needs to send (application/json).
	res.set("Access-Control-Allow-Headers", "Content-Type")
	res.set("Access-Control-Max-Age", "600")
	res.Status = statusNoContent
}

func (s *settings) fail(ctx context.Context, r *Request, res *Response, e *apiError) {
	level := levelInfo
	switch {
	case ctx.Err() != nil:
		// The client is gone; nobody reads this answer.
		level = levelDebug
	case e.status >= 500:
		level = levelWarn
	}
	s.log.Log(ctx, level, "edge: request failed",
		"method", r.Method, "path", r.Path, "status", e.status, "code", e.code)
	writeError(res, e)
}

func serveHealth(_ context.Context, _ *settings, _ *Request, res *Response) *apiError {
	writeJSON(res, statusOK, []byte(`{"status":"ok"}`+"\n"))
	return nil
}

func writeJSON(res *Response, status int, body []byte) {
	res.set("Content-Type", "application/json; charset=utf-8")
	res.set("Content-Length", strconv.Itoa(len(body)))
	res.Status = status
	res.Body = body
}

// checkContentType accepts a JSON body sent as application/json, as
// text/plain (what a CORS "simple request" may use to skip the preflight), or
// without a type.
func checkContentType(ct string) *apiError {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || mt == "text/plain") {
		return nil
	}
	return &apiError{status: statusUnsupportedMediaType, code: CodeUnsupportedMediaType,
		message: "send the body as application/json"}
}

// quoteForMessage quotes request text for an error message, cut short so a
// hostile request cannot make the answer large.
func quoteForMessage(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}
