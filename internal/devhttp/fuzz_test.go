package devhttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzGuards: no Host, Origin or Content-Type panics a guard, and a Host
// the guard lets through is loopback, empty or the configured public one.
func FuzzGuards(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", "[::1]", "localhost.", "shop.example.com:443", "http://localhost:3000", "application/json; charset=utf-8", "[", "%", ""} {
		f.Add(s)
	}
	g, err := NewHostGuard([]string{"shop.example.com"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Host = s
		r.Header.Set("Content-Type", s)
		IsLoopbackOrigin(s)
		IsJSON(r)
		_, _ = NewHostGuard([]string{s})
		if g.Allowed(r) && s != "" && !IsLoopbackHost(hostOnly(s)) && hostOnly(s) != "shop.example.com" {
			t.Fatalf("Host %q let through", s)
		}
	})
}
