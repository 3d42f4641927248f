// Package redisproc runs a throwaway redis-server on a loopback port, for
// tests (through kv/kvtest) and for the load benchmarks, which are main
// programs and cannot use testing.TB. Stop, Pause, Resume and Restart play
// the outages an operator sees: a server that refuses connections, one
// that accepts them and never answers, and one that comes back empty.
package redisproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxcard/wxcard/internal/testproc"
)

// ErrNotRunning is returned by Pause and Resume when the server is down.
var ErrNotRunning = errors.New("redisproc: redis-server is not running")

// Server is a redis-server process with persistence off, on a fixed
// loopback port so that a restart comes back where clients look for it.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	bin  string
	dir  string
	port int

	mu   sync.Mutex // guards proc
	proc *testproc.Process
}

// Start runs the redis-server binary bin on a free loopback port with dir
// as its working directory and waits until it answers PING.
func Start(bin, dir string) (*Server, error) {
	var lastErr error
	// A free port can be taken between choosing and binding it; retry.
	for attempt := 0; attempt < 5; attempt++ {
		port, err := testproc.FreePort()
		if err != nil {
			lastErr = err
			continue
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: dir, port: port}
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("redisproc: redis-server did not start: %w", lastErr)
}

// URL returns a redis:// URL for the server.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// start runs redis-server on s.port and waits for its PONG.
func (s *Server) start() error {
	proc, err := testproc.Start(testproc.Command{Path: s.bin, Args: []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--loglevel", "warning",
	}})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()
	if err := proc.WaitUntil(5*time.Second, func() error { return Ping(s.Addr) }); err != nil {
		s.Stop()
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(proc.Output()))
	}
	return nil
}

// Ping speaks just enough RESP to see that the server at addr answers.
func Ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	return exchange(conn, "PING", "+PONG")
}

// exchange sends one inline RESP command on conn and checks that the first
// line of the reply is want.
func exchange(conn net.Conn, cmd, want string) error {
	if _, err := conn.Write([]byte(cmd + "\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != want+"\r\n" {
		return fmt.Errorf("%s: unexpected reply %q", cmd, line)
	}
	return nil
}

// Stop kills the server (SIGKILL, paused or not) and waits for it to exit:
// connections are refused. It is safe to call more than once.
func (s *Server) Stop() {
	if p := s.process(); p != nil {
		p.Kill()
	}
}

func (s *Server) process() *testproc.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Restart kills the server if it runs and starts a new, empty one on the
// same address: what clients see after a crash without persistence.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	// The port was free a moment ago and nobody else picks ports in this
	// range on purpose; a few tries cover a TIME_WAIT or a slow exit.
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redisproc: restarting redis-server on %s: %w", s.Addr, err)
}

// Running reports whether the server process is alive (paused or not).
func (s *Server) Running() bool {
	p := s.process()
	if p == nil {
		return false
	}
	select {
	case <-p.Done():
		return false
	default:
		return true
	}
}

// FlushAll empties the server, for benchmarks that reuse one.
func (s *Server) FlushAll(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	return exchange(conn, "FLUSHALL", "+OK")
}
