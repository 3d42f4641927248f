// Command loadbench measures the local server under load with wrk: the
// throughput and latency of POST /v1/addcard against the same server's
// GET /healthz (a minimal JSON handler, the ceiling of what the server's
// HTTP stack, routing and request logging allow), and how many times the
// server fetched the card ticket from its WeChat (the emulator) meanwhile.
//
//	go run ./cmd/localserver/internal/loadbench -o build/bench/localserver.txt
//
// It builds and starts the real binary with its defaults (file store under a
// temporary -data-dir, request logs on) on a loopback port. The first
// addcard run starts cold: its first requests all miss the ticket cache at
// once, which is where a fetch stampede would show.
//
// Then it runs the binary again on -store redis://… and loads addcard
// while Redis is healthy, killed and paused (see benchRedisOutage).
//
// Output lines are in Go benchmark format:
//
//	BenchmarkLocalserverHealthz  <requests>  <req/s> req/s  <ms> p50-ms  <ms> p99-ms
//	BenchmarkLocalserverAddCard  <requests>  <req/s> req/s  <ms> p50-ms  <ms> p99-ms  <n> ticket-fetches
//	BenchmarkLocalserverAddCardRedis/{healthy,stopped,paused}  <requests>  <req/s> req/s  <ms> p50-ms  <ms> p99-ms
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/testproc"
)

func main() {
	out := flag.String("o", "", "write the benchmark lines to this file too")
	duration := flag.Duration("d", 4*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 1, "wrk threads (the machine's other cores serve)")
	rounds := flag.Int("rounds", 2, "runs of each endpoint; the best throughput is kept")
	flag.Parse()
	lines, fetches, err := bench(context.Background(), *duration, *conns, *threads, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
	text := strings.Join(lines, "\n") + "\n"
	fmt.Print(text)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench:", err)
			os.Exit(1)
		}
	}
	if fetches != 1 {
		fmt.Fprintf(os.Stderr, "loadbench: the server fetched the card ticket %d times during the run; want 1\n", fetches)
		os.Exit(1)
	}
}

// result is one wrk run.
type result struct {
	requests int64
	rps      float64
	p50, p99 time.Duration
}

func (r result) line(name string, extra string) string {
	return fmt.Sprintf("Benchmark%s\t%d\t%.0f req/s\t%.3f p50-ms\t%.3f p99-ms%s",
		name, r.requests, r.rps, ms(r.p50), ms(r.p99), extra)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// bench returns the benchmark lines and the number of ticket fetches.
func bench(ctx context.Context, d time.Duration, conns, threads, rounds int) ([]string, int, error) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return nil, 0, errors.New("wrk not found on PATH (apt-get install wrk)")
	}
	tmp, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(tmp)

	bin, err := testproc.Build(ctx, ".", "./cmd/localserver")
	if err != nil {
		return nil, 0, err
	}
	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	defer logFile.Close()
	// Every request line is logged: the ticket fetches are counted from the log.
	target, err := startAddCardTarget(ctx, bin, tmp, logFile)
	if err != nil {
		return nil, 0, err
	}
	defer target.stop()

	run := func(args ...string) (result, error) {
		full := append([]string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(), "--latency"}, args...)
		out, err := exec.CommandContext(ctx, wrk, full...).CombinedOutput()
		if err != nil {
			return result{}, fmt.Errorf("wrk %s: %v\n%s", strings.Join(full, " "), err, out)
		}
		return parseWrk(out)
	}
	var health, add result
	// Addcard first, cold: no ticket fetched yet.
	for i := 0; i < rounds; i++ {
		a, err := run("-s", target.script, target.base+"/v1/addcard")
		if err != nil {
			return nil, 0, err
		}
		h, err := run(target.base + "/healthz")
		if err != nil {
			return nil, 0, err
		}
		add, health = best(add, a), best(health, h)
	}
	if err := logFile.Sync(); err != nil {
		return nil, 0, err
	}
	fetches, err := countRequests(logPath, "/wechat/cgi-bin/ticket/getticket")
	if err != nil {
		return nil, 0, err
	}
	lines := []string{
		health.line("LocalserverHealthz", ""),
		add.line("LocalserverAddCard", fmt.Sprintf("\t%d ticket-fetches", fetches)),
	}
	outage, err := benchRedisOutage(ctx, bin, wrk, d, threads, rounds)
	if err != nil {
		return nil, 0, fmt.Errorf("redis outage: %w", err)
	}
	return append(lines, outage...), fetches, nil
}

