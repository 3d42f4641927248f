package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testreq"
)

// startInProcess runs the server inside the test (so -race sees it), with
// nothing on disk.
func startInProcess(t *testing.T, args ...string) (*server, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	return startInProcessWith(t, nil, args...)
}

// startInProcessWith is startInProcess with a change to the parsed config
// (timeouts, which have no flags).
func startInProcessWith(t *testing.T, change func(*config), args ...string) (*server, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	return startInProcessEnv(t, nil, change, args...)
}

// startInProcessEnv is startInProcessWith with env as the process
// environment the config reads (WXCARD_SECRET and the like).
func startInProcessEnv(t *testing.T, env map[string]string, change func(*config), args ...string) (*server, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	var stdout, stderr syncbuf.Buffer
	cfg, err := parseConfig(append([]string{"-addr", "127.0.0.1:0", "-store", "memory", "-js-dir", filepath.Join(repoRoot(t), "js")}, args...), envOf(env), io.Discard)
	require.NoError(t, err)
	if change != nil {
		change(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := start(ctx, cfg, &stdout, &stderr)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.wait(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(6 * time.Second):
			t.Error("the server did not stop")
		}
	})
	return srv, &stdout, &stderr
}

func TestInProcessRoutesValidateInput(t *testing.T) {
	srv, stdout, _ := startInProcess(t, "-allowed-origins", "http://localhost:3000")
	base := srv.baseURL
	require.Contains(t, stdout.String(), "Ready on "+base)

	do := func(method, path, origin, body string) (*http.Response, string) {
		contentType := ""
		if body != "" {
			contentType = "application/json"
		}
		resp, raw := testreq.Send(t, method, base+path, "", origin, contentType, body)
		return resp, string(raw)
	}
	tests := []struct {
		name, method, path, origin, body string
		status                           int
		code                             string
	}{
		{"config check: not JSON", "POST", "/standin/v1/config", "", "{", 400, "invalid_json"},
		{"config check: unknown field", "POST", "/standin/v1/config", "", `{"appId":"x","ticket":"y"}`, 400, "invalid_json"},
		{"config check: foreign origin", "POST", "/standin/v1/config", "https://evil.example", `{}`, 403, "forbidden_origin"},
		{"config check: too large", "POST", "/standin/v1/config", "", `{"url":"` + strings.Repeat("a", 9<<10) + `"}`, 413, "body_too_large"},
		{"config check: wrong method", "GET", "/standin/v1/config", "", "", 405, "method_not_allowed"},
		{"cards: wrong method", "DELETE", "/demo/api/cards", "", "", 405, "method_not_allowed"},
		{"choosecard check: two objects", "POST", "/standin/v1/choosecard", "", `{}{}`, 400, "invalid_json"},
		{"decrypt: missing code", "POST", "/demo/api/decrypt", "", `{}`, 400, "invalid_request"},
		{"consume: missing code", "POST", "/demo/api/consume", "", `{"card_id":"p1"}`, 400, "invalid_request"},
		{"consume: unknown code", "POST", "/demo/api/consume", "", `{"code":"000000000000"}`, 502, "wechat_error"},
		{"addcard: no cards", "POST", "/v1/addcard", "", `{"cards":[]}`, 400, ""},
		{"no such route", "GET", "/nope", "", "", 404, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(tc.method, tc.path, tc.origin, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode, body)
			if tc.code != "" {
				assert.Contains(t, body, `"code":"`+tc.code+`"`)
			}
			if tc.status >= 400 {
				assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			}
		})
	}

	t.Run("stand-in preflight from a local page", func(t *testing.T) {
		resp, _ := do("OPTIONS", "/standin/v1/config", "http://localhost:3000", "")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		assert.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"))
		resp, _ = do("OPTIONS", "/standin/v1/config", "https://shop.example.com", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("-allowed-origins reaches the config API", func(t *testing.T) {
		resp, _ := do("OPTIONS", "/v1/addcard", "http://localhost:3000", "")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		assert.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"))
		resp, body := do("OPTIONS", "/v1/addcard", "http://localhost:4000", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	})

	t.Run("the stand-in script loads cross-origin", func(t *testing.T) {
		resp, body := do("GET", "/wx-standin.js", "http://localhost:3000", "")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, body, "window.wx = wx")
	})

	t.Run("wx.config check before any jsapi ticket exists", func(t *testing.T) {
		resp, body := do("POST", "/standin/v1/config", "", `{"appId":"`+srv.appID+`","timestamp":"1","nonceStr":"n","signature":"s","url":"http://x/"}`)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, `"errMsg":"config:invalid signature"`)
		assert.Contains(t, body, "no jsapi ticket")
		_, body = do("POST", "/standin/v1/config", "", `{"appId":"wx0000000000000000","timestamp":1,"nonceStr":"n","signature":"s","url":"http://x/"}`)
		assert.Contains(t, body, `"errMsg":"config:invalid appid"`)
	})

	t.Run("cards for the demo", func(t *testing.T) {
		resp, body := do("GET", "/demo/api/cards", "", "")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 4, strings.Count(body, `"card_id"`))
		assert.Contains(t, body, `"color":"#63b359"`, "colour names are resolved through card/getcolors")
		assert.Contains(t, body, `"validity":"Valid 30 days after adding"`)
	})
}
