//go:build !js && !wasip1

package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

// A store outage must not stall signing: these tests put a real
// redis-server (or a bbolt file) through the faults an operator sees and
// check what callers get: no error, no expired ticket, no stall, one
// upstream fetch per process when a refresh falls in the outage, and the
// store repopulated once it is back.

// stallBound is what one call may cost during an outage. It is generous
// for a shared machine; the point is the order of magnitude (before the
// fix: ~1.7 s with Redis refusing connections, ~6 s with Redis hung).
const stallBound = time.Second

// fastGuard wraps a store as NewClient does, with a short backoff so that
// recovery shows within a test, and a deadline long enough that a healthy
// Redis on a busy machine is not taken for a failing one (these tests
// count fetches) yet far below stallBound.
func fastGuard(t *testing.T, s kv.Store) kv.Store {
	t.Helper()
	g, err := kv.Guard(s, kv.WithCallTimeout(200*time.Millisecond), kv.WithBackoff(20*time.Millisecond, 100*time.Millisecond))
	require.NoError(t, err)
	return g
}

// storedTicket reads the card ticket's envelope straight from srv.
func storedTicket(t *testing.T, srv *kvtest.RedisServer) (string, bool) {
	t.Helper()
	r, err := kv.NewRedis(srv.URL())
	require.NoError(t, err)
	defer r.Close()
	raw, ok, err := r.Get(t.Context(), storeKey(testAppID, "ticket:wx_card"))
	if err != nil || !ok {
		return "", false
	}
	var e entry
	require.NoError(t, json.Unmarshal(raw, &e))
	return e.Value, true
}

// ticketNumber is the sequence number the fake WeChat put in a ticket.
func ticketNumber(t *testing.T, ticket string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscanf(ticket, "TICKET_wx_card_%04d_", &n)
	require.NoError(t, err, ticket)
	return n
}

// timedTicket gets the card ticket and fails the test if the call stalled.
func timedTicket(t *testing.T, c *Client) string {
	t.Helper()
	start := time.Now()
	tk, err := c.CardTicket(t.Context())
	require.NoError(t, err)
	require.Less(t, time.Since(start), stallBound, "the call stalled on the store")
	return tk
}

type outage struct {
	name  string
	start func(t *testing.T, srv *kvtest.RedisServer)
	end   func(t *testing.T, srv *kvtest.RedisServer)
}

func outages() []outage {
	return []outage{
		{"stopped", func(t *testing.T, srv *kvtest.RedisServer) { srv.Stop() },
			func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Restart()) }},
		{"paused", func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Pause()) },
			func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Resume()) }},
	}
}

// TestRedisOutage: three processes share Redis; it goes away (refusing
// connections, or hung). Fresh tickets are served from memory at once. A
// refresh due during the outage costs one fetch per process however many
// callers ask, never hands out the expired ticket, and the fetched value
// reaches the store once it is back.
func TestRedisOutage(t *testing.T) {
	for _, o := range outages() {
		t.Run(o.name, func(t *testing.T) {
			srv := kvtest.StartRedis(t)
			t.Cleanup(func() { _ = srv.Resume() })
			f := newFakeWeChat(t)
			clock := newFakeClock()
			var clients []*Client
			for i := 0; i < 3; i++ {
				clients = append(clients, newTestClient(t, f, WithStore(fastGuard(t, redisStore(t, srv))), WithClock(clock.Now)))
			}
			first := timedTicket(t, clients[0])
			for _, c := range clients[1:] {
				require.Equal(t, first, timedTicket(t, c))
			}
			require.EqualValues(t, 1, f.ticketFetches("wx_card"))

			o.start(t, srv)
			for i := 0; i < 100; i++ {
				for _, c := range clients {
					require.Equal(t, first, timedTicket(t, c), "a fresh ticket comes from memory")
				}
			}
			assert.EqualValues(t, 1, f.ticketFetches("wx_card"))

			// The refresh point passes during the outage.
			clock.Advance(7200*time.Second - DefaultRefreshMargin)
			start := time.Now()
			seen := stampede(t, clients, 100)
			assert.Less(t, time.Since(start), stallBound, "300 callers, one refresh per process")
			assert.NotContains(t, seen, first, "the ticket due for refresh is not served")
			assert.LessOrEqual(t, f.ticketFetches("wx_card"), int64(1+len(clients)), "at most one fetch per process")
			for tk := range seen {
				assert.Greater(t, ticketNumber(t, tk), 1)
			}

			o.end(t, srv)
			// Once the store answers, each process's value is written back
			// (or the first one written is adopted): the store holds a
			// fresh ticket that one of them is serving.
			require.Eventually(t, func() bool {
				clock.Advance(storeSyncInterval)
				for _, c := range clients {
					if _, err := c.CardTicket(t.Context()); err != nil {
						return false
					}
				}
				stored, ok := storedTicket(t, srv)
				return ok && ticketNumber(t, stored) > 1
			}, 10*time.Second, 20*time.Millisecond, "the fetched value reaches the store")
			fetches := f.ticketFetches("wx_card")
			// And the cluster converges on it.
			require.Eventually(t, func() bool {
				clock.Advance(storeSyncInterval)
				stored, _ := storedTicket(t, srv)
				for _, c := range clients {
					if tk, err := c.CardTicket(t.Context()); err != nil || tk != stored {
						return false
					}
				}
				return true
			}, 10*time.Second, 20*time.Millisecond, "every process adopts the stored ticket")
			assert.Equal(t, fetches, f.ticketFetches("wx_card"), "converging fetched nothing")
		})
	}
}

