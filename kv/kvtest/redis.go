package kvtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wxcard/wxcard/internal/testenv"
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

	mu   sync.Mutex // guards the process fields below
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
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
		port, err := freePort()
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs redis-server on s.port and waits for its PONG.
func (s *RedisServer) start() error {
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	logBuf := &bytes.Buffer{}
	cmd.Stdout = logBuf
	cmd.Stderr = logBuf
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done, s.log = cmd, done, logBuf
	s.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("exited early: %s", bytes.TrimSpace(logBuf.Bytes()))
		default:
		}
		if ping(s.Addr) == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	return errors.New("no PONG within 5s")
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
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
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
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
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
