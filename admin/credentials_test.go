package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testclock"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

// redisStore returns a store on srv with its own connection pool, as a
// separate process would have. Retries are off so an outage shows at once.
func redisStore(t testing.TB, srv *kvtest.RedisServer) *kv.Redis {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1, PoolSize: 64})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := kv.NewRedisFromClient(rdb)
	require.NoError(t, err)
	return s
}

// stampede asks every client for the card ticket from n goroutines each,
// all released at once, and returns the distinct tickets they got.
func stampede(t testing.TB, clients []*Client, n int) map[string]int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = map[string]int{}
		start = make(chan struct{})
		fails atomic.Int64
	)
	for _, c := range clients {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tk, err := c.CardTicket(context.Background())
				if err != nil {
					fails.Add(1)
					t.Errorf("CardTicket: %v", err)
					return
				}
				mu.Lock()
				seen[tk]++
				mu.Unlock()
			}()
		}
	}
	close(start)
	wg.Wait()
	return seen
}

func TestStampedeOneClientMemory(t *testing.T) {
	f := newFakeWeChat(t)
	f.fetchDelay = 20 * time.Millisecond // widen the window for duplicates
	c := newTestClient(t, f)
	seen := stampede(t, []*Client{c}, 500)
	assert.Len(t, seen, 1, "every goroutine gets the same ticket")
	assert.EqualValues(t, 1, f.tokenFetches(), "token fetches")
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"), "ticket fetches")
	assert.EqualValues(t, 0, f.ticketFetches("jsapi"))
}

func TestStampedeThreeClientsRedis(t *testing.T) {
	srv := kvtest.StartRedis(t)
	f := newFakeWeChat(t)
	f.fetchDelay = 20 * time.Millisecond
	var clients []*Client
	for i := 0; i < 3; i++ {
		// A generous store deadline: this counts fetches on a healthy
		// Redis, and 1500 goroutines under -race on a busy machine can
		// make an answer late; a late answer is treated as a failing store,
		// which costs one fetch per process by design.
		clients = append(clients, newTestClient(t, f, WithStore(redisStore(t, srv)), WithStoreTimeout(5*time.Second)))
	}
	seen := stampede(t, clients, 500)
	assert.Len(t, seen, 1, "all 1500 callers across 3 clients get one ticket")
	assert.EqualValues(t, 1, f.tokenFetches(), "token fetches")
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"), "ticket fetches")
}

func TestStampedeThreeClientsSharedMemory(t *testing.T) {
	f := newFakeWeChat(t)
	f.fetchDelay = 20 * time.Millisecond
	seen := stampede(t, clientsSharingStore(t, f, 3), 200)
	assert.Len(t, seen, 1)
	assert.EqualValues(t, 1, f.tokenFetches())
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}

// lockless hides a store's Locker, as a store without locks would be.
type lockless struct{ kv.Store }

func TestStoreWithoutLockerStillSingleFlightsPerProcess(t *testing.T) {
	f := newFakeWeChat(t)
	f.fetchDelay = 20 * time.Millisecond
	c := newTestClient(t, f, WithStore(lockless{kv.NewMemory()}))
	seen := stampede(t, []*Client{c}, 300)
	assert.Len(t, seen, 1)
	assert.EqualValues(t, 1, f.tokenFetches())
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}

func TestStoredEnvelopeAndKeys(t *testing.T) {
	f := newFakeWeChat(t)
	clock := testclock.New()
	store := kv.NewMemory()
	c := newTestClient(t, f, WithStore(store), WithClock(clock.Now))
	ctx := t.Context()
	card, err := c.CardTicket(ctx)
	require.NoError(t, err)
	jsapi, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	token, err := c.AccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, card, jsapi)

	for key, want := range map[string]string{
		"wxcard:" + testAppID + ":access_token":   token,
		"wxcard:" + testAppID + ":ticket:wx_card": card,
		"wxcard:" + testAppID + ":ticket:jsapi":   jsapi,
	} {
		raw, ok, err := store.Get(ctx, key)
		require.NoError(t, err)
		require.True(t, ok, key)
		var e entry
		require.NoError(t, json.Unmarshal(raw, &e), key)
		assert.Equal(t, want, e.Value, key)
		assert.Equal(t, clock.Now().Unix()+7200, e.Expiry, key)
		assert.Equal(t, clock.Now().Unix(), e.Issued, key)
		assert.NotEmpty(t, e.Gen, key)
	}
	assert.EqualValues(t, 1, f.tokenFetches())
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
	assert.EqualValues(t, 1, f.ticketFetches("jsapi"))
}

