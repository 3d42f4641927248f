package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowClients is how many connections TestHealthzAnswersWhileSlowClientsHold
// holds open at once.
const slowClients = 2000

// raiseFileLimit makes room for n more descriptors in this process (the
// server and its clients share it), up to the hard limit.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	if lim.Cur >= n {
		return
	}
	require.GreaterOrEqual(t, lim.Max, n, "the hard limit on open files (ulimit -Hn) is too low for this test")
	lim.Cur = n
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
}

// TestHealthzAnswersWhileSlowClientsHold: 2,000 clients that sent the
// headers of a body and then a byte of it, and one that trickles a byte
// every two seconds, do not keep /healthz from answering; the read timeout
// cuts every one of them off.
func TestHealthzAnswersWhileSlowClientsHold(t *testing.T) {
	raiseFileLimit(t, 2*slowClients+1024)
	// Long enough that dialling 2,000 clients on a loaded machine fits well
	// inside it.
	const readTimeout = 10 * time.Second
	srv, _, _ := startInProcessWith(t, func(c *config) {
		c.timeouts.ReadHeader = 2 * time.Second
		c.timeouts.Read = readTimeout
	}, "-rate-limit", "0", "-log-sample", "0")
	addr := strings.TrimPrefix(srv.baseURL, "http://")
	head := "POST /v1/addcard HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"

	start := time.Now()
	conns := make([]net.Conn, 0, slowClients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range slowClients {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		conns = append(conns, c)
		_, err = io.WriteString(c, head)
		require.NoError(t, err)
	}
	trickler, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer trickler.Close()
	_, err = io.WriteString(trickler, head)
	require.NoError(t, err)
	trickleDone := make(chan time.Duration, 1)
	go func() {
		began := time.Now()
		for i := 0; i < 20; i++ { // bounded: 40 s at most
			time.Sleep(2 * time.Second)
			if _, err := trickler.Write([]byte(" ")); err != nil {
				break
			}
		}
		trickleDone <- time.Since(began)
	}()

	// All of them are connected and waiting for their bodies: /healthz
	// answers anyway, promptly.
	client := &http.Client{Timeout: 2 * time.Second}
	var slowest time.Duration
	for i := range 10 {
		began := time.Now()
		resp, err := client.Get(srv.baseURL + "/healthz")
		slowest = max(slowest, time.Since(began))
		require.NoError(t, err, "healthz %d with %d slow clients", i, slowClients)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.Less(t, time.Since(start), readTimeout, "the slow clients were still connected while /healthz answered")
	t.Logf("%d slow clients connected in %s; slowest of 10 /healthz: %s", slowClients, time.Since(start).Round(time.Millisecond), slowest)

	// The server hangs up on every slow client once the read timeout runs
	// out: each connection ends (an answer, then EOF, or a reset) rather
	// than running into this generous deadline.
	deadline := start.Add(readTimeout + 20*time.Second)
	for i, c := range conns {
		require.NoError(t, c.SetReadDeadline(deadline))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "slow client %d still connected after %s", i, time.Since(start))
	}
	// A write to a connection the server closed fails at the latest on the
	// second write after the close; the trickler writes every 2 s, for 40 s
	// if nobody cuts it off. The bound leaves a loaded machine room for
	// scheduling (a run at 15.25 s against a tighter one failed) while still
	// telling a cut-off client from one served to the end.
	took := <-trickleDone
	assert.Less(t, took, readTimeout+15*time.Second, "the trickling client was cut off")
}

// TestConfigAPIIsRateLimitedPerClient: past its burst a client gets 429
// rate_limited with Retry-After; /healthz is not limited.
func TestConfigAPIIsRateLimitedPerClient(t *testing.T) {
	t.Parallel()
	srv, stdout, _ := startInProcess(t, "-rate-limit", "0.2", "-rate-burst", "3")
	assert.Contains(t, stdout.String(), "Rate limit          /v1/: 0.2 requests/s per client address, bursts of 3")
	url := srv.baseURL + "/v1/jsconfig?url=" + "http%3A%2F%2F127.0.0.1%2Fpage"
	for i := range 3 {
		resp, err := http.Get(url)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d", i)
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	resp := httpJSON(t, http.MethodGet, url, nil, &body)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "rate_limited", body.Error.Code)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	for range 5 {
		h := httpJSON(t, http.MethodGet, srv.baseURL+"/healthz", nil, nil)
		assert.Equal(t, http.StatusOK, h.StatusCode)
	}
	// The demo's own routes and the emulator are not the config API.
	assert.Equal(t, http.StatusOK, httpJSON(t, http.MethodGet, srv.baseURL+"/demo/api/cards", nil, nil).StatusCode)
}

func TestRateLimitCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	srv, stdout, _ := startInProcess(t, "-rate-limit", "0", "-rate-burst", "1")
	assert.Contains(t, stdout.String(), "off (-rate-limit 0)")
	for i := range 20 {
		resp, err := http.Get(srv.baseURL + "/v1/jsconfig?url=" + fmt.Sprint("http%3A%2F%2F127.0.0.1%2F", i))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d", i)
	}
}
