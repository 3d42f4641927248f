package testreq_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/internal/testreq"
)

func TestSendSetsWhatItIsGiven(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.Host+" "+r.Header.Get("Origin")+" "+r.Header.Get("Content-Type")+" "+string(body))
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"error":{"code":"cross_site","message":"no"}}`)
	}))
	defer srv.Close()

	resp, raw := testreq.Send(t, http.MethodPost, srv.URL, "evil.example", "https://evil.example", "text/plain", "{}")
	assert.Equal(t, "POST evil.example https://evil.example text/plain {}", resp.Header.Get("X-Seen"))
	assert.JSONEq(t, `{"error":{"code":"cross_site","message":"no"}}`, string(raw))

	status, code := testreq.Status(t, http.MethodGet, srv.URL, "", "", "", "")
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, "cross_site", code)
}

func TestStatusOfABodyThatIsNoJSONError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "plain text")
	}))
	defer srv.Close()

	status, code := testreq.Status(t, http.MethodGet, srv.URL, "", "", "", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, code)
}
