package admin

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testclock"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

type faultCase struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request)
	check func(t *testing.T, err error)
}

func isType[T error](t *testing.T, err error) {
	t.Helper()
	var target T
	assert.ErrorAs(t, err, &target)
}

func faultCases() []faultCase {
	return []faultCase{
		{"502 HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		}, func(t *testing.T, err error) {
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, http.StatusBadGateway, he.StatusCode)
		}},
		{"500 empty", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, func(t *testing.T, err error) { isType[*HTTPError](t, err) }},
		{"200 HTML error page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!DOCTYPE html><title>系统繁忙</title>"))
		}, func(t *testing.T, err error) {
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), "HTML")
		}},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"errcode":0,,}`))
		}, func(t *testing.T, err error) { isType[*DecodeError](t, err) }},
		{"wrong shape", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"errcode":0,"access_token":{"nested":true},"ticket":[1],"expires_in":7200,"card":[1]}`))
		}, func(t *testing.T, err error) { isType[*DecodeError](t, err) }},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "400")
			_, _ = w.Write([]byte(`{"access_token":"ACCESS_TOK`))
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Contains(t, err.Error(), "reading response")
		}},
		{"10 MB body", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"errcode":0,"pad":"`))
			_, _ = w.Write(bytes.Repeat([]byte("x"), 10<<20))
			_, _ = w.Write([]byte(`"}`))
		}, func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrResponseTooLarge) }},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			hang(r, 5*time.Second)
		}, func(t *testing.T, err error) { assert.ErrorIs(t, err, context.DeadlineExceeded) }},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) {
			hj, ok := w.(http.Hijacker)
			if !ok {
				return
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, func(t *testing.T, err error) {
			var ue *url.Error
			require.ErrorAs(t, err, &ue, "a transport error, wrapped")
			assert.True(t, strings.HasPrefix(err.Error(), "wxcard: "))
		}},
	}
}

// TestUpstreamFaults runs every fault against the token endpoint, the
// ticket endpoint and an API call: each gives a typed error, caches
// nothing, and leaves no goroutine behind.
func TestUpstreamFaults(t *testing.T) {
	for _, where := range []string{"stable_token", "getticket", "api"} {
		for _, fc := range faultCases() {
			t.Run(where+"/"+fc.name, func(t *testing.T) {
				before := runtime.NumGoroutine()
				f := newFakeWeChat(t)
				transport := &http.Transport{}
				store := kv.NewMemory()
				c := newTestClient(t, f, WithStore(store), WithHTTPClient(&http.Client{Transport: transport}),
					WithBusyRetry(0, 0))
				f.handle("POST card/get", func(w http.ResponseWriter, r *http.Request) {
					if f.authorized(w, r) {
						fc.serve(w, r)
					}
				})
				f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
					if strings.HasSuffix(r.URL.Path, "/"+where) {
						fc.serve(w, r)
						return true
					}
					return false
				})
				// Only the timeout case waits for its deadline; the others
				// fail on their own, and a generous deadline keeps them
				// from failing on a slow machine instead (10 MB under
				// -race on a loaded machine can take most of a second).
				deadline := 20 * time.Second
				if fc.name == "timeout" {
					deadline = 300 * time.Millisecond
				}
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				var err error
				switch where {
				case "api":
					err = c.post(ctx, "card/get", map[string]string{"card_id": "p1"}, &cardGetResult{}, readCall)
				default:
					_, err = c.CardTicket(ctx)
				}
				require.Error(t, err)
				fc.check(t, err)

				for _, name := range []string{"ticket:wx_card", "ticket:jsapi"} {
					_, ok, gerr := store.Get(t.Context(), "wxcard:"+testAppID+":"+name)
					require.NoError(t, gerr)
					assert.False(t, ok, "%s must not be cached after a failure", name)
				}
				if where == "stable_token" {
					_, ok, gerr := store.Get(t.Context(), "wxcard:"+testAppID+":access_token")
					require.NoError(t, gerr)
					assert.False(t, ok, "no token cached after a failed token fetch")
				}

				// The client recovers once upstream does.
				f.setFault(nil)
				if where != "api" {
					_, err = c.CardTicket(t.Context())
					require.NoError(t, err)
				}

				f.srv.Close()
				transport.CloseIdleConnections()
				assertNoGoroutineLeak(t, before)
			})
		}
	}
}

