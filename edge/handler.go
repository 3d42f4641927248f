package edge

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// NewHandler returns the config API handler. It fails only for an invalid
// Config (the error matches ErrInvalidConfig). The handler is safe for
// concurrent use and keeps no state between requests beyond Config.
func NewHandler(cfg Config) (http.Handler, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	return &handler{s: s}, nil
}

type handler struct {
	s *settings
}

// route is one path of the API: the method it takes and what serves it.
type route struct {
	method  string // the one method serve takes (HEAD is also accepted for GET)
	methods string // for the Allow header, OPTIONS included
	serve   func(s *settings, w http.ResponseWriter, r *http.Request) *apiError
}

func lookupRoute(path string) (route, bool) {
	switch path {
	case "/v1/addcard":
		return route{methods: "POST, OPTIONS", method: http.MethodPost, serve: serveAddCard}, true
	case "/v1/choosecard":
		return route{methods: "POST, OPTIONS", method: http.MethodPost, serve: serveChooseCard}, true
	case "/v1/jsconfig":
		return route{methods: "GET, HEAD, OPTIONS", method: http.MethodGet, serve: serveJSConfig}, true
	case "/healthz":
		return route{methods: "GET, HEAD, OPTIONS", method: http.MethodGet, serve: serveHealth}, true
	}
	return route{}, false
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A panic here is a bug; in a Worker it would also kill the Go
		// instance every later request shares, so it becomes a 500.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.s.log.ErrorContext(r.Context(), "edge: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeError(w, &apiError{status: http.StatusInternalServerError, code: CodeInternal, message: "internal error"})
		}
	}()
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")

	rt, ok := lookupRoute(r.URL.Path)
	if !ok {
		h.fail(w, r, &apiError{status: http.StatusNotFound, code: CodeNotFound, message: "no route " + quoteForMessage(r.URL.Path)})
		return
	}
	origin := r.Header.Get("Origin")
	_, originAllowed := h.s.origins[origin]
	if origin != "" && originAllowed {
		hdr.Set("Access-Control-Allow-Origin", origin)
	}
	if len(h.s.origins) > 0 {
		hdr.Add("Vary", "Origin")
	}

	if r.Method == http.MethodOptions {
		h.preflight(w, r, rt, origin, originAllowed)
		return
	}
	if r.Method != rt.method && !(r.Method == http.MethodHead && rt.method == http.MethodGet) {
		hdr.Set("Allow", rt.methods)
		h.fail(w, r, &apiError{status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed,
			message: r.URL.Path + " takes " + rt.method + ", not " + quoteForMessage(r.Method)})
		return
	}
	if e := rt.serve(h.s, w, r); e != nil {
		h.fail(w, r, e)
	}
}

// preflight answers a CORS preflight, or a plain OPTIONS without Origin.
func (h *handler) preflight(w http.ResponseWriter, r *http.Request, rt route, origin string, allowed bool) {
	hdr := w.Header()
	hdr.Set("Allow", rt.methods)
	if origin == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !allowed {
		h.fail(w, r, &apiError{status: http.StatusForbidden, code: CodeOriginNotAllowed,
			message: "origin " + quoteForMessage(origin) + " may not call this API"})
		return
	}
	hdr.Set("Access-Control-Allow-Methods", rt.methods)
	// Content-Type is the only header a page needs to send (application/json).
	hdr.Set("Access-Control-Allow-Headers", "Content-Type")
	hdr.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, e *apiError) {
	level := levelInfo
	switch {
	case r.Context().Err() != nil:
		// The client is gone; nobody reads this answer.
		level = levelDebug
	case e.status >= 500:
		level = levelWarn
	}
	h.s.log.Log(r.Context(), level, "edge: request failed",
		"method", r.Method, "path", r.URL.Path, "status", e.status, "code", e.code)
	writeError(w, e)
}

func serveHealth(_ *settings, w http.ResponseWriter, _ *http.Request) *apiError {
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`+"\n"))
	return nil
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// checkContentType accepts a JSON body sent as application/json, as
// text/plain (what a CORS "simple request" may use to skip the preflight), or
// without a type.
func checkContentType(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || mt == "text/plain") {
		return nil
	}
	return &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMediaType,
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
