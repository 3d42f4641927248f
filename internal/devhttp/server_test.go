package devhttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveForTest serves h with t on a free loopback port until the test ends.
func serveForTest(tb testing.TB, h http.Handler, t Timeouts) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := NewServer(h, t, nil)
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	tb.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

// readsBody answers 200 after reading the whole body, 400 when it cannot.
var readsBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		http.Error(w, "body not read", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
})

// TestSlowClientsAreCutOff: a client sending one byte every two seconds,
// of its headers or of its body, loses its connection when the read
// timeout runs out, on a real socket.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	timeouts := DefaultTimeouts()
	timeouts.ReadHeader = 1 * time.Second
	timeouts.Read = 3 * time.Second
	addr := serveForTest(t, readsBody, timeouts)

	tests := map[string]struct {
		head   string
		budget time.Duration
	}{
		"trickled body":    {"POST /v1/addcard HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", timeouts.Read},
		"trickled headers": {"POST /v1/addcard HTTP/1.1\r\nHost: 127.0.0.1\r\n", timeouts.ReadHeader},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer conn.Close()
			start := time.Now()
			_, err = io.WriteString(conn, tc.head)
			require.NoError(t, err)
			// One byte every two seconds, until the server hangs up (a
			// write then fails, or the read below sees the end), bounded
			// by a generous deadline so a broken server fails the test
			// instead of hanging it.
			conn.SetDeadline(time.Now().Add(tc.budget + 10*time.Second))
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				io.Copy(io.Discard, conn) // returns when the server closes
			}()
			tick := time.NewTicker(2 * time.Second)
			defer tick.Stop()
		trickle:
			for {
				select {
				case <-closed:
					break trickle
				case <-tick.C:
					if _, err := conn.Write([]byte("x")); err != nil {
						<-closed
						break trickle
					}
				}
			}
			took := time.Since(start)
			assert.Less(t, took, tc.budget+5*time.Second, "cut off near the timeout")
			assert.GreaterOrEqual(t, took, tc.budget-100*time.Millisecond, "not before it")
		})
	}
}

func TestNewServerSetsEveryTimeout(t *testing.T) {
	t.Parallel()
	d := DefaultTimeouts()
	srv := NewServer(http.NotFoundHandler(), d, nil)
	for name, v := range map[string]time.Duration{"ReadHeader": srv.ReadHeaderTimeout, "Read": srv.ReadTimeout, "Write": srv.WriteTimeout, "Idle": srv.IdleTimeout} {
		assert.Positive(t, v, name)
	}
	assert.Positive(t, srv.MaxHeaderBytes)
	// The write timeout outlasts the emulator's longest latency fault (a
	// minute) plus a WeChat call behind it.
	assert.Greater(t, d.Write, 75*time.Second)
}

func TestHeadersOverTheLimitAreRefused(t *testing.T) {
	t.Parallel()
	timeouts := DefaultTimeouts()
	timeouts.MaxHeaderBytes = 4 << 10
	addr := serveForTest(t, readsBody, timeouts)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// TestShutdownDoesNotWaitForSilentConnections: net/http's Shutdown counts a
// connection that never sent a request as idle only after five seconds; a
// client's spare connection made every shutdown wait that long. Ours closes
// it at once, and still lets a request in flight finish.
func TestShutdownDoesNotWaitForSilentConnections(t *testing.T) {
	t.Parallel()
	release, entered := make(chan struct{}), make(chan struct{})
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	}), DefaultTimeouts(), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	silent, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	busy, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer busy.Close()
	_, err = io.WriteString(busy, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	// The busy connection's request must be in its handler, and the silent
	// connection accepted, before Shutdown: otherwise Shutdown could find
	// the busy one still fresh, or the silent one not there yet.
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached its handler")
	}
	require.Eventually(t, func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.fresh) == 1
	}, 5*time.Second, 5*time.Millisecond)

	shut := make(chan error, 1)
	start := time.Now()
	go func() { shut <- srv.Shutdown(t.Context()) }()
	// The silent connection is closed at once...
	require.NoError(t, silent.SetReadDeadline(time.Now().Add(4*time.Second)))
	_, err = silent.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "closed by the server, not timed out")
	// ...and the request in flight still gets its answer.
	close(release)
	answer, err := io.ReadAll(bufio.NewReader(busy))
	require.NoError(t, err)
	assert.Contains(t, string(answer), "done")
	require.NoError(t, <-shut)
	assert.Less(t, time.Since(start), 4*time.Second, "no five-second wait")
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
}