func TestTwoAppIDsInOneStore(t *testing.T) {
	store := kv.NewMemory()
	f1 := newFakeWeChat(t)
	f2 := newFakeWeChat(t)
	const otherApp = "wxOTHERAPPID000000"
	f2.mu.Lock()
	f2.appID = otherApp
	f2.seq = 5000 // its tokens and tickets differ from f1's
	f2.ticketSeq["wx_card"] = 5000
	f2.mu.Unlock()
	c1 := newTestClient(t, f1, WithStore(store))
	c2, err := NewClient(otherApp, testSecret, WithBaseURL(f2.baseURL()), WithStore(store))
	require.NoError(t, err)

	ctx := t.Context()
	t1, err := c1.CardTicket(ctx)
	require.NoError(t, err)
	t2, err := c2.CardTicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, t1, t2, "two apps never share a ticket")
	again, err := c1.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, t1, again, "the second app did not overwrite the first")
	assert.EqualValues(t, 1, f1.ticketFetches("wx_card"))
	assert.EqualValues(t, 1, f2.ticketFetches("wx_card"))
	for _, app := range []string{testAppID, otherApp} {
		_, ok, err := store.Get(ctx, "wxcard:"+app+":ticket:wx_card")
		require.NoError(t, err)
		assert.True(t, ok, app)
	}
}

func TestRefreshFiveMinutesEarly(t *testing.T) {
	f := newFakeWeChat(t)
	clock := testclock.New()
	c := newTestClient(t, f, WithClock(clock.Now))
	ctx := t.Context()
	first, err := c.CardTicket(ctx)
	require.NoError(t, err)

	clock.Advance(7200*time.Second - 5*time.Minute - time.Second)
	same, err := c.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, same, "kept until 5 minutes before expiry")
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))

	clock.Advance(time.Second)
	next, err := c.CardTicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first, next, "replaced 5 minutes before expiry")
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
}

func TestShortLivedCredentialDoesNotLoop(t *testing.T) {
	for _, ttl := range []int{1, 2, 60, 599, 600} {
		f := newFakeWeChat(t)
		f.tokenTTL, f.ticketTTL = ttl, ttl
		clock := testclock.New()
		c := newTestClient(t, f, WithClock(clock.Now))
		for i := 0; i < 5; i++ {
			_, err := c.CardTicket(t.Context())
			require.NoError(t, err)
		}
		assert.EqualValues(t, 1, f.tokenFetches(), "expires_in=%d", ttl)
		assert.EqualValues(t, 1, f.ticketFetches("wx_card"), "expires_in=%d", ttl)
		// Half the lifetime later it is replaced, never served expired.
		clock.Advance(time.Duration(ttl) * time.Second)
		_, err := c.CardTicket(t.Context())
		require.NoError(t, err)
		assert.EqualValues(t, 2, f.ticketFetches("wx_card"), "expires_in=%d", ttl)
	}
}

func TestBadExpiresInIsRefused(t *testing.T) {
	for _, body := range []string{
		`{"access_token":"TOKEN_VALUE_1234","expires_in":0}`,
		`{"access_token":"TOKEN_VALUE_1234","expires_in":-7200}`,
		`{"access_token":"TOKEN_VALUE_1234"}`,
		`{"access_token":"TOKEN_VALUE_1234","expires_in":99999999999}`,
		`{"access_token":"","expires_in":7200}`,
		`{"access_token":"TOKEN_VALUE_1234","expires_in":"soon"}`,
	} {
		f := newFakeWeChat(t)
		f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			_, _ = w.Write([]byte(body))
			return true
		})
		store := kv.NewMemory()
		c := newTestClient(t, f, WithStore(store))
		_, err := c.AccessToken(t.Context())
		require.Error(t, err, body)
		_, ok, err2 := store.Get(t.Context(), "wxcard:"+testAppID+":access_token")
		require.NoError(t, err2)
		assert.False(t, ok, "nothing cached for %s", body)
	}
}

