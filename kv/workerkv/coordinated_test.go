package workerkv_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/kv/workerkv"
)

// memoryCoordinator does in Go memory what edge/worker's TicketCoordinator
// Durable Object does in its storage, for the unit tests of Coordinated;
// the real object is tested in workerd by edge/worker's tests.
type memoryCoordinator struct {
	mu      sync.Mutex
	values  map[string]string
	leases  map[string]coordLease
	gets    int
	calls   int
	failing error
	// changed is closed (and replaced) by every put, delete and unlock,
	// which is what wakes AwaitChange.
	changed chan struct{}
}

type coordLease struct {
	owner string
	until time.Time
}

func newMemoryCoordinator() *memoryCoordinator {
	return &memoryCoordinator{values: map[string]string{}, leases: map[string]coordLease{}, changed: make(chan struct{})}
}

func (m *memoryCoordinator) Get(ctx context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return "", false, m.failing
	}
	m.gets++
	m.calls++
	v, ok := m.values[key]
	return v, ok, nil
}

func (m *memoryCoordinator) AwaitChange(ctx context.Context, key, known string, knownOK bool, wait time.Duration) (string, bool, error) {
	m.mu.Lock()
	if m.failing != nil {
		m.mu.Unlock()
		return "", false, m.failing
	}
	m.calls++
	v, ok := m.values[key]
	changed := m.changed
	m.mu.Unlock()
	if ok != knownOK || v != known {
		return v, ok, nil
	}
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	select {
	case <-changed: // a put, delete or unlock: answer what is there now
	case <-timeout.C:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok = m.values[key]
	return v, ok, nil
}

// notify wakes AwaitChange; m.mu is held.
func (m *memoryCoordinator) notify() {
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *memoryCoordinator) Put(ctx context.Context, key, envelope string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return m.failing
	}
	m.calls++
	m.values[key] = envelope
	m.notify()
	return nil
}

func (m *memoryCoordinator) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return m.failing
	}
	m.calls++
	delete(m.values, key)
	m.notify()
	return nil
}

func (m *memoryCoordinator) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return false, m.failing
	}
	m.calls++
	if l, ok := m.leases[key]; ok && time.Now().Before(l.until) {
		return false, nil
	}
	m.leases[key] = coordLease{owner, time.Now().Add(ttl)}
	return true, nil
}

func (m *memoryCoordinator) Unlock(ctx context.Context, key, owner string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing != nil {
		return false, m.failing
	}
	m.calls++
	l, ok := m.leases[key]
	if !ok || l.owner != owner {
		return false, nil
	}
	delete(m.leases, key)
	m.notify()
	return time.Now().Before(l.until), nil
}

func (m *memoryCoordinator) callCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func (m *memoryCoordinator) getCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gets
}

// isolate is one Worker isolate's view: its own memory layer over the
// shared KV namespace, in front of the shared coordinator.
func newIsolateStore(t *testing.T, ns workerkv.Namespace, coord workerkv.Coordinator, opts ...workerkv.Option) *workerkv.Coordinated {
	t.Helper()
	cache, err := workerkv.New(ns, append([]workerkv.Option{workerkv.WithMemoryCache(30 * time.Second), workerkv.WithIsolate(workerkv.NewMemoryIsolate())}, opts...)...)
	require.NoError(t, err)
	c, err := workerkv.NewCoordinated(cache, coord)
	require.NoError(t, err)
	return c
}

func TestCoordinatedConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store {
		return newIsolateStore(t, newFakeNamespace(), newMemoryCoordinator())
	})
}

