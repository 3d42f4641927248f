// Package workerd builds the edge Worker and runs it in real workerd through
// the miniflare npm package (node + miniflare.mjs next to this file), for
// edge/worker's integration tests and the edge benchmarks.
package workerd

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// RepoRoot returns the module root (the directory of go.mod).
func RepoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("workerd: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("workerd: not inside the wxcard module")
	}
	return filepath.Dir(mod), nil
}

// Available reports why workerd cannot be run here, or nil: node must be on
// PATH and miniflare installed in the repository's node_modules (npm ci).
func Available(repoRoot string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("workerd: node is not on PATH: %w", err)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "miniflare", "package.json")); err != nil {
		return fmt.Errorf("workerd: miniflare is not installed (run npm ci in %s): %w", repoRoot, err)
	}
	return nil
}

// Build builds the Worker into dir with `make edge`, the same commands a
// deployment uses.
func Build(ctx context.Context, repoRoot, dir string) error {
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", repoRoot, "edge", "EDGE_BUILD="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("workerd: make edge: %w\n%s", err, out.String())
	}
	return nil
}

// Options describe one Worker run.
type Options struct {
	// Dir holds the built modules; Script is the entry module inside it
	// ("entry.mjs", the stock "worker.mjs", or a hand-written one).
	Dir, Script string
	// KVNamespaces are the KV bindings; KVPersist keeps their data in a
	// directory across runs ("" keeps it in memory).
	KVNamespaces []string
	KVPersist    string
	// Bindings are the Worker's text variables and secrets.
	Bindings map[string]string
	// RateLimits are Rate Limiting bindings, by binding name.
	RateLimits map[string]RateLimit
	// SeedKV is written into the namespaces before the first request.
	SeedKV map[string]map[string]string
	// Log receives workerd's and miniflare's output (nil discards it).
	Log io.Writer
}

// RateLimit is a Rate Limiting binding's "simple" configuration: Limit
// requests per key in Period seconds (10 or 60).
type RateLimit struct {
	Limit  int `json:"limit"`
	Period int `json:"period"`
}

// Worker is a running workerd.
type Worker struct {
	URL string

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	err   error
	once  sync.Once
}

// Start runs the Worker and waits until it accepts requests.
func Start(ctx context.Context, repoRoot string, o Options) (*Worker, error) {
	args, err := json.Marshal(map[string]any{
		"scriptPath":   filepath.Join(o.Dir, o.Script),
		"modulesRoot":  o.Dir,
		"kvNamespaces": o.KVNamespaces,
		"kvPersist":    nonEmpty(o.KVPersist),
		"bindings":     o.Bindings,
		"seedKV":       o.SeedKV,
		"ratelimits":   rateLimitBindings(o.RateLimits),
	})
	if err != nil {
		return nil, err
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	script := filepath.Join(repoRoot, "edge", "worker", "internal", "workerd", "miniflare.mjs")
	// Not CommandContext: the worker outlives ctx, which only bounds start-up.
	cmd := exec.Command("node", "--no-warnings", script, string(args))
	cmd.Dir = repoRoot
	cmd.Stderr = logw
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("workerd: start node: %w", err)
	}
	w := &Worker{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Bytes()
			var ready struct{ URL string }
			if !sent && json.Unmarshal(line, &ready) == nil && ready.URL != "" {
				urls <- strings.TrimSuffix(ready.URL, "/")
				sent = true
				continue
			}
			fmt.Fprintf(logw, "%s\n", line)
		}
		_, _ = io.Copy(logw, stdout)
	}()
	go func() {
		w.err = cmd.Wait()
		close(w.done)
	}()
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	select {
	case w.URL = <-urls:
		return w, nil
	case <-w.done:
		return nil, fmt.Errorf("workerd: miniflare exited before it was ready: %v", w.err)
	case <-ctx.Done():
		w.Close()
		return nil, ctx.Err()
	case <-timer.C:
		w.Close()
		return nil, errors.New("workerd: miniflare was not ready within 60 s")
	}
}

// Close stops workerd (miniflare disposes it when stdin closes) and waits,
// killing the node process if it does not exit within 10 s.
func (w *Worker) Close() {
	w.once.Do(func() {
		_ = w.stdin.Close()
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
}

func nonEmpty(s string) any {
	if s == "" {
		return false
	}
	return s
}

// BundleSize returns the total size of the named modules in dir, raw and
// gzip-compressed one by one at level (as wrangler reports the upload).
func BundleSize(dir string, level int, modules ...string) (raw, gzipped int64, err error) {
	for _, m := range modules {
		data, err := os.ReadFile(filepath.Join(dir, m))
		if err != nil {
			return 0, 0, err
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, level)
		if err != nil {
			return 0, 0, err
		}
		if _, err := zw.Write(data); err != nil {
			return 0, 0, err
		}
		if err := zw.Close(); err != nil {
			return 0, 0, err
		}
		raw += int64(len(data))
		gzipped += int64(buf.Len())
	}
	return raw, gzipped, nil
}

// rateLimitBindings is miniflare's form of RateLimits.
func rateLimitBindings(limits map[string]RateLimit) map[string]any {
	out := make(map[string]any, len(limits))
	i := 0
	for name, l := range limits {
		i++
		out[name] = map[string]any{"namespace_id": fmt.Sprint(1000 + i), "simple": l}
	}
	return out
}
