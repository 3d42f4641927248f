package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/redisproc"
)

// outageConns is how many wrk connections load the server during the
// Redis outage phases, as in the operator's report they reproduce.
const outageConns = 8

// benchRedisOutage runs the operator's test of a store outage against the
// real binary: the server on -store redis://… (a redis-server started
// here), wrk with outageConns connections on POST /v1/addcard while Redis
// is healthy, then killed (connections refused), then restarted empty and
// paused with SIGSTOP (connections accepted, never answered), that cycle
// rounds times. Any non-2xx answer or socket error fails the run. It
// returns one line per phase, its round with the lowest p99:
//
//	BenchmarkLocalserverAddCardRedis/<phase>  <requests>  <req/s> req/s  <ms> p50-ms  <ms> p99-ms
func benchRedisOutage(ctx context.Context, bin, wrk string, d time.Duration, threads, rounds int) ([]string, error) {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found on PATH (apt-get install redis-server)")
	}
	tmp, err := os.MkdirTemp("", "loadbench-redis-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	rs, err := redisproc.Start(redisBin, tmp)
	if err != nil {
		return nil, err
	}
	defer rs.Stop()

	logFile, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	target, err := startAddCardTarget(ctx, bin, tmp, logFile, "-store", rs.URL())
	if err != nil {
		return nil, err
	}
	defer target.stop()
	base, script := target.base, target.script

	// Warm: the ticket is fetched and stored before the healthy phase, so
	// that no phase pays the first fetch.
	if err := postAddCard(ctx, base, target.body); err != nil {
		return nil, err
	}

	phases := []struct {
		name  string
		enter func() error
	}{
		{"healthy", func() error {
			if !rs.Running() {
				return rs.Restart()
			}
			return rs.Resume()
		}},
		{"stopped", func() error { rs.Stop(); return nil }},
		{"paused", func() error {
			if err := rs.Restart(); err != nil {
				return err
			}
			return rs.Pause()
		}},
	}
	// The machine's other load shows in every phase's tail; running the
	// cycle rounds times and keeping each phase's lowest p99 compares the
	// phases rather than the moments they happened to run in.
	best := make([]result, len(phases))
	for round := 0; round < rounds; round++ {
		for i, p := range phases {
			if err := p.enter(); err != nil {
				return nil, fmt.Errorf("redis %s: %w", p.name, err)
			}
			args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(outageConns), "-d", d.String(), "--latency",
				"-s", script, base + "/v1/addcard"}
			out, err := exec.CommandContext(ctx, wrk, args...).CombinedOutput()
			if err != nil {
				return nil, fmt.Errorf("wrk (redis %s): %v\n%s", p.name, err, out)
			}
			r, err := parseWrk(out)
			if err != nil {
				return nil, fmt.Errorf("redis %s: %w", p.name, err)
			}
			if round == 0 || r.p99 < best[i].p99 {
				best[i] = r
			}
		}
	}
	_ = rs.Resume()
	lines := make([]string, len(phases))
	for i, p := range phases {
		lines[i] = best[i].line("LocalserverAddCardRedis/"+p.name, "")
	}
	return lines, nil
}

func postAddCard(ctx context.Context, base, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/addcard", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("warm-up POST /v1/addcard: %s", resp.Status)
	}
	return nil
}
