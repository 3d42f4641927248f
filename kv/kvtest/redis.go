package kvtest

import (
	"net"
	"os/exec"
	"sync"
	"testing"

	"github.com/wxcard/wxcard/internal/redisproc"
	"github.com/wxcard/wxcard/internal/testenv"
)

// RedisServer is a redis-server process owned by one test. Stop, Pause,
// Resume and Restart play the outages an operator sees: a server that
// refuses connections, one that accepts them and never answers, and one
// that comes back empty; Addr, URL, Running and FlushAll come with it.
type RedisServer struct {
	*redisproc.Server
}

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
	s, err := redisproc.Start(bin, t.TempDir())
	if err != nil {
		unavailable(t, err.Error())
		return nil
	}
	t.Cleanup(s.Stop)
	return &RedisServer{Server: s}
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	testenv.Unavailable(t, "kvtest: "+why+" (Debian: apt-get install redis-server)")
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