func TestExpiresInAsString(t *testing.T) {
	f := newFakeWeChat(t)
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == basePath+"cgi-bin/stable_token" {
			_, _ = w.Write([]byte(`{"access_token":"TOKEN_VALUE_1234","expires_in":"7200"}`))
			return true
		}
		return false
	})
	c := newTestClient(t, f)
	tok, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "TOKEN_VALUE_1234", tok)
}

func TestCredentialErrorsAreNotRetriedOrCached(t *testing.T) {
	for _, tt := range []struct {
		code int
		want error
	}{
		{40013, ErrInvalidAppID},
		{40125, ErrInvalidAppSecret},
		{45009, ErrQuotaExceeded},
		{40164, ErrIPNotWhitelisted},
	} {
		f := newFakeWeChat(t)
		f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			writeErrcode(w, tt.code, "nope")
			return true
		})
		store := kv.NewMemory()
		c := newTestClient(t, f, WithStore(store))
		_, err := c.CardTicket(t.Context())
		require.ErrorIs(t, err, tt.want)
		assert.EqualValues(t, 1, f.tokenFetches(), "errcode %d: one fetch, no retry", tt.code)
		assert.EqualValues(t, 0, f.ticketFetches("wx_card"))
		_, err = c.CardTicket(t.Context())
		require.ErrorIs(t, err, tt.want)
		assert.EqualValues(t, 2, f.tokenFetches(), "errcode %d: the failure was not cached either", tt.code)
	}
}

func TestClassicTokenMode(t *testing.T) {
	f := newFakeWeChat(t)
	c := newTestClient(t, f, WithTokenMode(TokenModeClassic))
	tok, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, tok)
	assert.EqualValues(t, 1, f.classicCalls.Load())
	assert.EqualValues(t, 0, f.stableCalls.Load())
	_, err = c.CardTicket(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 1, f.classicCalls.Load(), "the cached token is reused")
}

// TestCompareAndRefresh: client A holds T1 while client B, sharing its
// store, has already replaced it. A's call is rejected; A must pick up B's
// token from the store instead of fetching a third one.
func TestCompareAndRefresh(t *testing.T) {
	f := newFakeWeChat(t)
	clients := clientsSharingStore(t, f, 2)
	a, b := clients[0], clients[1]
	ctx := t.Context()
	t1, err := a.AccessToken(ctx)
	require.NoError(t, err)

	var t2 string
	calls := 0
	f.handle("POST card/get", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			// Between A reading T1 and WeChat answering, B refreshes.
			f.revoke(t1)
			var err error
			t2, err = b.InvalidateAccessToken(r.Context(), t1)
			if !assert.NoError(t, err) {
				return
			}
		}
		if !f.authorized(w, r) {
			return
		}
		writeJSON(w, map[string]any{"errcode": 0})
	})
	require.NoError(t, a.post(ctx, "card/get", map[string]string{"card_id": "x"}, nil, readCall))
	assert.Equal(t, 2, calls)
	assert.EqualValues(t, 2, f.tokenFetches(), "T1, then B's T2; A fetched nothing")
	cur, err := a.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, t2, cur)

	// Invalidating a token that is no longer current is a no-op.
	got, err := a.InvalidateAccessToken(ctx, t1)
	require.NoError(t, err)
	assert.Equal(t, t2, got)
	assert.EqualValues(t, 2, f.tokenFetches())
}

func TestForcedTicketRefresh(t *testing.T) {
	f := newFakeWeChat(t)
	clients := clientsSharingStore(t, f, 2)
	ctx := t.Context()
	first, err := clients[0].CardTicket(ctx)
	require.NoError(t, err)
	f.fetchDelay = 30 * time.Millisecond

	// Two servers see a bad signature at the same time and both force a
	// refresh: the ticket is fetched once more, not twice.
	results := refreshCardTicketsAtOnce(t, clients)
	assert.NotEqual(t, first, results[0])
	assert.Equal(t, results[0], results[1])
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))

	cached, err := clients[1].CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, results[0], cached)
}

