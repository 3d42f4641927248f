package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
)

// TestRateLimitBinding: with Cloudflare's Rate Limiting binding declared
// (as wrangler.toml does), a client past its budget gets 429 rate_limited
// with Retry-After and, for an allowed origin, the CORS header to read it;
// /healthz is not limited. Without the binding nothing is limited (every
// other test runs without one).
func TestRateLimitBinding(t *testing.T) {
	const limit = 3
	h := newHarness(t, "entry.mjs", map[string]string{"WXCARD_RATE_LIMIT_PERIOD": "60"})
	h.stop()
	h.rateLimits = map[string]workerd.RateLimit{"WXCARD_RATE_LIMITER": {Limit: limit, Period: 60}}
	h.start("entry.mjs")

	const path = "/v1/jsconfig?url=https%3A%2F%2Fshop.example.com%2Fpage"
	// firstRefusal sends requests as one client until one is refused. The
	// binding counts in fixed windows of the period: a window may end
	// during the loop, once, so the refusal comes after limit to 2*limit
	// requests.
	firstRefusal := func(client, pageOrigin string) reply {
		t.Helper()
		for i := range 2*limit + 1 {
			r := h.do(http.MethodGet, path, "", "CF-Connecting-IP", client, "Origin", pageOrigin)
			if r.status == http.StatusTooManyRequests {
				require.GreaterOrEqual(t, i, limit, "refused within the budget")
				return r
			}
			require.Equal(t, http.StatusOK, r.status, "request %d: %s", i, r.body)
		}
		t.Fatalf("no request of %s was refused", client)
		return reply{}
	}

	r := firstRefusal("203.0.113.7", origin)
	assert.Equal(t, "60", r.header.Get("Retry-After"))
	assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"), "the page can read the refusal")
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &body))
	assert.Equal(t, "rate_limited", body.Error.Code)
	assert.NotEmpty(t, body.Error.Message)

	r = firstRefusal("203.0.113.8", "https://attacker.example")
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"), "only allowed origins get CORS headers")

	for range 5 {
		assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/healthz", "", "CF-Connecting-IP", "203.0.113.7").status, "/healthz is not limited")
	}
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, path, "", "CF-Connecting-IP", "198.51.100.1").status, "another client has its own budget")
}