func TestCoordinatedRefusesLeasesOverMaxLeaseTTL(t *testing.T) {
	t.Parallel()
	s := newIsolateStore(t, newFakeNamespace(), newMemoryCoordinator())
	_, err := s.TryLock(t.Context(), "k", "o", workerkv.MaxLeaseTTL+time.Millisecond)
	require.ErrorIs(t, err, kv.ErrInvalidArgument)
	ok, err := s.TryLock(t.Context(), "k", "o", workerkv.MaxLeaseTTL)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestNewCoordinatedRefusesNil(t *testing.T) {
	t.Parallel()
	cache, err := workerkv.New(newFakeNamespace())
	require.NoError(t, err)
	_, err = workerkv.NewCoordinated(nil, newMemoryCoordinator())
	assert.Error(t, err)
	_, err = workerkv.NewCoordinated(cache, nil)
	assert.Error(t, err)
}

// TestCoordinatedReadsTheCacheUntilARefresh: routine reads come from memory
// or KV; from a lock attempt on (won or refused) they come from the
// coordinator, so a cache that lags it cannot make the lock holder fetch
// again; after the unlock, from the cache again.
func TestCoordinatedReadsTheCacheUntilARefresh(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns, coord := newFakeNamespace(), newMemoryCoordinator()
	writer := newIsolateStore(t, ns, coord)
	reader := newIsolateStore(t, ns, coord)

	require.NoError(t, writer.Set(ctx, "ticket", []byte("v1"), time.Hour))
	assert.Equal(t, "v1", string(requireGet(t, reader, "ticket")))
	assert.Zero(t, coord.getCount(), "a KV hit does not ask the coordinator")

	// Another location replaces v1; KV here still says v1 (eventual
	// consistency: the write has not arrived).
	require.NoError(t, coord.Put(ctx, "ticket", mustEnvelope(t, "v2")))
	got, _, _ := reader.Get(ctx, "ticket")
	assert.Equal(t, "v1", string(got), "the reader's cache lags")

	ok, err := reader.TryLock(ctx, "ticket:lock", "reader", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	got, _, _ = reader.Get(ctx, "ticket")
	assert.Equal(t, "v2", string(got), "the lock holder reads the coordinator")

	released, err := reader.Unlock(ctx, "ticket:lock", "reader")
	require.NoError(t, err)
	assert.True(t, released)
	gets := coord.getCount()
	got, _, _ = reader.Get(ctx, "ticket")
	assert.Equal(t, "v2", string(got), "the coordinator's answer went into memory")
	assert.Equal(t, gets, coord.getCount(), "after the unlock, reads come from the cache again")

	// A refused lock: the waiter reads the coordinator as well.
	ok, err = writer.TryLock(ctx, "ticket:lock", "writer", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, coord.Put(ctx, "ticket", mustEnvelope(t, "v3")))
	ok, err = reader.TryLock(ctx, "ticket:lock", "reader", time.Second)
	require.NoError(t, err)
	require.False(t, ok)
	got, _, _ = reader.Get(ctx, "ticket")
	assert.Equal(t, "v3", string(got), "a waiter reads the coordinator")
}

func mustEnvelope(t *testing.T, value string) string {
	t.Helper()
	// The coordinator holds what a Coordinated writes; write one through a
	// throwaway Coordinated to get the exact envelope.
	coord := newMemoryCoordinator()
	c := newIsolateStore(t, newFakeNamespace(), coord)
	require.NoError(t, c.Set(t.Context(), "k", []byte(value), time.Hour))
	return coord.values["k"]
}

// TestCoordinatedMissesAndFallbacks: a KV miss asks the coordinator; during
// a refresh a coordinator miss falls back to KV (a deployment switching
// from KV-only keeps its tickets); an expired envelope is a miss.
func TestCoordinatedMissesAndFallbacks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns, coord := newFakeNamespace(), newMemoryCoordinator()
	s := newIsolateStore(t, ns, coord)

	require.NoError(t, coord.Put(ctx, "only-coord", mustEnvelope(t, "c")))
	assert.Equal(t, "c", string(requireGet(t, s, "only-coord")))

	kvOnly, err := workerkv.New(ns)
	require.NoError(t, err)
	require.NoError(t, kvOnly.Set(ctx, "only-kv", []byte("k"), time.Hour))
	ok, err := s.TryLock(ctx, "only-kv:lock", "me", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "k", string(requireGet(t, s, "only-kv")))

	_, ok, err = s.Get(ctx, "nowhere")
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, s.Set(ctx, "short", []byte("x"), 30*time.Millisecond))
	require.Eventually(t, func() bool {
		_, ok, err := s.Get(ctx, "short")
		return err == nil && !ok
	}, 3*time.Second, 10*time.Millisecond, "an expired envelope in the coordinator is a miss")
}

// TestCoordinatedCoordinatorFailures: a failing coordinator is reported
// with ErrCoordinator, never with a stored value; a write still reaches
// KV, and routine reads still come from the cache.
func TestCoordinatedCoordinatorFailures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns, coord := newFakeNamespace(), newMemoryCoordinator()
	s := newIsolateStore(t, ns, coord)
	coord.failing = errors.New("Network connection lost")

	err := s.Set(ctx, "ticket", []byte("SECRET-ticket"), time.Hour)
	require.ErrorIs(t, err, workerkv.ErrCoordinator)
	assert.NotContains(t, err.Error(), "SECRET")
	assert.Equal(t, "SECRET-ticket", string(requireGet(t, s, "ticket")), "KV was written")

	for name, call := range map[string]func() error{
		"get":    func() error { _, _, err := s.Get(ctx, "absent"); return err },
		"lock":   func() error { _, err := s.TryLock(ctx, "l", "o", time.Second); return err },
		"unlock": func() error { _, err := s.Unlock(ctx, "l", "o"); return err },
		"delete": func() error { return s.Delete(ctx, "ticket") },
	} {
		err := call()
		assert.ErrorIs(t, err, workerkv.ErrCoordinator, name)
		assert.NotContains(t, err.Error(), "SECRET", name)
	}
}

// countingUpstream serves the emulator and counts the credential fetches.
type countingUpstream struct {
	emu *emulator.Emulator
	mu  sync.Mutex
	n   map[string]int
}

func (c *countingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	key := r.URL.Path
	if t := r.URL.Query().Get("type"); t != "" {
		key += "?type=" + t
	}
	c.n[key]++
	c.mu.Unlock()
	c.emu.ServeHTTP(w, r)
}

func (c *countingUpstream) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

const (
	stableTokenPath  = "/cgi-bin/stable_token"
	classicTokenPath = "/cgi-bin/token"
	cardTicketPath   = "/cgi-bin/ticket/getticket?type=wx_card"
)