// TestForcedRefreshSameValue: WeChat may answer a refresh with the very
// ticket it gave before. Waiters must still see the refresh as done.
func TestForcedRefreshSameValue(t *testing.T) {
	f := newFakeWeChat(t)
	f.answerTickets("THE_SAME_TICKET_VALUE")
	clients := clientsSharingStore(t, f, 2, WithRefreshLock(time.Second, 2*time.Second))
	_, err := clients[0].CardTicket(t.Context())
	require.NoError(t, err)
	f.fetchDelay = 30 * time.Millisecond
	for _, tk := range refreshCardTicketsAtOnce(t, clients) {
		assert.Equal(t, "THE_SAME_TICKET_VALUE", tk)
	}
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"))
}

// storeLockedElsewhere returns a memory store in which owner, another
// process, holds the refresh lock of what ("access_token",
// "ticket:wx_card") for ttl.
func storeLockedElsewhere(t *testing.T, what, owner string, ttl time.Duration) *kv.Memory {
	t.Helper()
	store := kv.NewMemory()
	ok, err := store.TryLock(t.Context(), "wxcard:"+testAppID+":"+what+":lock", owner, ttl)
	require.NoError(t, err)
	require.True(t, ok)
	return store
}

func TestLockHeldElsewhereTimesOut(t *testing.T) {
	f := newFakeWeChat(t)
	store := storeLockedElsewhere(t, "ticket:wx_card", "a-stuck-process", time.Minute)
	c := newTestClient(t, f, WithStore(store), WithRefreshLock(time.Second, 150*time.Millisecond))
	start := time.Now()
	_, err := c.CardTicket(t.Context())
	require.ErrorIs(t, err, ErrRefreshTimeout)
	assert.Contains(t, err.Error(), "ticket:wx_card")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.EqualValues(t, 0, f.ticketFetches("wx_card"), "never fetched in parallel with the lock holder")
}

func TestLockOfDeadProcessExpires(t *testing.T) {
	f := newFakeWeChat(t)
	store := storeLockedElsewhere(t, "ticket:wx_card", "a-crashed-process", 200*time.Millisecond)
	c := newTestClient(t, f, WithStore(store), WithRefreshLock(time.Second, 3*time.Second))
	_, err := c.CardTicket(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}

func TestWaiterHonoursItsOwnContext(t *testing.T) {
	f := newFakeWeChat(t)
	store := storeLockedElsewhere(t, "access_token", "other", time.Minute)
	c := newTestClient(t, f, WithStore(store))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.AccessToken(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestLeaderCancellationDoesNotFailWaiters: the goroutine that started a
// shared refresh gives up; those waiting with live contexts carry on.
func TestLeaderCancellationDoesNotFailWaiters(t *testing.T) {
	f := newFakeWeChat(t)
	release := make(chan struct{})
	var first atomic.Bool
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if first.CompareAndSwap(false, true) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return false
	})
	c := newTestClient(t, f)
	leaderCtx, cancelLeader := context.WithCancel(t.Context())
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.AccessToken(leaderCtx)
		leaderDone <- err
	}()
	require.Eventually(t, func() bool { return f.stableCalls.Load() == 1 }, 2*time.Second, 5*time.Millisecond)
	waiterDone := make(chan error, 1)
	go func() {
		_, err := c.AccessToken(t.Context())
		waiterDone <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancelLeader()
	require.ErrorIs(t, <-leaderDone, context.Canceled)
	require.NoError(t, <-waiterDone)
	close(release)
}

// TestFetchOutlivingItsLock: a fetch may not run past its lock's TTL, or a
// second process could start one in parallel. It fails with
// ErrRefreshTimeout, not with a deadline the caller never set.
func TestFetchOutlivingItsLock(t *testing.T) {
	f := newFakeWeChat(t)
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		hang(r, 2*time.Second)
		return true
	})
	store := kv.NewMemory()
	c := newTestClient(t, f, WithStore(store), WithRefreshLock(200*time.Millisecond, time.Second))
	_, err := c.AccessToken(t.Context())
	require.ErrorIs(t, err, ErrRefreshTimeout)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	_, ok, err := store.Get(t.Context(), "wxcard:"+testAppID+":access_token")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestUnusableTicketIsNotCached(t *testing.T) {
	for _, ticket := range []string{"", strings.Repeat("t", 513), "tick\u0000et", "bad\nticket"} {
		f := newFakeWeChat(t)
		f.answerTickets(ticket)
		store := kv.NewMemory()
		c := newTestClient(t, f, WithStore(store))
		_, err := c.CardTicket(t.Context())
		var de *DecodeError
		require.ErrorAs(t, err, &de, "%q", ticket)
		_, ok, err := store.Get(t.Context(), "wxcard:"+testAppID+":ticket:wx_card")
		require.NoError(t, err)
		assert.False(t, ok)
	}
}

