package testbalancer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testbalancer"
)

// TestRoundRobin: requests alternate between the backends and arrive as
// sent (method, path, query, header, body); the answers come back as given.
func TestRoundRobin(t *testing.T) {
	t.Parallel()
	backend := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, name+" "+r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Test")+" "+string(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	b := testbalancer.Start(t, backend("a"), backend("b"))
	for _, want := range []string{"a", "b", "a"} {
		req, err := http.NewRequest(http.MethodPost, b.URL+"/events?x=1", strings.NewReader("hi"))
		require.NoError(t, err)
		req.Header.Set("X-Test", "h")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusAccepted, res.StatusCode)
		assert.Equal(t, want+" POST /events?x=1 h hi", string(body))
	}
	assert.Equal(t, int32(2), b.Hits(0))
	assert.Equal(t, int32(1), b.Hits(1))
}

// TestUnreachableBackendAnswers502: a backend that is gone is a 502, not a
// hang or a panic.
func TestUnreachableBackendAnswers502(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	b := testbalancer.Start(t, gone.URL)
	res, err := http.Get(b.URL + "/")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Equal(t, int32(1), b.Hits(0))
}
