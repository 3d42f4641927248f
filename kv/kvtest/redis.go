package kvtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxcard/wxcard/internal/testenv"
	"github.com/wxcard/wxcard/internal/testproc"
)

// RedisServer is a redis-server process owned by one test.
type RedisServer struct {
	// Addr is host:port on loopback.
	Addr string
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
		s, err := startRedis(t, bin)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
	}
	unavailable(t, "redis-server did not start: "+lastErr.Error())
	return nil
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	testenv.Unavailable(t, "kvtest: "+why+" (Debian: apt-get install redis-server)")
}

func startRedis(t testing.TB, bin string) (*RedisServer, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	proc, err := testproc.Start(testproc.Command{Path: bin, Args: []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--loglevel", "warning",
	}})
	if err != nil {
		return nil, err
	}
	s := &RedisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), proc: proc}
	if err := proc.WaitUntil(5*time.Second, func() error { return ping(s.Addr) }); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(proc.Stdout.String()+proc.Stderr.String()))
	}
	return s, nil
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

// Stop kills the server and waits for it to exit; tests call it to
// simulate an outage. It is safe to call more than once.
func (s *RedisServer) Stop() {
	s.proc.Kill()
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