// isolates returns n admin clients, each with its own Coordinated (its own
// memory layer) over one KV namespace and one coordinator: n isolates of a
// Worker.
func isolates(t *testing.T, n int, opts ...admin.Option) ([]*admin.Client, *countingUpstream) {
	t.Helper()
	clients, up, _ := isolatesOn(t, n, nil, opts...)
	return clients, up
}

// isolatesOn is isolates with options for the emulator, also returning the
// coordinator.
func isolatesOn(t *testing.T, n int, emuOpts []emulator.Option, opts ...admin.Option) ([]*admin.Client, *countingUpstream, *memoryCoordinator) {
	t.Helper()
	const appID, secret = "wxcoord0123456789", "coordinated-secret-0123456789"
	emu, err := emulator.New(append([]emulator.Option{emulator.WithApp(appID, secret)}, emuOpts...)...)
	require.NoError(t, err)
	up := &countingUpstream{emu: emu, n: map[string]int{}}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	ns, coord := newFakeNamespace(), newMemoryCoordinator()
	clients := make([]*admin.Client, n)
	for i := range clients {
		c, err := admin.NewClient(appID, secret, append([]admin.Option{admin.WithBaseURL(srv.URL), admin.WithStore(newIsolateStore(t, ns, coord))}, opts...)...)
		require.NoError(t, err)
		clients[i] = c
	}
	return clients, up, coord
}

// TestCoordinatedStampedeFetchesOnce: the admin client, unchanged, on
// Coordinated stores: a cold stampede over 8 isolates fetches one token and
// one ticket in total.
func TestCoordinatedStampedeFetchesOnce(t *testing.T) {
	t.Parallel()
	clients, up := isolates(t, 8)
	tickets := make([]string, len(clients)*4)
	var wg sync.WaitGroup
	for i := range tickets {
		wg.Go(func() {
			v, err := clients[i%len(clients)].CardTicket(t.Context())
			assert.NoError(t, err)
			tickets[i] = v
		})
	}
	wg.Wait()
	for _, v := range tickets {
		assert.Equal(t, tickets[0], v)
	}
	assert.Equal(t, 1, up.count(stableTokenPath))
	assert.Equal(t, 1, up.count(cardTicketPath))
}

// TestCoordinatedCompareAndRefresh: every isolate holds the token in
// memory when WeChat rejects it. The first isolate to report it replaces
// it; the others, whose memory still holds the rejected token, get the
// replacement without a fetch. (cgi-bin/token issues a new token on every
// call, so the replacement is a different string.)
func TestCoordinatedCompareAndRefresh(t *testing.T) {
	t.Parallel()
	clients, up := isolates(t, 4, admin.WithTokenMode(admin.TokenModeClassic))
	ctx := t.Context()
	tokens := map[string]bool{}
	for _, c := range clients {
		tok, err := c.AccessToken(ctx)
		require.NoError(t, err)
		tokens[tok] = true
	}
	require.Len(t, tokens, 1)
	require.Equal(t, 1, up.count(classicTokenPath))
	var rejected string
	for tok := range tokens {
		rejected = tok
	}

	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			_, err := c.InvalidateAccessToken(ctx, rejected)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 2, up.count(classicTokenPath), "the rejected token was replaced once for all isolates")

	// A late report of the same rejection changes nothing.
	tok, err := clients[0].InvalidateAccessToken(ctx, rejected)
	require.NoError(t, err)
	assert.NotEqual(t, rejected, tok)
	assert.Equal(t, 2, up.count(classicTokenPath))
}

// TestCoordinatedForcedTicketRefresh: every isolate holds the card ticket
// when it is reported invalid everywhere at once (RefreshCardTicket). It is
// replaced once; the isolates whose memory still holds the replaced one get
// the replacement without a fetch.
func TestCoordinatedForcedTicketRefresh(t *testing.T) {
	t.Parallel()
	clients, up := isolates(t, 4)
	ctx := t.Context()
	for _, c := range clients {
		_, err := c.CardTicket(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, 1, up.count(cardTicketPath))

	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			_, err := c.RefreshCardTicket(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 2, up.count(cardTicketPath), "one forced refresh for all isolates")
	assert.Equal(t, 1, up.count(stableTokenPath))
}

// TestCoordinatedWaitersWaitAtTheCoordinator: while the lease holder's
// fetches take 300 ms each, the other isolates wait at the coordinator for
// the value to change instead of polling it every few milliseconds, so a
// stampede over 8 isolates costs the coordinator tens of calls, not
// hundreds (polling every 5-20 ms would take about 7 × 2 × 600 ms / 15 ms).
func TestCoordinatedWaitersWaitAtTheCoordinator(t *testing.T) {
	t.Parallel()
	clients, up, coord := isolatesOn(t, 8, []emulator.Option{emulator.WithLatency(300 * time.Millisecond)})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			_, err := c.CardTicket(t.Context())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, up.count(cardTicketPath))
	assert.Equal(t, 1, up.count(stableTokenPath))
	calls := coord.callCount()
	t.Logf("coordinator calls for the stampede: %d", calls)
	assert.Less(t, calls, 150)
}
