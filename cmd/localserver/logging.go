package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

func newLogger(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if level == "debug" {
		opts.Level = slog.LevelDebug
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// statusRecorder remembers what a handler answered, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (the emulator's
// fault injection hijacks it to cut a response short).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack passes the connection through: the emulator's disconnect fault
// closes it half-way through a response, as a flaky network would.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("localserver: connection cannot be hijacked")
	}
	r.hijacked = true
	return hj.Hijack()
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests writes one line per request: method, path, status, bytes and
// latency. It logs the path only — never the query string, where WeChat's
// access_token and AppSecret travel on /wechat/ calls — and no headers.
// While quiet reports true (the server's own calls at start-up, before the
// banner) the lines are at debug level, so the banner is the first screen.
func logRequests(log *slog.Logger, quiet func() bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("latency", time.Since(start)),
			}
			if rec.hijacked {
				attrs = append(attrs, slog.Bool("hijacked", true))
			}
			if rec.status == 0 && !rec.hijacked {
				// The handler wrote nothing; net/http answers 200 for it.
				attrs[2] = slog.Int("status", http.StatusOK)
			}
			level := slog.LevelInfo
			if quiet() {
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}
