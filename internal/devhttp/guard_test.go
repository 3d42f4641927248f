package devhttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsLoopbackHost(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true, "[::1]": true,
		"localhost.": false, "evil.localhost.example": false, "0.0.0.0": false, "192.168.1.5": false, "": false,
		"attacker.example": false, "127.0.0.1.nip.io": false, "::": false,
	}
	for host, want := range tests {
		assert.Equal(t, want, IsLoopbackHost(host), host)
	}
}

func TestIsLoopbackOrigin(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"http://localhost:3000": true, "https://127.0.0.1": true, "http://[::1]:8080": true,
		"null": false, "http://localhost:3000/": false, "http://localhost?": false, "http://localhost#": false,
		"http://user@localhost": false, "file://localhost": false, "http://evil.example": false, "": false,
		"http://127.0.0.1.evil.example": false,
	}
	for origin, want := range tests {
		assert.Equal(t, want, IsLoopbackOrigin(origin), origin)
	}
}

func TestIsJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "Application/JSON": true,
		"": false, "text/plain": false, "text/plain; charset=utf-8": false, "application/x-www-form-urlencoded": false,
		"multipart/form-data; boundary=x": false, "application/json-seq": false, "application/json;": true,
	}
	for ct, want := range tests {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		assert.Equal(t, want, IsJSON(r), ct)
	}
}

func TestHostGuard(t *testing.T) {
	t.Parallel()
	g, err := NewHostGuard([]string{"Shop.Example.com", "192.168.1.5", "[fd00::1]"})
	require.NoError(t, err)
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1:8080", 204}, {"localhost", 204}, {"LOCALHOST:1", 204}, {"[::1]:8080", 204}, {"[::1]", 204},
		{"shop.example.com", 204}, {"shop.example.com:443", 204}, {"192.168.1.5:8080", 204}, {"[fd00::1]:80", 204},
		{"", 204},
		{"attacker.example:8080", 403}, {"attacker.example", 403}, {"localhost.:8080", 403},
		{"127.0.0.1.nip.io:8080", 403}, {"192.168.1.6:8080", 403}, {"shop.example.com.evil:80", 403},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = tc.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Equal(t, tc.want, rec.Code, tc.host)
		if tc.want == 403 {
			var body struct{ Error struct{ Code string } }
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, CodeHostNotAllowed, body.Error.Code)
			assert.NotContains(t, rec.Body.String(), tc.host, "the refusal does not echo the Host")
		}
	}
}

func TestNewHostGuardRejectsNonNames(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "http://shop.example.com", "shop.example.com:8080", "shop.example.com/", "*", "*.example.com",
		"a..b", "-a.example", "a b", "shop.example.com\x00", "user@host"} {
		_, err := NewHostGuard([]string{bad})
		assert.Error(t, err, "%q", bad)
	}
}
