//go:build !js && !wasip1

package outagebench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/signer"
)

const (
	appID     = "wxoutagebench000001"
	appSecret = "outage-bench-secret-0123456789ab"
	cardID    = "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"
	// refreshEvery is how many requests pass between two jumps of the
	// client's clock past the refresh point.
	refreshEvery = 1000
)

// outageClients is how many callers load the handler at once, as in the
// operator's report the benchmark reproduces.
const outageClients = 8

// BenchmarkAddCardRedisOutage measures POST /v1/addcard through edge's
// handler, backed by a client on a real redis-server (kv.NewRedis with the
// default guard, as the local server's -store redis://… sets it up), in
// three phases of one run: Redis healthy, Redis killed (connections
// refused), and Redis restarted then paused with SIGSTOP (connections
// accepted, never answered). The ticket lives 2 s, so it comes due about
// once a second and every phase includes refreshes during the fault.
//
// Each phase reports p50, p99 and max latency over its requests, the
// number of errors (a non-200 answer or a cardExt not signed by the
// current or previous ticket: every signature is checked), and the
// upstream ticket fetches it caused.
func BenchmarkAddCardRedisOutage(b *testing.B) {
	srv := kvtest.StartRedis(b)
	b.Cleanup(func() { _ = srv.Resume() })
	emu, err := emulator.New(emulator.WithApp(appID, appSecret))
	if err != nil {
		b.Fatal(err)
	}
	var fetches atomic.Int64
	wechat := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/ticket/getticket" {
			fetches.Add(1)
		}
		emu.ServeHTTP(w, r)
	}))
	b.Cleanup(wechat.Close)
	store, err := kv.NewRedis(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	// The client's clock jumps past the refresh point every refreshEvery
	// requests, so each phase refreshes the token and the ticket during
	// the fault (the emulator, on its own clock, hands out the same ones).
	var skew atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	c, err := admin.NewClient(appID, appSecret, admin.WithBaseURL(wechat.URL), admin.WithStore(store), admin.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	ticket, err := c.CardTicket(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if want, _ := emu.Ticket(appID, "wx_card"); ticket != want {
		b.Fatal("the client's ticket is not the emulator's")
	}
	h, err := edge.NewHandler(edge.Config{AppID: appID, Tickets: c, Policy: edge.Policy{PublicCardIDs: []string{cardID}}})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"cards":[{"card_id":"` + cardID + `"}]}`
	var sent atomic.Int64
	load := func(b *testing.B) ([]time.Duration, int64) {
		return addCardLoad(b, h, body, func() {
			if sent.Add(1)%refreshEvery == 0 {
				skew.Add(int64(2 * time.Hour))
			}
		}, func(ext signer.ParsedCardExt) bool { return ext.SignedBy(ticket, cardID) })
	}

	phases := []struct {
		name  string
		enter func() error
	}{
		{"healthy", func() error {
			if !srv.Running() {
				return srv.Restart()
			}
			return srv.Resume()
		}},
		{"stopped", func() error { srv.Stop(); return nil }},
		{"paused", func() error {
			if !srv.Running() {
				if err := srv.Restart(); err != nil {
					return err
				}
			}
			return srv.Pause()
		}},
	}
	for _, p := range phases {
		b.Run(p.name, func(b *testing.B) {
			if err := p.enter(); err != nil {
				b.Fatal(err)
			}
			fetchesBefore := fetches.Load()
			lat, errs := load(b)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
			b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			b.ReportMetric(float64(errs), "errors")
			b.ReportMetric(float64(fetches.Load()-fetchesBefore), "ticket-fetches")
			if errs > 0 {
				b.Errorf("%d of %d requests failed or were signed wrong", errs, len(lat))
			}
		})
	}
}

// addCardLoad sends b.N requests from outageClients goroutines and returns
// their latencies and how many failed.
func addCardLoad(b *testing.B, h http.Handler, body string, tick func(), valid func(signer.ParsedCardExt) bool) ([]time.Duration, int64) {
	var (
		next   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		all    = make([]time.Duration, 0, b.N)
		wg     sync.WaitGroup
		report sync.Once
	)
	b.ResetTimer()
	for w := 0; w < outageClients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for next.Add(1) <= int64(b.N) {
				tick()
				req := httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				mine = append(mine, time.Since(start))
				if err := checkAddCard(rec, valid); err != nil {
					errs.Add(1)
					report.Do(func() { b.Log(err) })
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs.Load()
}

// checkAddCard checks one answer: 200, and a cardExt that valid accepts.
func checkAddCard(rec *httptest.ResponseRecorder, valid func(signer.ParsedCardExt) bool) error {
	if rec.Code != http.StatusOK {
		return fmt.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
	var out struct {
		CardList []struct {
			CardExt string `json:"cardExt"`
		} `json:"cardList"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.CardList) != 1 {
		return fmt.Errorf("unexpected answer %s", rec.Body.String())
	}
	ext, err := signer.ParseCardExt(out.CardList[0].CardExt)
	if err != nil {
		return err
	}
	if !valid(ext) {
		return fmt.Errorf("cardExt %s is not signed by the card ticket", out.CardList[0].CardExt)
	}
	return nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