// gatedStore holds back one Get of the wrapped store until released, to
// stop a refresh at the point where it reads what another process wrote.
type gatedStore struct {
	kv.Store
	gets    atomic.Int64
	blockAt int64         // the Get (counting from 1) to hold; 0 holds none
	held    chan struct{} // closed when that Get is waiting
	release chan struct{}
}

func (g *gatedStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if g.gets.Add(1) == g.blockAt {
		close(g.held)
		<-g.release
	}
	return g.Store.Get(ctx, key)
}

// TestForcedRefreshNotAnsweredByEarlierRefresh: a routine refresh (the
// cached ticket went stale) is under way and about to read the ticket
// another server has just stored; a forced refresh asked for meanwhile,
// because that very ticket was rejected, joins it. The routine refresh is
// satisfied by the new ticket; the forced one must still replace it.
func TestForcedRefreshNotAnsweredByEarlierRefresh(t *testing.T) {
	f := newFakeWeChat(t)
	mem := kv.NewMemory()
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	gate := &gatedStore{Store: mem, held: make(chan struct{}), release: make(chan struct{})}
	a := newTestClient(t, f, WithStore(gate), WithClock(now))
	other := newTestClient(t, f, WithStore(mem), WithClock(now))
	ctx := t.Context()

	_, err := a.CardTicket(ctx)
	require.NoError(t, err)
	clock.Add(7000) // the first ticket is inside the refresh margin now

	// a's next read finds it stale; its refresh then stops at its store read.
	gate.blockAt = gate.gets.Load() + 2
	routine := make(chan string, 1)
	go func() {
		tk, err := a.CardTicket(ctx)
		assert.NoError(t, err)
		routine <- tk
	}()
	<-gate.held

	// Another server refreshes; then a is told that ticket is bad.
	rejected, err := other.CardTicket(ctx)
	require.NoError(t, err)
	forced := make(chan string, 1)
	go func() {
		tk, err := a.RefreshCardTicket(ctx)
		assert.NoError(t, err)
		forced <- tk
	}()
	require.Eventually(t, func() bool {
		g := &a.cardTicket.refreshes
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.flight != nil && g.flight.done != nil
	}, 5*time.Second, time.Millisecond, "the forced refresh joins the one under way")
	close(gate.release)

	assert.Equal(t, rejected, <-routine, "the routine refresh takes the stored ticket")
	replacement := <-forced
	assert.NotEqual(t, rejected, replacement, "the forced refresh replaces the rejected ticket")
	assert.EqualValues(t, 3, f.ticketFetches("wx_card"))
	// The other server serves its fresh copy from memory; within the
	// store sync interval it adopts the replacement from the store.
	clock.Add(int64(storeSyncInterval / time.Second))
	require.Eventually(t, func() bool {
		stored, err := other.CardTicket(ctx)
		return err == nil && stored == replacement
	}, 5*time.Second, 5*time.Millisecond)
	assert.EqualValues(t, 3, f.ticketFetches("wx_card"))
}
