package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/internal/testproc"
)

// The process-level tests build the real binary once and start it the way
// a user does, on 127.0.0.1:0 (the banner tells the port).

// localserverBinary builds ./cmd/localserver once per test binary.
func localserverBinary(t *testing.T) string {
	t.Helper()
	bin, err := testproc.Build(t.Context(), ".", ".")
	require.NoError(t, err)
	return bin
}

// repoRoot is the module root: the server finds js/ from there.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Dir(filepath.Dir(wd))
}

// proc is one running localserver.
type proc struct {
	*testproc.Process
	marks  int
	URL    string
	AppID  string
	Secret string
}

var (
	readyRE  = regexp.MustCompile(`Ready on (http://[0-9.:\[\]a-z]+)\.`)
	appIDRE  = regexp.MustCompile(`Dev app appid\s+(\S+)`)
	secretRE = regexp.MustCompile(`Dev app secret\s+(\S+)`)
)

// launch starts the binary without waiting for it.
func launch(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	// Every request line is logged (flushLogs waits for one); a test may
	// pass its own WXCARD_LOG_SAMPLE, the last value wins.
	started, err := testproc.Start(testproc.Command{Path: localserverBinary(t), Args: args, Dir: repoRoot(t),
		Env: append(append(cleanEnv(), "WXCARD_LOG_SAMPLE=1000000"), env...)})
	require.NoError(t, err)
	p := &proc{Process: started}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("localserver %s", p.Output())
		}
	})
	return p
}

// cleanEnv is the test's environment without WXCARD_* settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WXCARD_") {
			env = append(env, kv)
		}
	}
	return env
}

// startServer starts the binary and waits for its banner.
func startServer(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := launch(t, env, args...)
	m, err := p.WaitForLine(30*time.Second, readyRE)
	require.NoError(t, err, "localserver not ready\n%s", p.Output())
	p.URL = m[1]
	out := p.Stdout.String()
	if m := appIDRE.FindStringSubmatch(out); m != nil {
		p.AppID = m[1]
	}
	if m := secretRE.FindStringSubmatch(out); m != nil {
		p.Secret = m[1]
	}
	return p
}

// exit waits for the process to end and returns its status and how long it
// took.
func (p *proc) exit(t *testing.T, within time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	code, err := p.Wait(within)
	require.NoError(t, err, "localserver\n%s", p.Output())
	return code, time.Since(start)
}

// stop sends SIGTERM and expects a clean exit within 5 s.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.Signal(syscall.SIGTERM))
	code, took := p.exit(t, 6*time.Second)
	require.Equal(t, 0, code, "exit status after SIGTERM")
	require.Less(t, took, 5*time.Second)
}

// flushLogs makes sure every request answered so far has reached p.stderr:
// log lines are written in order, and the pipe is copied asynchronously, so
// it sends a marker request and waits for its line.
func (p *proc) flushLogs(t *testing.T) {
	t.Helper()
	p.marks++
	marker := fmt.Sprintf("/__logmark/%d", p.marks)
	resp, err := http.Get(p.URL + marker)
	require.NoError(t, err)
	resp.Body.Close()
	require.Eventually(t, func() bool {
		return strings.Contains(p.Stderr.String(), " path="+marker+" ")
	}, 5*time.Second, 5*time.Millisecond)
}

// countRequests counts request log lines for path, after flushLogs.
func (p *proc) countRequests(t *testing.T, path string) int {
	t.Helper()
	p.flushLogs(t)
	n := 0
	sc := bufio.NewScanner(strings.NewReader(p.Stderr.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), " msg=request ") && strings.Contains(sc.Text(), " path="+path+" ") {
			n++
		}
	}
	return n
}

// httpJSON does one request and decodes a JSON answer into out (when not nil).
func httpJSON(t *testing.T, method, url string, body any, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), "body of %s %s: %s", method, url, raw)
	}
	return resp
}
