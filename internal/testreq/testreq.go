// Package testreq sends requests exactly as a hostile page or a rebinding
// DNS name would (a chosen Host, Origin and Content-Type), for the tests
// that attack the real local server and emulator binaries.
package testreq

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Send sends one request with the Host, Origin and Content-Type given
// (each left as Go sets it when empty) and returns the answer with its
// body read and closed.
func Send(t testing.TB, method, url, host, origin, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, raw
}

// Status is Send returning the status and the code of a JSON error body
// ({"error":{"code":…}}), "" when the body is not one.
func Status(t testing.TB, method, url, host, origin, contentType, body string) (int, string) {
	t.Helper()
	resp, raw := Send(t, method, url, host, origin, contentType, body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error.Code
}
