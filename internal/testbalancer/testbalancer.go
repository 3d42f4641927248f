// Package testbalancer is a round-robin HTTP load balancer for tests that
// spread one client's requests (a push and its retry, say) over several
// real servers and need to know which one each request reached.
package testbalancer

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Balancer forwards the nth request it receives to backend n mod the
// number of backends, method, path, query, headers and body as they came.
type Balancer struct {
	// URL is the balancer's base URL.
	URL      string
	backends []string
	next     atomic.Int32
	hits     []atomic.Int32
}

// Start serves a balancer in front of the backends (base URLs without a
// trailing slash) until the test ends. A backend that cannot be reached
// answers 502.
func Start(t testing.TB, backends ...string) *Balancer {
	t.Helper()
	if len(backends) == 0 {
		t.Fatal("testbalancer: no backends")
	}
	b := &Balancer{backends: backends, hits: make([]atomic.Int32, len(backends))}
	srv := httptest.NewServer(http.HandlerFunc(b.forward))
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// Hits reports how many requests went to backend i.
func (b *Balancer) Hits(i int) int32 { return b.hits[i].Load() }

func (b *Balancer) forward(w http.ResponseWriter, r *http.Request) {
	i := int(b.next.Add(1)-1) % len(b.backends)
	b.hits[i].Add(1)
	req, err := http.NewRequestWithContext(r.Context(), r.Method, b.backends[i]+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}
