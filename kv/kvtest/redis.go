package kvtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcard/wxcard/internal/testenv"
	"github.com/wxcard/wxcard/internal/testproc"
)

// RedisServer is a redis-server process owned by one test. Stop, Pause,
// Resume and Restart play the outages an operator sees: a server that
// refuses connections, one that accepts them and never answers, and one
// that comes back empty.
type RedisServer struct {
	// Addr is host:port on loopback.
	Addr string
	bin  string
	dir  string
	port int

	mu   sync.Mutex // guards proc
	proc *testproc.Process
}

// URL returns a redis:// URL for the server.
func (s *RedisServer) URL() string { return "redis://" + s.Addr + "/0" }

// StartRedis starts redis-server on a free loopback port with persistence
// off and registers its shutdown with t.Cleanup. It skips the test when
// redis-server is not installed, or fails it under make test and CI.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unavailable(t, "redis-server not found on PATH: "+err.Error())
		return nil
	}
	var lastErr error
	// A free port can be taken between choosing and binding it; retry.
	for attempt := 0; attempt < 5; attempt++ {
		port, err := testproc.FreePort()
		if err != nil {
			lastErr = err
			continue
		}
		s := &RedisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: t.TempDir(), port: port}
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	unavailable(t, "redis-server did not start: "+lastErr.Error())
	return nil
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	testenv.Unavailable(t, "kvtest: "+why+" (Debian: apt-get install redis-server)")
}

// start runs redis-server on s.port and waits for its PONG.
func (s *RedisServer) start() error {
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
	if err := proc.WaitUntil(5*time.Second, func() error { return ping(s.Addr) }); err != nil {
		s.Stop()
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(proc.Output()))
	}
	return nil
}

// ping speaks just enough RESP to see that the server answers.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q", line)
	}
	return nil
}

// Stop kills the server (SIGKILL, paused or not) and waits for it to exit;
// tests call it to simulate an outage: connections are refused. It is safe
// to call more than once.
func (s *RedisServer) Stop() {
	if p := s.process(); p != nil {
		p.Kill()
	}
}

func (s *RedisServer) process() *testproc.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Restart kills the server if it runs and starts a new, empty one on the
// same address: what clients see after a crash without persistence.
func (s *RedisServer) Restart() error {
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
	return fmt.Errorf("kvtest: restarting redis-server on %s: %w", s.Addr, err)
}

// Running reports whether the server process is alive (paused or not).
func (s *RedisServer) Running() bool {
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
func (s *RedisServer) FlushAll(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("FLUSHALL\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+OK\r\n" {
		return fmt.Errorf("FLUSHALL: %q", line)
	}
	return nil
}

// SilentListener returns the address of a loopback TCP listener that
// accepts connections and never answers, like a server that hangs (a
// paused Redis, a stuck proxy). It and its connections close when the test
// ends.
func SilentListener(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("kvtest: listen: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}