// TestRedisSilent: a "Redis" that accepts connections and never answers,
// from the first call on. The first call pays the store's deadline a few
// times and fetches; every later one is served from memory.
func TestRedisSilent(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	r, err := kv.NewRedis("redis://" + kvtest.SilentListener(t) + "/0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	c := newTestClient(t, f, WithStore(r)) // guarded by default
	first := timedTicket(t, c)
	for i := 0; i < 100; i++ {
		require.Equal(t, first, timedTicket(t, c))
	}
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}

// TestRedisFlapping: Redis goes down and comes back (empty) again and
// again while the ticket keeps coming due. No call fails or stalls, no
// expired ticket is served, and each refresh costs at most one fetch per
// process.
func TestRedisFlapping(t *testing.T) {
	srv := kvtest.StartRedis(t)
	t.Cleanup(func() { _ = srv.Resume() })
	f := newFakeWeChat(t)
	clock := newFakeClock()
	var clients []*Client
	for i := 0; i < 2; i++ {
		clients = append(clients, newTestClient(t, f, WithStore(fastGuard(t, redisStore(t, srv))), WithClock(clock.Now)))
	}
	issued := map[int]time.Time{} // ticket number → when it was fetched
	check := func() {
		for _, c := range clients {
			tk := timedTicket(t, c)
			n := ticketNumber(t, tk)
			if _, ok := issued[n]; !ok {
				issued[n] = clock.Now()
			}
			assert.Less(t, clock.Now().Sub(issued[n]), 7200*time.Second-DefaultRefreshMargin+time.Second,
				"ticket %d is past its refresh point", n)
		}
	}
	refreshes := 0
	for cycle := 0; cycle < 6; cycle++ {
		o := outages()[cycle%2]
		check()
		o.start(t, srv)
		check()
		clock.Advance(7200*time.Second - DefaultRefreshMargin)
		refreshes++
		check()
		o.end(t, srv)
		check()
		clock.Advance(storeSyncInterval)
		check()
	}
	assert.LessOrEqual(t, f.ticketFetches("wx_card"), int64(1+refreshes*len(clients)))
}

// TestRedisRestartedEmpty: Redis restarts without its data while every
// process holds a fresh ticket. The processes write it back (no fetch), a
// new process reads it from there, and when it comes due the cluster
// fetches one replacement.
func TestRedisRestartedEmpty(t *testing.T) {
	srv := kvtest.StartRedis(t)
	f := newFakeWeChat(t)
	clock := newFakeClock()
	newClient := func() *Client {
		// A generous deadline: this test counts fetches on a healthy
		// Redis, and a busy machine must not turn a slow answer into a
		// lock failure.
		return newTestClient(t, f, WithStore(redisStore(t, srv)), WithClock(clock.Now), WithStoreTimeout(5*time.Second))
	}
	clients := []*Client{newClient(), newClient(), newClient()}
	first := timedTicket(t, clients[0])
	require.Len(t, stampede(t, clients, 50), 1)
	require.EqualValues(t, 1, f.ticketFetches("wx_card"))

	require.NoError(t, srv.Restart())
	_, ok := storedTicket(t, srv)
	require.False(t, ok, "the store came back empty")

	// The next request of a process with the ticket repopulates it.
	require.Eventually(t, func() bool {
		clock.Advance(storeSyncInterval)
		require.Equal(t, first, timedTicket(t, clients[0]))
		stored, ok := storedTicket(t, srv)
		return ok && stored == first
	}, 10*time.Second, 20*time.Millisecond)
	newcomer := newClient()
	assert.Equal(t, first, timedTicket(t, newcomer), "a new process reads the written-back ticket")
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"), "repopulating fetched nothing")

	// When it comes due, the whole cluster fetches one replacement.
	clock.Advance(7200*time.Second - DefaultRefreshMargin)
	seen := stampede(t, append(clients, newcomer), 100)
	assert.Len(t, seen, 1)
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
}

// TestFileStoreFailing: the bbolt file fails under the client (closed, as
// after a disk error). Fresh tickets come from memory; a refresh fetches
// once, however many callers ask.
func TestFileStoreFailing(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	clock := newFakeClock()
	file, err := kv.OpenFile(filepath.Join(t.TempDir(), "store.db"))
	require.NoError(t, err)
	c := newTestClient(t, f, WithStore(file), WithClock(clock.Now))
	first := timedTicket(t, c)
	require.NoError(t, file.Close())
	for i := 0; i < 100; i++ {
		require.Equal(t, first, timedTicket(t, c))
	}
	clock.Advance(7200*time.Second - DefaultRefreshMargin)
	seen := stampede(t, []*Client{c}, 200)
	assert.Len(t, seen, 1)
	assert.NotContains(t, seen, first)
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
}

func TestStoreGuardedByDefault(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	file, err := kv.OpenFile(filepath.Join(t.TempDir(), "store.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = file.Close() })
	redisURL, err := kv.NewRedis("redis://127.0.0.1:1/0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = redisURL.Close() })
	guarded, err := kv.Guard(kv.NewMemory())
	require.NoError(t, err)
	for _, tt := range []struct {
		name    string
		opts    []Option
		guarded bool
	}{
		{"default memory", nil, false},
		{"redis", []Option{WithStore(redisURL)}, true},
		{"file", []Option{WithStore(file)}, true},
		{"other store", []Option{WithStore(lockless{kv.NewMemory()})}, false},
		{"other store with a timeout", []Option{WithStore(lockless{kv.NewMemory()}), WithStoreTimeout(time.Second)}, true},
		{"redis, guard off", []Option{WithStore(redisURL), WithStoreTimeout(0)}, false},
		{"memory with a timeout", []Option{WithStore(kv.NewMemory()), WithStoreTimeout(time.Second)}, false},
		{"already guarded", []Option{WithStore(guarded)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, f, tt.opts...)
			assert.Equal(t, tt.guarded, kv.IsGuarded(c.store))
			if tt.name == "already guarded" {
				assert.Same(t, guarded, c.store, "not wrapped twice")
			}
		})
	}
	for _, d := range []time.Duration{-time.Second, 2 * time.Minute} {
		_, err := NewClient(testAppID, testSecret, WithStoreTimeout(d))
		assert.ErrorIs(t, err, ErrInvalidInput, "%s", d)
	}
}

// TestSyncAdoptsNewerValue: another process replaced the ticket (a forced
// refresh); this one, serving its own fresh copy, adopts the replacement
// at its next store sync instead of overwriting it.
func TestSyncAdoptsNewerValue(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	clock := newFakeClock()
	store := kv.NewMemory()
	a := newTestClient(t, f, WithStore(store), WithClock(clock.Now))
	b := newTestClient(t, f, WithStore(store), WithClock(clock.Now))
	first, err := a.CardTicket(t.Context())
	require.NoError(t, err)
	require.Equal(t, first, timedTicket(t, b))
	clock.Advance(time.Second)
	replaced, err := b.RefreshCardTicket(t.Context())
	require.NoError(t, err)
	require.NotEqual(t, first, replaced)

	clock.Advance(storeSyncInterval)
	require.Eventually(t, func() bool {
		tk, err := a.CardTicket(t.Context())
		return err == nil && tk == replaced
	}, 5*time.Second, 5*time.Millisecond)
	tk, err := b.CardTicket(t.Context())
	require.NoError(t, err)
	assert.Equal(t, replaced, tk, "a's sync did not put its older ticket back")
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
}

// hangingStore never answers until the test ends, and ignores its context:
// a disk stuck in a syscall.
type hangingStore struct{ release chan struct{} }

func (h hangingStore) Get(context.Context, string) ([]byte, bool, error) {
	<-h.release
	return nil, false, nil
}
func (h hangingStore) Set(context.Context, string, []byte, time.Duration) error {
	<-h.release
	return nil
}
func (h hangingStore) Delete(context.Context, string) error { <-h.release; return nil }

// TestHungStoreWithTimeout: a store that hangs for good (and ignores its
// context) costs the first call a few deadlines, then nothing.
func TestHungStoreWithTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	hung := hangingStore{release: make(chan struct{})}
	t.Cleanup(func() { close(hung.release) })
	c := newTestClient(t, f, WithStore(hung), WithStoreTimeout(20*time.Millisecond))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timedTicket(t, c)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}
