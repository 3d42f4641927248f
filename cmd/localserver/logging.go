package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
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

// logSampler lets at most a number of request lines a second through (with
// a burst of ten seconds' worth) and counts the ones it holds back, so a
// flood of requests cannot fill the disk with its log.
type logSampler struct {
	limiter *rate.Limiter
	now     func() time.Time
	held    atomic.Int64
}

func newLogSampler(perSecond float64) *logSampler {
	return &logSampler{limiter: rate.NewLimiter(rate.Limit(perSecond), int(math.Ceil(perSecond*10))), now: time.Now}
}

// allow reports whether a line may be written, and how many were held back
// since the last one written.
func (s *logSampler) allow() (bool, int64) {
	if !s.limiter.AllowN(s.now(), 1) {
		s.held.Add(1)
		return false, 0
	}
	return true, s.held.Swap(0)
}

// logRequests writes a line per request: method, path, status, bytes and
// latency. It logs the path only — never the query string, where WeChat's
// access_token and AppSecret travel on /wechat/ calls — and no headers.
//
// Server errors (5xx) are always logged, at error level. At debug level
// every other request is too; at info level a sample, as sampler allows
// (the next line written says how many were left out, as "unlogged").
// While quiet reports true (the server's own calls at start-up, before the
// banner) the lines are at debug level, so the banner is the first screen.
func logRequests(log *slog.Logger, quiet func() bool, sampler *logSampler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 && !rec.hijacked {
				// The handler wrote nothing; net/http answers 200 for it.
				status = http.StatusOK
			}
			level := slog.LevelInfo
			var unlogged int64
			switch {
			case quiet():
				level = slog.LevelDebug
			case status >= 500:
				level = slog.LevelError
			case log.Enabled(r.Context(), slog.LevelDebug):
			default:
				ok, held := sampler.allow()
				if !ok {
					return
				}
				unlogged = held
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("latency", time.Since(start)),
			}
			if rec.hijacked {
				attrs = append(attrs, slog.Bool("hijacked", true))
			}
			if unlogged > 0 {
				attrs = append(attrs, slog.Int64("unlogged", unlogged))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}
