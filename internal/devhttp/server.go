package devhttp

import (
	"context"
	"log"
	"net"
	"net/http"
	"sync"
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

// Server is an http.Server whose Shutdown does not wait for connections
// that never sent a request.
type Server struct {
	*http.Server

	mu       sync.Mutex
	fresh    map[net.Conn]struct{} // accepted, no request read yet
	stopping bool
}

// NewServer returns a server for h with the timeouts t; errorLog receives
// net/http's own complaints (nil: the standard logger).
func NewServer(h http.Handler, t Timeouts, errorLog *log.Logger) *Server {
	s := &Server{fresh: map[net.Conn]struct{}{}}
	s.Server = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          errorLog,
		ConnState:         s.track,
	}
	return s
}

// track remembers connections that have not sent a request yet.
func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		if s.stopping {
			c.Close()
			return
		}
		s.fresh[c] = struct{}{}
	default:
		delete(s.fresh, c)
	}
}

// Shutdown is http.Server's Shutdown, except that connections which never
// sent a request are closed at once. net/http counts such a connection as
// idle only after five seconds, so a client's spare connection (a dial that
// finished after its request was cancelled, a pre-connect) held every
// shutdown for five seconds, past the budget the servers give themselves.
// Closing it loses nothing: no request was read from it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	for c := range s.fresh {
		c.Close()
		delete(s.fresh, c)
	}
	s.mu.Unlock()
	return s.Server.Shutdown(ctx)
}
