package workerkv_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testclock"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/kv/workerkv"
)

// fakeNamespace behaves like a Workers KV binding seen through syumai's
// GetString: a missing key is "<null>", and it refuses TTLs under 60 s as
// Cloudflare does. The adapter runs against real Workers KV in workerd in
// edge/worker's integration test.
type fakeNamespace struct {
	mu      sync.Mutex
	values  map[string]string
	ttls    map[string]int
	failing error
	gets    int
}

// requireGet reads key from s, where it must be stored.
func requireGet(t *testing.T, s kv.Store, key string) []byte {
	t.Helper()
	got, ok, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	require.True(t, ok, "%s is stored", key)
	return got
}

func newFakeNamespace() *fakeNamespace {
	return &fakeNamespace{values: map[string]string{}, ttls: map[string]int{}}
}

func (f *fakeNamespace) GetString(key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return "", f.failing
	}
	f.gets++
	v, ok := f.values[key]
	if !ok {
		return workerkv.NullValue, nil
	}
	return v, nil
}

func (f *fakeNamespace) PutString(key, value string, ttl int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return f.failing
	}
	if ttl != 0 && ttl < 60 {
		return errors.New("KV PUT failed: 400 Invalid expiration_ttl of " + string(rune('0'+ttl%10)))
	}
	f.values[key] = value
	f.ttls[key] = ttl
	return nil
}

func (f *fakeNamespace) Delete(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return f.failing
	}
	delete(f.values, key)
	return nil
}

func newStore(t *testing.T) (*workerkv.Store, *fakeNamespace, *testclock.Clock) {
	t.Helper()
	ns := newFakeNamespace()
	clk := testclock.New()
	s, err := workerkv.New(ns, workerkv.WithClock(clk.Now))
	require.NoError(t, err)
	return s, ns, clk
}

func TestMissingKeyIsAMiss(t *testing.T) {
	s, ns, _ := newStore(t)
	ctx := context.Background()
	v, ok, err := s.Get(ctx, "absent")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, v)

	// Text this package did not write, including a literal "<null>", is a miss too.
	for _, raw := range []string{"<null>", "hello", "wxkv1:", "wxkv1:x:aGk=", "wxkv1:0:***", "wxkv1:-5:aGk="} {
		ns.values["foreign"] = raw
		_, ok, err := s.Get(ctx, "foreign")
		require.NoError(t, err)
		assert.False(t, ok, raw)
	}
}

func TestRoundTripAnyBytes(t *testing.T) {
	s, ns, _ := newStore(t)
	ctx := context.Background()
	for _, value := range [][]byte{{}, []byte("<null>"), []byte(`{"v":"ticket","exp":1}`), {0, 0xff, '\n', 0x80}} {
		require.NoError(t, s.Set(ctx, "k", value, 0))
		assert.Equal(t, value, requireGet(t, s, "k"))
		assert.Zero(t, ns.ttls["k"], "ttl 0 keeps the entry")
	}
}

func TestShortTTLIsExactButKVGetsAtLeast60s(t *testing.T) {
	tests := []struct {
		ttl    time.Duration
		kvTTL  int
		before time.Duration
	}{
		{5 * time.Second, 60, 4999 * time.Millisecond},
		{1500 * time.Millisecond, 60, time.Second},
		{90*time.Second + time.Millisecond, 91, 90 * time.Second},
		{7200 * time.Second, 7200, 7199 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.ttl.String(), func(t *testing.T) {
			s, ns, clk := newStore(t)
			ctx := context.Background()
			require.NoError(t, s.Set(ctx, "k", []byte("v"), tt.ttl))
			assert.Equal(t, tt.kvTTL, ns.ttls["k"])
			clk.Advance(tt.before)
			_, ok, err := s.Get(ctx, "k")
			require.NoError(t, err)
			assert.True(t, ok, "still valid before its ttl")
			clk.Advance(tt.ttl - tt.before)
			_, ok, err = s.Get(ctx, "k")
			require.NoError(t, err)
			assert.False(t, ok, "expired at its ttl although KV still holds it")
		})
	}
}

func TestInvalidArguments(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	long := strings.Repeat("k", kv.MaxKeyLen+1)
	_, _, err := s.Get(ctx, "")
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	_, _, err = s.Get(ctx, long)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	assert.ErrorIs(t, s.Set(ctx, "k", nil, -time.Second), kv.ErrInvalidArgument)
	assert.ErrorIs(t, s.Set(ctx, long, nil, 0), kv.ErrInvalidArgument)
	assert.ErrorIs(t, s.Delete(ctx, ""), kv.ErrInvalidArgument)

	_, err = workerkv.New(nil)
	assert.Error(t, err)
	_, err = workerkv.New(newFakeNamespace(), nil)
	assert.Error(t, err)
	_, err = workerkv.New(newFakeNamespace(), workerkv.WithClock(nil))
	assert.Error(t, err)
}

func TestErrorsAreWrappedAndCtxIsChecked(t *testing.T) {
	s, ns, _ := newStore(t)
	boom := errors.New("KV GET failed: 503")
	ns.failing = boom
	ctx := context.Background()
	_, _, err := s.Get(ctx, "k")
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, s.Set(ctx, "k", []byte("v"), 0), boom)
	assert.ErrorIs(t, s.Delete(ctx, "k"), boom)

	ns.failing = nil
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = s.Get(cancelled, "k")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.Set(cancelled, "k", nil, 0), context.Canceled)
	assert.ErrorIs(t, s.Delete(cancelled, "k"), context.Canceled)
}

