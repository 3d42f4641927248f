//go:build !js && !wasip1

package admin

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

// benchCardTicket measures a cached card-ticket read with a store behind
// it: the cost every signed wx.addCard pays. A fresh ticket is served from
// memory, so the store's speed no longer shows here.
func benchCardTicket(b *testing.B, store kv.Store) {
	f := newFakeWeChat(b)
	c, err := NewClient(testAppID, testSecret, WithBaseURL(f.baseURL()), WithStore(store))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	want, err := c.CardTicket(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := c.CardTicket(ctx)
		if err != nil || got != want {
			b.Fatalf("got %q, %v", got, err)
		}
	}
	b.StopTimer()
	if n := f.ticketFetches("wx_card"); n != 1 {
		b.Fatalf("%d ticket fetches, want 1", n)
	}
}

// benchStoreGet is the baseline: a bare Get of the same entry, what the
// read costs before any decoding or expiry check.
func benchStoreGet(b *testing.B, store kv.Store) {
	ctx := context.Background()
	val := []byte(`{"v":"TICKET_wx_card_0001_tttttttttttttttttttt","exp":1750007200,"iat":1750000000,"gen":"0123456789abcdef"}`)
	if err := store.Set(ctx, "wxcard:bench:ticket:wx_card", val, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := store.Get(ctx, "wxcard:bench:ticket:wx_card"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func fileStore(b *testing.B) *kv.File {
	s, err := kv.OpenFile(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func BenchmarkCardTicketMemory(b *testing.B) { benchCardTicket(b, kv.NewMemory()) }
func BenchmarkStoreGetMemory(b *testing.B)   { benchStoreGet(b, kv.NewMemory()) }
func BenchmarkCardTicketFile(b *testing.B)   { benchCardTicket(b, fileStore(b)) }
func BenchmarkStoreGetFile(b *testing.B)     { benchStoreGet(b, fileStore(b)) }

func BenchmarkCardTicketRedis(b *testing.B) {
	benchCardTicket(b, redisStore(b, kvtest.StartRedis(b)))
}

func BenchmarkStoreGetRedis(b *testing.B) {
	benchStoreGet(b, redisStore(b, kvtest.StartRedis(b)))
}

// BenchmarkStampedeRedis is the stampede test as a benchmark: per
// iteration, 3 clients sharing one real Redis each get 500 concurrent
// requests for the card ticket on a cold cache. It reports how many token
// and ticket fetches reached upstream per stampede (the goal is 1 and 1)
// and how long the whole stampede took.
func BenchmarkStampedeRedis(b *testing.B) {
	srv := kvtest.StartRedis(b)
	f := newFakeWeChat(b)
	stores := []kv.Store{redisStore(b, srv), redisStore(b, srv), redisStore(b, srv)}
	ctx := context.Background()
	iterations := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if err := srv.FlushAll(ctx); err != nil {
			b.Fatal(err)
		}
		// A cold cache everywhere: the store is empty, and new clients
		// (processes just started) hold nothing in memory.
		var clients []*Client
		for _, s := range stores {
			// A generous store deadline, as in TestStampedeThreeClientsRedis.
			c, err := NewClient(testAppID, testSecret, WithBaseURL(f.baseURL()), WithStore(s), WithStoreTimeout(5*time.Second))
			if err != nil {
				b.Fatal(err)
			}
			clients = append(clients, c)
		}
		b.StartTimer()
		seen := stampede(b, clients, 500)
		if len(seen) != 1 {
			b.Fatalf("%d distinct tickets", len(seen))
		}
		iterations++
	}
	b.ReportMetric(float64(f.tokenFetches())/float64(iterations), "token_fetches/op")
	b.ReportMetric(float64(f.ticketFetches("wx_card"))/float64(iterations), "ticket_fetches/op")
}
