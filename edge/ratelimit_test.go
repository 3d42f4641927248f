package edge_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/internal/testclock"
)

// rateLimited serves 204 behind edge.RateLimit with a manual clock.
func rateLimited(t *testing.T, cfg edge.RateLimitConfig) (http.Handler, *testclock.Clock) {
	t.Helper()
	clock := testclock.At(time.Unix(testNow, 0))
	cfg.Now = clock.Now
	h, err := edge.RateLimit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), cfg)
	require.NoError(t, err)
	return h, clock
}

func hit(h http.Handler, remoteAddr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/addcard", nil)
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitSpendsABucketPerClient(t *testing.T) {
	t.Parallel()
	h, clock := rateLimited(t, edge.RateLimitConfig{Rate: 0.5, Burst: 3})

	for i := range 3 {
		assert.Equal(t, http.StatusNoContent, hit(h, "192.0.2.1:1000").Code, "request %d is within the burst", i)
	}
	rec := hit(h, "192.0.2.1:1001") // another port, same client
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "2", rec.Header().Get("Retry-After"), "one token every 2 s")
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	var body struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, edge.CodeRateLimited, body.Error.Code)
	assert.NotEmpty(t, body.Error.Message)

	assert.Equal(t, http.StatusNoContent, hit(h, "192.0.2.2:1000").Code, "another client has its own bucket")

	// A refused request spends nothing: after the advertised wait the
	// client gets exactly one request through.
	clock.Advance(2 * time.Second)
	assert.Equal(t, http.StatusNoContent, hit(h, "192.0.2.1:1000").Code)
	assert.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.1:1000").Code)
}

func TestRateLimitRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate  float64
		after time.Duration
		want  string
	}{
		{rate: 10, want: "1"},        // 100 ms rounds up to 1 s
		{rate: 1, want: "1"},         // exactly 1 s
		{rate: 1.0 / 30, want: "30"}, // one a half-minute
		{rate: 1.0 / 30, after: 29500 * time.Millisecond, want: "1"}, // 0.5 s left
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.rate, tc.after), func(t *testing.T) {
			t.Parallel()
			h, clock := rateLimited(t, edge.RateLimitConfig{Rate: tc.rate, Burst: 1})
			require.Equal(t, http.StatusNoContent, hit(h, "198.51.100.7:1").Code)
			clock.Advance(tc.after)
			rec := hit(h, "198.51.100.7:1")
			require.Equal(t, http.StatusTooManyRequests, rec.Code)
			assert.Equal(t, tc.want, rec.Header().Get("Retry-After"))
		})
	}
}

func TestRateLimitForgetsIdleAndLeastRecentClients(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		// Rate 1/h: without eviction the client would wait an hour. The idle
		// timeout is raised to the refill time, so forgetting it then gives
		// back nothing the bucket would not have refilled anyway.
		h, clock := rateLimited(t, edge.RateLimitConfig{Rate: 1.0 / 3600, Burst: 1, IdleTimeout: time.Minute})
		require.Equal(t, http.StatusNoContent, hit(h, "192.0.2.9:1").Code)
		require.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.9:1").Code)
		clock.Advance(2 * time.Minute)
		assert.Equal(t, http.StatusNoContent, hit(h, "192.0.2.9:1").Code, "forgotten after a minute idle")
	})
	t.Run("past MaxClients", func(t *testing.T) {
		t.Parallel()
		h, _ := rateLimited(t, edge.RateLimitConfig{Rate: 1.0 / 3600, Burst: 1, MaxClients: 2})
		require.Equal(t, http.StatusNoContent, hit(h, "192.0.2.1:1").Code)
		require.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.1:1").Code)
		require.Equal(t, http.StatusNoContent, hit(h, "192.0.2.2:1").Code)
		require.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.1:1").Code, "two clients fit")
		require.Equal(t, http.StatusNoContent, hit(h, "192.0.2.3:1").Code)
		// .1 was used more recently than .2, so .2 went: the map never
		// holds more than two.
		assert.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.1:1").Code)
		assert.Equal(t, http.StatusNoContent, hit(h, "192.0.2.2:1").Code, "the least recent client was forgotten")
	})
}

func TestRateLimitIdleTimeoutCoversTheRefill(t *testing.T) {
	t.Parallel()
	// Default idle timeout for 1/h with burst 1: an hour, not a minute.
	h, clock := rateLimited(t, edge.RateLimitConfig{Rate: 1.0 / 3600, Burst: 1})
	require.Equal(t, http.StatusNoContent, hit(h, "192.0.2.9:1").Code)
	clock.Advance(10 * time.Minute)
	assert.Equal(t, http.StatusTooManyRequests, hit(h, "192.0.2.9:1").Code)
}

func TestPeerAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ remote, want string }{
		{"192.0.2.1:5555", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:5555", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:5555", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:1", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:1", "fe80::/64"},
		{"@", "@"},
		{"", ""},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		assert.Equal(t, tc.want, edge.PeerAddress(r), tc.remote)
	}
}

func TestRateLimitCustomClientKey(t *testing.T) {
	t.Parallel()
	h, _ := rateLimited(t, edge.RateLimitConfig{Rate: 1, Burst: 1, ClientKey: func(r *http.Request) string {
		return r.Header.Get("X-Client")
	}})
	req := func(client string) int {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-Client", client)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	assert.Equal(t, http.StatusNoContent, req("a"))
	assert.Equal(t, http.StatusTooManyRequests, req("a"))
	assert.Equal(t, http.StatusNoContent, req("b"))
}

func TestRateLimitRejectsBadConfig(t *testing.T) {
	t.Parallel()
	next := http.NotFoundHandler()
	tests := map[string]struct {
		next http.Handler
		cfg  edge.RateLimitConfig
	}{
		"nil handler":   {nil, edge.RateLimitConfig{Rate: 1, Burst: 1}},
		"zero rate":     {next, edge.RateLimitConfig{Burst: 1}},
		"negative rate": {next, edge.RateLimitConfig{Rate: -1, Burst: 1}},
		"NaN rate":      {next, edge.RateLimitConfig{Rate: nan(), Burst: 1}},
		"zero burst":    {next, edge.RateLimitConfig{Rate: 1}},
		"negative max":  {next, edge.RateLimitConfig{Rate: 1, Burst: 1, MaxClients: -1}},
		"negative idle": {next, edge.RateLimitConfig{Rate: 1, Burst: 1, IdleTimeout: -time.Second}},
	}
	for name, tc := range tests {
		_, err := edge.RateLimit(tc.next, tc.cfg)
		assert.True(t, errors.Is(err, edge.ErrInvalidConfig), "%s: %v", name, err)
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// TestRateLimitConcurrentClients: the bucket map is shared by every
// request; -race checks the locking, the counts check that no token is
// spent twice.
func TestRateLimitConcurrentClients(t *testing.T) {
	t.Parallel()
	h, _ := rateLimited(t, edge.RateLimitConfig{Rate: 1.0 / 3600, Burst: 5, MaxClients: 100})
	var ok atomic.Int32
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if hit(h, fmt.Sprintf("10.0.0.%d:%d", i%4, g)).Code == http.StatusNoContent {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(4*5), ok.Load(), "four clients, five tokens each")
}

func BenchmarkRateLimit(b *testing.B) {
	h, err := edge.RateLimit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		edge.RateLimitConfig{Rate: 1e9, Burst: 1 << 30})
	require.NoError(b, err)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/v1/jsconfig", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}