func TestMemoryCache(t *testing.T) {
	ns := newFakeNamespace()
	clk := testclock.New()
	s, err := workerkv.New(ns, workerkv.WithClock(clk.Now), workerkv.WithMemoryCache(10*time.Second))
	require.NoError(t, err)
	other, err := workerkv.New(ns, workerkv.WithClock(clk.Now)) // another isolate on the same namespace
	require.NoError(t, err)
	ctx := context.Background()

	// Misses are not cached: another isolate's write is seen at once.
	_, ok, err := s.Get(ctx, "k")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, other.Set(ctx, "k", []byte("v1"), time.Hour))
	got, ok, err := s.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v1", string(got))

	// A hit is served from memory while it is young.
	gets := ns.gets
	got[0] = 'X' // callers may modify what they get
	for i := 0; i < 5; i++ {
		got, ok, err = s.Get(ctx, "k")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "v1", string(got))
	}
	assert.Equal(t, gets, ns.gets, "no KV read while the memory copy is young")

	// Another isolate's update is seen once the memory copy is maxAge old.
	require.NoError(t, other.Set(ctx, "k", []byte("v2"), time.Hour))
	clk.Advance(10 * time.Second)
	got, _, _ = s.Get(ctx, "k")
	assert.Equal(t, "v2", string(got))

	// Own writes and deletes go through memory at once.
	require.NoError(t, s.Set(ctx, "k", []byte("v3"), 2*time.Second))
	got, _, _ = s.Get(ctx, "k")
	assert.Equal(t, "v3", string(got))
	clk.Advance(2 * time.Second)
	_, ok, _ = s.Get(ctx, "k")
	assert.False(t, ok, "the value's own expiry applies in memory too")
	require.NoError(t, s.Set(ctx, "k", []byte("v4"), 0))
	require.NoError(t, s.Delete(ctx, "k"))
	_, ok, _ = s.Get(ctx, "k")
	assert.False(t, ok)

	for _, bad := range []time.Duration{0, -time.Second, workerkv.MaxMemoryAge + time.Second} {
		_, err := workerkv.New(ns, workerkv.WithMemoryCache(bad))
		assert.Error(t, err, bad)
	}
}

// The Store passes the suite every kv.Store and kv.Locker passes, on KV
// alone and with the memory layer; with it, the Stores of one subtest share
// an Isolate, as the Go instances of one Worker isolate do.
func TestStoreConformance(t *testing.T) {
	configs := []struct {
		name string
		opts func() []workerkv.Option
	}{
		{"KVOnly", func() []workerkv.Option { return nil }},
		{"MemoryCache", func() []workerkv.Option {
			return []workerkv.Option{workerkv.WithMemoryCache(time.Minute), workerkv.WithIsolate(workerkv.NewMemoryIsolate())}
		}},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			kvtest.Run(t, func(t *testing.T) kv.Store {
				s, err := workerkv.New(newFakeNamespace(), cfg.opts()...)
				require.NoError(t, err)
				return s
			})
		})
	}
}

// TestIsolateSharesCacheAndLocks: two Go instances of one isolate (two
// Stores on one Isolate) see each other's writes at once, even inside the
// memory layer's age, and exclude each other from a lock; a Store of
// another isolate does neither.
func TestIsolateSharesCacheAndLocks(t *testing.T) {
	ns := newFakeNamespace()
	clk := testclock.New()
	iso := workerkv.NewMemoryIsolate()
	open := func(opts ...workerkv.Option) *workerkv.Store {
		s, err := workerkv.New(ns, append([]workerkv.Option{workerkv.WithClock(clk.Now), workerkv.WithMemoryCache(30 * time.Second)}, opts...)...)
		require.NoError(t, err)
		return s
	}
	a, b := open(workerkv.WithIsolate(iso)), open(workerkv.WithIsolate(iso))
	elsewhere := open()
	ctx := t.Context()

	require.NoError(t, a.Set(ctx, "ticket", []byte("first"), time.Hour))
	for _, s := range []*workerkv.Store{b, elsewhere} {
		got, ok, err := s.Get(ctx, "ticket")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "first", string(got))
	}
	gets := ns.gets
	require.NoError(t, a.Set(ctx, "ticket", []byte("second"), time.Hour))
	got, _, _ := b.Get(ctx, "ticket")
	assert.Equal(t, "second", string(got), "b shares a's memory layer")
	assert.Equal(t, gets, ns.gets, "from memory, not KV")
	got, _, _ = elsewhere.Get(ctx, "ticket")
	assert.Equal(t, "first", string(got), "another isolate keeps its copy until it ages out")

	ok, err := a.TryLock(ctx, "lock", "a", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = b.TryLock(ctx, "lock", "b", time.Second)
	require.NoError(t, err)
	assert.False(t, ok, "one isolate, one holder")
	ok, err = elsewhere.TryLock(ctx, "lock", "elsewhere", time.Second)
	require.NoError(t, err)
	assert.True(t, ok, "the lock does not reach other isolates")
	clk.Advance(time.Second)
	ok, err = b.TryLock(ctx, "lock", "b", time.Second)
	require.NoError(t, err)
	assert.True(t, ok, "an expired lock is free")
	released, err := a.Unlock(ctx, "lock", "a")
	require.NoError(t, err)
	assert.False(t, released, "a's lock had expired; b's stays")
	released, err = b.Unlock(ctx, "lock", "b")
	require.NoError(t, err)
	assert.True(t, released)

	_, err = workerkv.New(ns, workerkv.WithIsolate(nil))
	assert.Error(t, err)
}
