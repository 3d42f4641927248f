//go:build !js && !wasip1

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
)

// The stampede rows: what a cold stampede costs WeChat with and without the
// ticket coordinator (Durable Object).
//
//	BenchmarkEdgeStampedeDurableObject  rounds  ticket-fetches/op  token-fetches/op  stampede-ms
//	BenchmarkEdgeStampedeKVOnly         rounds  …
//
// Each round starts stampedeCopies copies of the Worker, each in an isolate
// of its own, sharing one KV namespace (and one coordinator), with nothing
// cached, against the emulator answering WeChat's paths after
// stampedeLatency; each copy serves /healthz first, so its Go instance is
// up and the round measures refreshes, not start-up. Then every copy gets
// stampedePerCopy concurrent /v1/addcard requests. Every answer is
// verified against the emulator's ticket; the fetches are counted at the
// emulator; stampede-ms is the time until the last answer.
const (
	stampedeCopies  = 4
	stampedePerCopy = 3
	stampedeLatency = 100 * time.Millisecond
)

func stampedeLines(ctx context.Context, root, build, tmp string, rounds int) ([]string, error) {
	modes := []struct {
		name  string
		coord *workerd.Coordinator
	}{
		{"EdgeStampedeDurableObject", &workerd.Coordinator{Binding: app.CoordinatorBinding, ClassName: "TicketCoordinator"}},
		{"EdgeStampedeKVOnly", nil},
	}
	var lines []string
	for _, mode := range modes {
		var tickets, tokens int
		var elapsed time.Duration
		for r := range rounds {
			dir := filepath.Join(tmp, fmt.Sprintf("stampede-%s-%d", mode.name, r))
			tk, tn, d, err := stampedeRound(ctx, root, build, dir, mode.coord)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mode.name, err)
			}
			tickets, tokens, elapsed = tickets+tk, tokens+tn, elapsed+d
		}
		n := float64(rounds)
		lines = append(lines, fmt.Sprintf("Benchmark%s\t%d\t%.2f ticket-fetches/op\t%.2f token-fetches/op\t%.1f stampede-ms",
			mode.name, rounds, float64(tickets)/n, float64(tokens)/n, ms(elapsed)/n))
	}
	return lines, nil
}

func stampedeRound(ctx context.Context, root, build, dir string, coord *workerd.Coordinator) (tickets, tokens int, elapsed time.Duration, err error) {
	emu, err := emulator.New(emulator.WithApp(appID, secret), emulator.WithLatency(stampedeLatency))
	if err != nil {
		return 0, 0, 0, err
	}
	up := emulatortest.NewRecorder(emu, secret)
	srv := httptest.NewServer(up)
	defer srv.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, 0, err
	}
	w, err := workerd.Start(ctx, root, workerd.Options{
		Dir: build, Script: "entry.mjs", Workers: stampedeCopies, Coordinator: coord,
		KVNamespaces: []string{app.KVBinding}, KVPersist: filepath.Join(dir, "kv"), DOPersist: filepath.Join(dir, "do"),
		Bindings: map[string]string{app.EnvAppID: appID, app.EnvSecret: secret, app.EnvBaseURL: srv.URL, app.EnvPublicCardIDs: cardID},
	})
	if err != nil {
		return 0, 0, 0, err
	}
	defer w.Close()
	client := &http.Client{Timeout: 60 * time.Second}
	for _, u := range w.URLs {
		res, err := client.Get(u + "/healthz")
		if err != nil {
			return 0, 0, 0, err
		}
		res.Body.Close()
	}
	answers := make([][]byte, stampedeCopies*stampedePerCopy)
	errs := make([]error, len(answers))
	var wg sync.WaitGroup
	start := time.Now()
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = post(client, w.URLs[i%stampedeCopies]) })
	}
	wg.Wait()
	elapsed = time.Since(start)
	ticket, ok := emu.Ticket(appID, "wx_card")
	if !ok {
		return 0, 0, 0, fmt.Errorf("the emulator issued no wx_card ticket")
	}
	for i, a := range answers {
		if errs[i] == nil {
			errs[i] = verify(a, ticket)
		}
		if errs[i] != nil {
			return 0, 0, 0, errs[i]
		}
	}
	return up.TicketFetches("wx_card"), up.TokenFetches(), elapsed, nil
}
