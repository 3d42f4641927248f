package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestLogLeavesOutQueryAndHeaders(t *testing.T) {
	var buf bytes.Buffer
	quiet := false
	h := logRequests(newLogger(&buf, "text", "info"), func() bool { return quiet }, newLogSampler(100), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout"))
	}))
	req := httptest.NewRequest(http.MethodGet, "/wechat/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t&access_token=t0k3n", nil)
	req.Header.Set("Authorization", "Bearer h3ad3r")
	h.ServeHTTP(httptest.NewRecorder(), req)
	line := buf.String()
	assert.Regexp(t, `msg=request method=GET path=/wechat/cgi-bin/token status=418 bytes=15 latency=\S+\n$`, line)
	for _, secret := range []string{"s3cr3t", "t0k3n", "h3ad3r", "secret=", "access_token"} {
		assert.NotContains(t, line, secret)
	}

	buf.Reset()
	quiet = true
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Empty(t, buf.String(), "start-up requests are debug lines")
}

func TestRequestLogDefaultsTo200AndPassesHijack(t *testing.T) {
	var buf bytes.Buffer
	h := logRequests(newLogger(&buf, "json", "info"), func() bool { return false }, newLogSampler(100), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := w.(http.Hijacker)
		assert.True(t, ok, "the emulator's disconnect fault needs the Hijacker")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, buf.String(), `"status":200`)
	assert.Contains(t, buf.String(), `"path":"/x"`)
}

// TestRequestLogIsSampledButErrorsAreNot: at info level a flood of requests
// writes a bounded number of lines; every 5xx is written; the next line
// after a gap says how many were left out. At debug level every request is.
func TestRequestLogIsSampledButErrorsAreNot(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_750_000_000, 0)
	status := http.StatusOK
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
	lines := func(buf *bytes.Buffer, substr string) int {
		return strings.Count(buf.String(), substr)
	}

	var buf bytes.Buffer
	sampler := newLogSampler(2) // 2 lines a second, bursts of 20
	sampler.now = func() time.Time { return now }
	h := logRequests(newLogger(&buf, "text", "info"), func() bool { return false }, sampler, handler)
	for range 1000 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/jsconfig", nil))
	}
	assert.Equal(t, 20, lines(&buf, "msg=request"), "the burst, then nothing")
	status = http.StatusBadGateway
	for range 30 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/jsconfig", nil))
	}
	assert.Equal(t, 30, lines(&buf, "level=ERROR msg=request"), "every server error")
	status = http.StatusOK
	now = now.Add(time.Second)
	buf.Reset()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/jsconfig", nil))
	assert.Contains(t, buf.String(), " unlogged=980\n", "the gap is counted")

	var debug bytes.Buffer
	none := newLogSampler(0)
	h = logRequests(newLogger(&debug, "text", "debug"), func() bool { return false }, none, handler)
	for range 100 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	}
	assert.Equal(t, 100, lines(&debug, "msg=request"), "debug logs every request")

	var errorsOnly bytes.Buffer
	h = logRequests(newLogger(&errorsOnly, "text", "info"), func() bool { return false }, none, handler)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Empty(t, errorsOnly.String(), "-log-sample 0 logs errors only")
}