// assertNoGoroutineLeak polls (without a helper goroutine of its own, which
// assert.Eventually would add) until the count is back to before.
func assertNoGoroutineLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	n := runtime.NumGoroutine()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutine leak: %d before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	f := newFakeWeChat(t)
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		hang(r, 5*time.Second)
		return true
	})
	c := newTestClient(t, f, WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	_, err := c.AccessToken(t.Context())
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

func TestCancelledContextSendsNothing(t *testing.T) {
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.CardTicket(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 0, f.tokenFetches())
}

func TestBusyBackoffHonoursContext(t *testing.T) {
	f := newFakeWeChat(t)
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		writeErrcode(w, -1, "system error")
		return true
	})
	c := newTestClient(t, f, WithBusyRetry(5, 2*time.Second))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.AccessToken(ctx)
	require.ErrorIs(t, err, ErrSystemBusy)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}

func TestBusyTokenFetchIsRetried(t *testing.T) {
	f := newFakeWeChat(t)
	var mu sync.Mutex
	busy := 2
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if busy > 0 {
			busy--
			writeErrcode(w, -1, "system error")
			return true
		}
		return false
	})
	c := newTestClient(t, f)
	_, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.tokenFetches())
}

// TestRedisStoppedMidTest: the shared store dies. Clients keep working,
// from memory while their copy is fresh and from upstream when it is not,
// log the outage once, and never hand out an expired ticket.
func TestRedisStoppedMidTest(t *testing.T) {
	srv := kvtest.StartRedis(t)
	f := newFakeWeChat(t)
	clock := testclock.New()
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	newClient := func() *Client {
		return newTestClient(t, f, WithStore(redisStore(t, srv)), WithClock(clock.Now), WithLogger(logger),
			WithStoreTimeout(5*time.Second)) // counts fetches; see TestStampedeThreeClientsRedis
	}
	a, b := newClient(), newClient()
	ctx := t.Context()
	first, err := a.CardTicket(ctx)
	require.NoError(t, err)
	got, err := b.CardTicket(ctx)
	require.NoError(t, err)
	require.Equal(t, first, got)
	require.EqualValues(t, 1, f.ticketFetches("wx_card"))

	srv.Stop()

	// A client that saw the ticket keeps serving it while it is fresh,
	// without asking the store.
	got, err = a.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, got)
	assert.NotContains(t, logs.String(), "store read failed", "a fresh copy in memory needs no store")

	// A client that never saw it goes upstream.
	c := newClient()
	got, err = c.CardTicket(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
	assert.Contains(t, logs.String(), "store read failed")

	// Past its expiry the old ticket is never served: upstream again.
	clock.Advance(7200 * time.Second)
	got, err = a.CardTicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first, got, "an expired ticket is never served")
	assert.EqualValues(t, 3, f.ticketFetches("wx_card"))
	assert.Contains(t, logs.String(), "level=WARN")

	// An outage is reported, not shouted: each client's store guard warns
	// once, and the credential warnings are rate-limited.
	for i := 0; i < 50; i++ {
		_, err := a.CardTicket(ctx)
		require.NoError(t, err)
		clock.Advance(storeSyncInterval)
	}
	warnings := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "store read failed") {
			warnings++
		}
	}
	assert.LessOrEqual(t, warnings, 6, "3 clients x 2 credentials at most")
	assert.LessOrEqual(t, strings.Count(logs.String(), "kv: store failing; skipping it"), 3, "once per client at most")
	assert.EqualValues(t, 3, f.ticketFetches("wx_card"), "served from memory, not upstream, while fresh")
}
