package redisproc_test

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/redisproc"
	"github.com/wxcard/wxcard/internal/testenv"
)

func startServer(t *testing.T) *redisproc.Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Unavailable(t, "redis-server not found on PATH (Debian: apt-get install redis-server)")
		return nil
	}
	s, err := redisproc.Start(bin, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

// TestOutages walks the server through the outages it exists to play:
// killed (refused), restarted (answers again, same address), paused
// (accepted, never answered) and resumed.
func TestOutages(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	require.NoError(t, redisproc.Ping(s.Addr))
	require.Equal(t, "redis://"+s.Addr+"/0", s.URL())
	require.NoError(t, s.FlushAll(context.Background()))
	require.True(t, s.Running())

	s.Stop()
	require.False(t, s.Running())
	require.Error(t, redisproc.Ping(s.Addr))
	require.ErrorIs(t, s.Pause(), redisproc.ErrNotRunning)
	s.Stop() // a second Stop is harmless

	require.NoError(t, s.Restart())
	require.True(t, s.Running())
	require.NoError(t, redisproc.Ping(s.Addr))

	require.NoError(t, s.Pause())
	require.True(t, s.Running(), "a paused server is still alive")
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	require.NoError(t, err, "the kernel still accepts connections")
	_ = conn.Close()
	err = redisproc.Ping(s.Addr)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a paused server never answers: %v", err)

	require.NoError(t, s.Resume())
	require.NoError(t, redisproc.Ping(s.Addr))
}
