package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestLogLeavesOutQueryAndHeaders(t *testing.T) {
	var buf bytes.Buffer
	quiet := false
	h := logRequests(newLogger(&buf, "text", "info"), func() bool { return quiet }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	h := logRequests(newLogger(&buf, "json", "info"), func() bool { return false }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
