package devhttp

import (
	"log"
	"net/http"
	"time"
)

// Timeouts bound how long one connection may hold the server.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included: a client
	// trickling its body is cut off when it runs out.
	Read time.Duration
	// Write bounds the time from the end of the headers to the end of the
	// response.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultTimeouts suit a development server whose bodies are at most 1 MiB
// and whose slowest handler is the emulator's latency fault (at most a
// minute, plus a WeChat call of up to 15 s behind it).
func DefaultTimeouts() Timeouts {
	return Timeouts{
		ReadHeader:     10 * time.Second,
		Read:           30 * time.Second,
		Write:          90 * time.Second,
		Idle:           time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}

// NewServer returns a server for h with the timeouts t; errorLog receives
// net/http's own complaints (nil: the standard logger).
func NewServer(h http.Handler, t Timeouts, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}
