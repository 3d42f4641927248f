//go:build !js && !wasip1

// Command edgebench measures the edge Worker in workerd and writes Go
// benchmark lines for `make bench` (mk/edge.mk):
//
//	BenchmarkEdgeWorkerBundle       1    <raw> raw-bytes <gz> gzip-bytes
//	BenchmarkEdgeWorkerBundleBudget 1    <gz> gzip-bytes                  (the size the bundle is held to)
//	BenchmarkEdgeWorkerColdHealthz  runs cold-ms startup-ms              (first GET /healthz: Go start-up, no KV)
//	BenchmarkEdgeWorkerAddCard      N    p50-ms p99-ms mean-ms cold-ms   (entry.mjs: Go instance kept alive)
//	BenchmarkEdgeWorkerStockAddCard N    …                              (syumai's worker.mjs: Go started per request)
//	BenchmarkJSWorkerAddCard        N    …                              (hand-written JS + WebCrypto, the anchor)
//	BenchmarkEdgeStampede…          rounds ticket-fetches/op …          (see stampede.go)
//
// Each latency row is measured from a Go client over loopback HTTP to
// miniflare: the cold request right after workerd is ready (the ticket
// already in KV; cold-ms and startup-ms are medians over -cold-runs fresh
// starts), then warm-up, then N sequential requests signing one card.
// Every variant's answers are checked against the ticket before timing.
// startup-ms is how long workerd took to become ready, module compilation
// included. The cold start splits into: startup (compile, outside any
// request), ColdHealthz's cold-ms (instantiating the module and starting Go
// up to Ready, plus a trivial response), and AddCard's cold-ms minus that
// (the first KV read and signing).
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/signer"
)

const (
	appID  = "wxbench0123456789"
	secret = "SECRET-bench-0123456789abcdef01"
	cardID = "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"
	body   = `{"cards":[{"card_id":"` + cardID + `"}]}`

	// bundleBudget is the gzip size the Worker's modules are held to;
	// pairs.tsv sets the measured bundle against it.
	bundleBudget = 1_700_000
)

func main() {
	out := flag.String("o", "", "file for the benchmark lines (default stdout)")
	requests := flag.Int("n", 300, "sequential requests measured per variant")
	warmup := flag.Int("warmup", 30, "requests before measuring")
	stampedeRounds := flag.Int("stampede-rounds", 3, "cold stampedes measured per coordination mode")
	coldRuns := flag.Int("cold-runs", 5, "fresh workerd starts per variant; cold-ms and startup-ms are their medians")
	flag.Parse()
	if *coldRuns < 1 {
		fmt.Fprintln(os.Stderr, "edgebench: -cold-runs must be at least 1")
		os.Exit(2)
	}
	if err := run(*out, *requests, *warmup, *stampedeRounds, *coldRuns); err != nil {
		fmt.Fprintln(os.Stderr, "edgebench:", err)
		os.Exit(1)
	}
}

