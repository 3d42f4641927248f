//go:build !js

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testproc"
)

// startProbe runs internal/probeworker under the given entry module.
func startProbe(t *testing.T, script string) (*workerd.Worker, *syncbuf.Buffer) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"entry.mjs", "coordinator.mjs", "worker.mjs", "runtime.mjs", "wasm_exec.js"} {
		data, err := os.ReadFile(filepath.Join(buildDir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	// Built once for every test of the binary, copied into each test's dir.
	wasm, err := testproc.Build(t.Context(), repoRoot, "./edge/worker/internal/probeworker", "GOOS=js", "GOARCH=wasm")
	require.NoError(t, err)
	data, err := os.ReadFile(wasm)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.wasm"), data, 0o644))
	log := &syncbuf.Buffer{}
	w, err := workerd.Start(context.Background(), repoRoot, workerd.Options{Dir: dir, Script: script, Log: log})
	require.NoError(t, err, log.String())
	t.Cleanup(func() {
		w.Close()
		if t.Failed() {
			t.Logf("workerd output:\n%s", log.String())
		}
	})
	return w, log
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestEntryKeepsTheGoInstanceAcrossRequests(t *testing.T) {
	w, _ := startProbe(t, "entry.mjs")
	for want := 1; want <= 5; want++ {
		status, body := get(t, w.URL+"/count")
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, itoa(want), body, "one Go instance served every request")
	}
}

func TestStockRuntimeStartsGoPerRequest(t *testing.T) {
	w, _ := startProbe(t, "worker.mjs")
	for i := 0; i < 3; i++ {
		_, body := get(t, w.URL+"/count")
		assert.Equal(t, "1", body)
	}
}

func TestEntryReplacesACrashedInstance(t *testing.T) {
	w, _ := startProbe(t, "entry.mjs")
	_, body := get(t, w.URL+"/count")
	require.Equal(t, "1", body)
	status, _ := get(t, w.URL+"/crash")
	assert.Equal(t, http.StatusInternalServerError, status, "the crashing request fails instead of hanging")
	status, body = get(t, w.URL+"/count")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "1", body, "a fresh instance serves the next request")
	_, body = get(t, w.URL+"/count")
	assert.Equal(t, "2", body)
}

// Concurrent requests never share a Go instance (each one's KV reads and
// fetches must run in its own I/O context) and never start more than
// entry.mjs's MAX_INSTANCES (4) instances.
func TestEntrySpreadsConcurrentRequestsOverInstances(t *testing.T) {
	w, _ := startProbe(t, "entry.mjs")
	const n = 10
	bodies := make([]string, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Get(w.URL + "/slow")
			if err != nil {
				bodies[i] = err.Error()
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			statuses[i], bodies[i] = res.StatusCode, string(b)
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i := range n {
		require.Equal(t, http.StatusOK, statuses[i], bodies[i])
		id, inFlight, ok := strings.Cut(bodies[i], " ")
		require.True(t, ok, bodies[i])
		assert.Equal(t, "1", inFlight, "an instance served two requests at once")
		ids[id] = true
	}
	assert.LessOrEqual(t, len(ids), 4, "more instances than MAX_INSTANCES: %v", ids)
}

func itoa(n int) string { return string(rune('0' + n)) }