// addCardTarget is a local server ready for wrk: its base URL, a POST
// /v1/addcard body for an approved card and the wrk script that sends it.
type addCardTarget struct {
	srv                *testproc.Process
	base, body, script string
}

// startAddCardTarget starts the local server binary bin with its data and
// the wrk script under tmp, its log in logFile and the extra flags, and
// waits until it serves. wrk is one client: without -rate-limit 0 it would
// measure 429s; every request line is logged. Stop it with stop.
func startAddCardTarget(ctx context.Context, bin, tmp string, logFile io.Writer, extra ...string) (*addCardTarget, error) {
	args := append([]string{"-addr", "127.0.0.1:0", "-data-dir", filepath.Join(tmp, "data"),
		"-rate-limit", "0", "-log-sample", "1000000"}, extra...)
	srv, err := testproc.Start(testproc.Command{Path: bin, Args: args, Stderr: logFile})
	if err != nil {
		return nil, err
	}
	t := &addCardTarget{srv: srv, script: filepath.Join(tmp, "addcard.lua")}
	m, err := srv.WaitForLine(30*time.Second, readyRE)
	if err != nil {
		t.stop()
		return nil, fmt.Errorf("the local server did not start: %w", err)
	}
	t.base = m[1]
	cardID, err := approvedCardID(ctx, t.base)
	if err != nil {
		t.stop()
		return nil, err
	}
	t.body = fmt.Sprintf(`{"cards":[{"card_id":%q,"openid":"oLoadBench000000000000000001"}]}`, cardID)
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", t.body)
	if err := os.WriteFile(t.script, []byte(lua), 0o644); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// stop interrupts the server and kills it if it has not exited in 10s.
func (t *addCardTarget) stop() {
	_ = t.srv.Signal(os.Interrupt)
	_, _ = t.srv.Wait(10 * time.Second)
	t.srv.Kill()
}

func best(a, b result) result {
	if b.rps > a.rps {
		return b
	}
	return a
}

var readyRE = regexp.MustCompile(`Ready on (http://[0-9.:]+)\.`)

var cardIDRE = regexp.MustCompile(`"card_id":"([^"]+)","card_type":"[A-Z_]+","status":"CARD_STATUS_VERIFY_OK"`)

func approvedCardID(ctx context.Context, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/demo/api/cards", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	m := cardIDRE.FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("no approved card in %s", raw)
	}
	return string(m[1]), nil
}

var (
	rpsRE     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	totalRE   = regexp.MustCompile(`(\d+) requests in`)
	p50RE     = regexp.MustCompile(`\n\s+50%\s+([0-9.]+)(us|ms|s)`)
	p99RE     = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)`)
	non2xxRE  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	socketErr = regexp.MustCompile(`Socket errors: .*`)
)

func parseWrk(out []byte) (result, error) {
	if m := non2xxRE.FindSubmatch(out); m != nil {
		return result{}, fmt.Errorf("%s non-2xx answers under load:\n%s", m[1], out)
	}
	if m := socketErr.Find(out); m != nil {
		return result{}, fmt.Errorf("wrk: %s\n%s", m, out)
	}
	var r result
	m := rpsRE.FindSubmatch(out)
	t := totalRE.FindSubmatch(out)
	p50 := p50RE.FindSubmatch(out)
	p99 := p99RE.FindSubmatch(out)
	if m == nil || t == nil || p50 == nil || p99 == nil {
		return r, fmt.Errorf("unexpected wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	r.requests, _ = strconv.ParseInt(string(t[1]), 10, 64)
	r.p50 = wrkDuration(p50[1], p50[2])
	r.p99 = wrkDuration(p99[1], p99[2])
	return r, nil
}

func wrkDuration(v []byte, unit []byte) time.Duration {
	f, _ := strconv.ParseFloat(string(v), 64)
	switch string(unit) {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	}
	return time.Duration(f * float64(time.Second))
}

// countRequests counts the server's request log lines for path.
func countRequests(logPath, path string) (int, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "msg=request ") && strings.Contains(line, " path="+path+" ") {
			n++
		}
	}
	return n, sc.Err()
}