func run(outPath string, n, warmup, stampedeRounds, coldRuns int) error {
	ctx := context.Background()
	root, err := workerd.RepoRoot(ctx)
	if err != nil {
		return err
	}
	if err := workerd.Available(root); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "wxcard-edgebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	build := filepath.Join(tmp, "build")
	if err := workerd.Build(ctx, root, build); err != nil {
		return err
	}
	var lines []string
	raw, gz, err := workerd.BundleSize(build, gzip.BestCompression, "entry.mjs", "coordinator.mjs", "wasm_exec.js", "app.wasm")
	if err != nil {
		return err
	}
	lines = append(lines, fmt.Sprintf("BenchmarkEdgeWorkerBundle\t1\t%d raw-bytes\t%d gzip-bytes", raw, gz))
	lines = append(lines, fmt.Sprintf("BenchmarkEdgeWorkerBundleBudget\t1\t%d gzip-bytes", bundleBudget))
	if gz >= 3<<20 {
		fmt.Fprintf(os.Stderr, "edgebench: WARNING: the bundle is %d bytes gzipped, over Cloudflare's 3 MiB free-plan limit\n", gz)
	}

	emu, err := emulator.New(emulator.WithApp(appID, secret), emulator.WithTicketPerCall(true))
	if err != nil {
		return err
	}
	// The recorder counts getticket calls: none may happen while measuring.
	up := emulatortest.NewRecorder(emu, secret)
	currentTicket := func() string {
		t, _ := emu.Ticket(appID, "wx_card")
		return t
	}
	srv := httptest.NewServer(up)
	defer srv.Close()
	bindings := map[string]string{app.EnvAppID: appID, app.EnvSecret: secret, app.EnvBaseURL: srv.URL, app.EnvPublicCardIDs: cardID}
	goOpts := func(script string) workerd.Options {
		return workerd.Options{Dir: build, Script: script, KVNamespaces: []string{app.KVBinding},
			KVPersist: filepath.Join(tmp, "kv-"+script), Bindings: bindings}
	}
	jsDir := filepath.Join(root, "edge", "worker", "internal", "edgebench")
	variants := []*variant{
		{name: "EdgeWorkerAddCard", opts: goOpts("entry.mjs")},
		{name: "EdgeWorkerStockAddCard", opts: goOpts("worker.mjs")},
		{name: "JSWorkerAddCard", opts: workerd.Options{Dir: jsDir, Script: "jsworker.mjs", KVNamespaces: []string{"TICKETS"}}},
	}
	// The Go workers find the ticket in KV, so the cold request measures
	// start-up rather than the upstream; the JS worker gets the same ticket.
	// One ticket for all: prime one KV dir and copy it for the stock worker.
	if err := prime(ctx, root, variants[0].opts); err != nil {
		return fmt.Errorf("prime: %w", err)
	}
	if err := os.CopyFS(variants[1].opts.KVPersist, os.DirFS(variants[0].opts.KVPersist)); err != nil {
		return fmt.Errorf("prime: %w", err)
	}
	seed, _ := json.Marshal(map[string]any{"ticket": currentTicket(), "exp": time.Now().Add(2 * time.Hour).Unix()})
	variants[2].opts.SeedKV = map[string]map[string]string{"TICKETS": {"wx_card": string(seed)}}
	fetches := up.TicketFetches("wx_card")

	client := &http.Client{Timeout: 30 * time.Second}
	healthz, err := coldStarts(coldRuns, func() (cold, startup time.Duration, err error) {
		return coldHealthz(ctx, root, client, goOpts("entry.mjs"))
	})
	if err != nil {
		return fmt.Errorf("cold healthz: %w", err)
	}
	lines = append(lines, fmt.Sprintf("BenchmarkEdgeWorkerColdHealthz\t%d\t%.3f cold-ms\t%.3f startup-ms", coldRuns, ms(healthz.cold), ms(healthz.startup)))
	for _, v := range variants {
		// Every start but the last only times the first request; the last
		// workerd stays up for the warm samples.
		var w *workerd.Worker
		first, err := coldStarts(coldRuns, func() (cold, startup time.Duration, err error) {
			if w != nil {
				w.Close()
			}
			started := time.Now()
			w, err = workerd.Start(ctx, root, v.opts)
			if err != nil {
				return 0, 0, err
			}
			startup = time.Since(started)
			start := time.Now()
			res, err := post(client, w.URL)
			cold = time.Since(start)
			if err == nil {
				err = verify(res, currentTicket())
			}
			return cold, startup, err
		})
		if w != nil {
			defer w.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		v.cold, v.startup, v.url = first.cold, first.startup, w.URL
		for i := 0; i < warmup; i++ {
			if _, err := post(client, v.url); err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
		}
	}
	// Interleave the variants in small blocks so load from other processes
	// on the machine falls on all of them alike.
	const block = 25
	for len(variants[0].samples) < n {
		for _, v := range variants {
			for i := 0; i < block && len(v.samples) < n; i++ {
				start := time.Now()
				res, err := post(client, v.url)
				v.samples = append(v.samples, time.Since(start))
				if err == nil && len(v.samples) == n {
					err = verify(res, currentTicket())
				}
				if err != nil {
					return fmt.Errorf("%s: %w", v.name, err)
				}
			}
		}
	}
	if up.TicketFetches("wx_card") != fetches {
		return errors.New("a ticket was fetched from the upstream while measuring")
	}
	for _, v := range variants {
		lines = append(lines, v.line())
	}
	stampede, err := stampedeLines(ctx, root, build, tmp, stampedeRounds)
	if err != nil {
		return err
	}
	lines = append(lines, stampede...)

	text := strings.Join(lines, "\n") + "\n"
	fmt.Print(text)
	if outPath != "" {
		return os.WriteFile(outPath, []byte(text), 0o644)
	}
	return nil
}

type variant struct {
	name    string
	opts    workerd.Options
	url     string
	cold    time.Duration
	startup time.Duration
	samples []time.Duration
}

func (v *variant) line() string {
	s := slices.Clone(v.samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return fmt.Sprintf("Benchmark%s\t%d\t%.3f p50-ms\t%.3f p99-ms\t%.3f mean-ms\t%.3f cold-ms\t%.3f startup-ms",
		v.name, len(s), ms(quantile(s, 0.50)), ms(quantile(s, 0.99)), ms(sum/time.Duration(len(s))), ms(v.cold), ms(v.startup))
}

// coldStart is one fresh workerd: how long it took to become ready and
// how long its first request took.
type coldStart struct{ cold, startup time.Duration }

// coldStarts runs start runs times and returns the medians: one cold
// request is one sample, and a single one swings by half between runs on a
// shared machine.
func coldStarts(runs int, start func() (cold, startup time.Duration, err error)) (coldStart, error) {
	colds := make([]time.Duration, 0, runs)
	startups := make([]time.Duration, 0, runs)
	for range runs {
		cold, startup, err := start()
		if err != nil {
			return coldStart{}, err
		}
		colds = append(colds, cold)
		startups = append(startups, startup)
	}
	slices.Sort(colds)
	slices.Sort(startups)
	return coldStart{cold: quantile(colds, 0.5), startup: quantile(startups, 0.5)}, nil
}

// coldHealthz times the first GET /healthz of a fresh Go Worker: the Go
// instance's start-up with no KV read or signing behind it.
func coldHealthz(ctx context.Context, root string, client *http.Client, opts workerd.Options) (cold, startup time.Duration, err error) {
	started := time.Now()
	w, err := workerd.Start(ctx, root, opts)
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	startup = time.Since(started)
	start := time.Now()
	res, err := client.Get(w.URL + "/healthz")
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	cold = time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("status %d", res.StatusCode)
	}
	return cold, startup, nil
}

func prime(ctx context.Context, root string, opts workerd.Options) error {
	w, err := workerd.Start(ctx, root, opts)
	if err != nil {
		return err
	}
	defer w.Close()
	_, err = post(http.DefaultClient, w.URL)
	return err
}

func post(client *http.Client, base string) ([]byte, error) {
	res, err := client.Post(base+"/v1/addcard", "application/json", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", res.StatusCode, data)
	}
	return data, nil
}

// verify checks an addcard answer against the ticket with signer, so no
// variant is timed while answering wrongly.
func verify(data []byte, ticket string) error {
	var out struct {
		CardList []struct{ CardID, CardExt string } `json:"cardList"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return err
	}
	if len(out.CardList) != 1 {
		return fmt.Errorf("want one card, got %s", data)
	}
	v, err := signer.VerifyCardExt(ticket, out.CardList[0].CardID, out.CardList[0].CardExt)
	if err != nil {
		return err
	}
	if !v.Valid {
		return fmt.Errorf("signature does not verify: %+v", v.Problems)
	}
	return nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
