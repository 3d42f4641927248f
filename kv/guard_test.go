package kv_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testclock"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

func guardOf(t *testing.T, s kv.Store, opts ...kv.GuardOption) kv.Store {
	t.Helper()
	g, err := kv.Guard(s, opts...)
	require.NoError(t, err)
	return g
}

func TestGuardConformance(t *testing.T) {
	t.Parallel()
	// The deadline is not under test here, and a 1 MB copy under -race on
	// a busy machine can outlast the default.
	kvtest.Run(t, func(t *testing.T) kv.Store { return guardOf(t, kv.NewMemory(), kv.WithCallTimeout(time.Minute)) })
}

func TestGuardOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opt  kv.GuardOption
	}{
		{"nil option", nil},
		{"zero timeout", kv.WithCallTimeout(0)},
		{"huge timeout", kv.WithCallTimeout(time.Hour)},
		{"zero threshold", kv.WithFailureThreshold(0)},
		{"huge threshold", kv.WithFailureThreshold(1001)},
		{"min above max", kv.WithBackoff(time.Minute, time.Second)},
		{"zero backoff", kv.WithBackoff(0, time.Second)},
		{"nil logger", kv.WithGuardLogger(nil)},
		{"nil clock", kv.WithGuardClock(nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := kv.Guard(kv.NewMemory(), tt.opt)
			assert.ErrorIs(t, err, kv.ErrInvalidArgument)
		})
	}
	_, err := kv.Guard(nil)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
}

// lockless hides a store's Locker.
type lockless struct{ kv.Store }

func TestGuardKeepsLockerness(t *testing.T) {
	t.Parallel()
	g := guardOf(t, kv.NewMemory())
	_, ok := g.(kv.Locker)
	assert.True(t, ok, "a Locker stays a Locker")
	assert.True(t, kv.IsGuarded(g))
	assert.False(t, kv.IsGuarded(kv.NewMemory()))

	g = guardOf(t, lockless{kv.NewMemory()})
	_, ok = g.(kv.Locker)
	assert.False(t, ok, "a store without locks does not gain them")
}

// scripted is a store whose calls fail, hang or succeed as a test says,
// for the circuit's own unit tests.
type scripted struct {
	mu    sync.Mutex
	err   error         // returned by every call when set
	hang  chan struct{} // when set, calls wait for it (or their ctx)
	calls int
}

func (s *scripted) do(ctx context.Context) error {
	s.mu.Lock()
	s.calls++
	err, hang := s.err, s.hang
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (s *scripted) set(err error, hang chan struct{}) {
	s.mu.Lock()
	s.err, s.hang = err, hang
	s.mu.Unlock()
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *scripted) Get(ctx context.Context, _ string) ([]byte, bool, error) {
	return nil, false, s.do(ctx)
}
func (s *scripted) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	return s.do(ctx)
}
func (s *scripted) Delete(ctx context.Context, _ string) error { return s.do(ctx) }

var errDisk = errors.New("input/output error")

// TestGuardCircuit walks the circuit through its states: closed, open after
// the threshold, a failed probe doubling the wait, a good probe closing it.
func TestGuardCircuit(t *testing.T) {
	t.Parallel()
	inner := &scripted{}
	clk := testclock.New()
	var logs syncbuf.Buffer
	g := guardOf(t, inner, kv.WithFailureThreshold(2), kv.WithBackoff(time.Second, 3*time.Second),
		kv.WithGuardClock(clk.Now), kv.WithGuardLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := t.Context()

	inner.set(errDisk, nil)
	for i := 0; i < 2; i++ {
		_, _, err := g.Get(ctx, "k")
		require.ErrorIs(t, err, errDisk, "below the threshold the store's own error comes through")
	}
	for i := 0; i < 10; i++ {
		_, _, err := g.Get(ctx, "k")
		require.ErrorIs(t, err, kv.ErrUnavailable)
	}
	assert.Equal(t, 2, inner.count(), "an open circuit does no I/O")

	clk.Advance(time.Second)
	require.ErrorIs(t, g.Set(ctx, "k", nil, 0), errDisk, "the probe reaches the store")
	require.ErrorIs(t, g.Delete(ctx, "k"), kv.ErrUnavailable)
	clk.Advance(time.Second)
	require.ErrorIs(t, g.Delete(ctx, "k"), kv.ErrUnavailable, "a failed probe doubles the wait")
	clk.Advance(time.Second)
	require.ErrorIs(t, g.Delete(ctx, "k"), errDisk, "probed again after 2 s")
	clk.Advance(3 * time.Second)
	inner.set(nil, nil)
	_, _, err := g.Get(ctx, "k")
	require.NoError(t, err, "the store is back")
	_, _, err = g.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 6, inner.count())

	out := logs.String()
	// One line when the circuit opens, one when it closes: state changes
	// only, never a line per failed call or probe.
	assert.Equal(t, 2, strings.Count(out, "level=WARN"), "two lines per outage:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, "store failing; skipping it"), out)
	assert.Equal(t, 1, strings.Count(out, "store answering again"), out)
	assert.NotContains(t, out, "input/output error", "a store's own error text is not logged")
}

// TestGuardDeadline: a store that hangs costs each call its deadline at
// most, the circuit opens, and it stays open while an abandoned call is
// still stuck.
func TestGuardDeadline(t *testing.T) {
	t.Parallel()
	inner := &scripted{}
	clk := testclock.New()
	g := guardOf(t, inner, kv.WithCallTimeout(20*time.Millisecond), kv.WithFailureThreshold(1),
		kv.WithBackoff(time.Second, time.Second), kv.WithGuardClock(clk.Now))
	hang := make(chan struct{})
	inner.set(nil, hang)
	start := time.Now()
	_, _, err := g.Get(t.Context(), "k")
	require.ErrorIs(t, err, kv.ErrTimeout)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's context is not done")
	assert.Less(t, time.Since(start), time.Second)
	_, _, err = g.Get(t.Context(), "k")
	require.ErrorIs(t, err, kv.ErrUnavailable)

	// The scripted store honours its context, so the abandoned call ends
	// at once; a store that does not would keep the circuit open.
	require.Eventually(t, func() bool {
		clk.Advance(time.Second)
		_, _, err := g.Get(t.Context(), "k")
		return errors.Is(err, kv.ErrTimeout)
	}, 5*time.Second, 5*time.Millisecond, "probed once the abandoned call returned")
	close(hang)
}

// ignoring is a store that ignores its context: a disk stuck in a syscall.
type ignoring struct {
	kv.Store
	release chan struct{}
}

func (s ignoring) Get(_ context.Context, key string) ([]byte, bool, error) {
	<-s.release
	return s.Store.Get(context.Background(), key)
}

func TestGuardAbandonedCallKeepsCircuitOpen(t *testing.T) {
	t.Parallel()
	inner := ignoring{Store: kv.NewMemory(), release: make(chan struct{})}
	clk := testclock.New()
	g := guardOf(t, inner, kv.WithCallTimeout(10*time.Millisecond), kv.WithFailureThreshold(1),
		kv.WithBackoff(time.Second, time.Second), kv.WithGuardClock(clk.Now))
	_, _, err := g.Get(t.Context(), "k")
	require.ErrorIs(t, err, kv.ErrTimeout)
	clk.Advance(time.Hour)
	_, _, err = g.Get(t.Context(), "k")
	require.ErrorIs(t, err, kv.ErrUnavailable, "no probe while the stuck call runs: stuck calls never pile up")
	close(inner.release)
	require.Eventually(t, func() bool {
		_, _, err := g.Get(t.Context(), "k")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond, "the store is probed once the stuck call is over")
}

func TestGuardCallerCancellationIsNotAFailure(t *testing.T) {
	t.Parallel()
	inner := &scripted{}
	g := guardOf(t, inner, kv.WithFailureThreshold(1), kv.WithCallTimeout(time.Minute))
	inner.set(nil, make(chan struct{}))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	_, _, err := g.Get(ctx, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the caller's own deadline, reported as such")
	assert.NotErrorIs(t, err, kv.ErrTimeout)

	inner.set(nil, nil)
	_, _, err = g.Get(t.Context(), "k")
	require.NoError(t, err, "the circuit did not open on the caller's deadline")

	cancelled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	_, _, err = g.Get(cancelled, "k")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, inner.count(), "a cancelled context does no I/O")
}

func TestGuardInvalidArgumentIsNotAFailure(t *testing.T) {
	t.Parallel()
	// A minute per call: a loaded machine must not turn a memory Set into
	// a timeout, which would be a failure and open the circuit.
	g := guardOf(t, kv.NewMemory(), kv.WithFailureThreshold(1), kv.WithCallTimeout(time.Minute))
	for i := 0; i < 3; i++ {
		require.ErrorIs(t, g.Set(t.Context(), "", nil, 0), kv.ErrInvalidArgument)
	}
	require.NoError(t, g.Set(t.Context(), "k", []byte("v"), 0))
}

// TestGuardProbesOneAtATime: when the backoff ends, one caller probes and
// the others keep failing fast instead of piling onto a dead store.
func TestGuardProbesOneAtATime(t *testing.T) {
	t.Parallel()
	inner := &scripted{}
	clk := testclock.New()
	g := guardOf(t, inner, kv.WithFailureThreshold(1), kv.WithCallTimeout(time.Minute),
		kv.WithBackoff(time.Second, time.Second), kv.WithGuardClock(clk.Now))
	inner.set(errDisk, nil)
	_, _, err := g.Get(t.Context(), "k")
	require.ErrorIs(t, err, errDisk)
	clk.Advance(time.Second)
	release := make(chan struct{})
	inner.set(nil, release)
	probe := make(chan error, 1)
	go func() {
		_, _, err := g.Get(t.Context(), "k")
		probe <- err
	}()
	require.Eventually(t, func() bool { return inner.count() == 2 }, 5*time.Second, time.Millisecond)
	for i := 0; i < 20; i++ {
		_, _, err := g.Get(t.Context(), "k")
		require.ErrorIs(t, err, kv.ErrUnavailable)
	}
	close(release)
	require.NoError(t, <-probe)
	_, _, err = g.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, 3, inner.count())
}

// TestGuardRedisFaults runs a real redis-server through the outages an
// operator sees and checks that no call stalls past the deadline, the
// circuit opens, and the store is used again once it is back.
func TestGuardRedisFaults(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	// Generous: the bound is what matters, not the exact figure, and this
	// machine is shared. The old behaviour took 1.7 s and 6 s.
	const stall = time.Second
	for _, tt := range []struct {
		name  string
		fault func(t *testing.T, srv *kvtest.RedisServer)
		heal  func(t *testing.T, srv *kvtest.RedisServer)
		want  error
	}{
		{"stopped", func(t *testing.T, srv *kvtest.RedisServer) { srv.Stop() },
			func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Restart()) }, nil},
		{"paused", func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Pause()) },
			func(t *testing.T, srv *kvtest.RedisServer) { require.NoError(t, srv.Resume()) }, kv.ErrTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := kvtest.StartRedis(t)
			t.Cleanup(func() { _ = srv.Resume() })
			r := openRedis(t, srv.URL())
			clk := testclock.New()
			g := guardOf(t, r, kv.WithCallTimeout(timeout), kv.WithGuardClock(clk.Now))
			ctx := t.Context()
			require.NoError(t, g.Set(ctx, "k", []byte("v"), time.Minute))

			tt.fault(t, srv)
			for i := 0; i < kv.DefaultFailureThreshold; i++ {
				start := time.Now()
				_, _, err := g.Get(ctx, "k")
				require.Error(t, err)
				if tt.want != nil {
					require.ErrorIs(t, err, tt.want)
				}
				assert.Less(t, time.Since(start), stall, "call %d", i)
			}
			_, err := g.(kv.Locker).TryLock(ctx, "k:lock", "me", time.Second)
			require.ErrorIs(t, err, kv.ErrUnavailable, "an open circuit answers without I/O")

			tt.heal(t, srv)
			clk.Advance(kv.DefaultMinBackoff)
			require.Eventually(t, func() bool {
				clk.Advance(kv.DefaultMaxBackoff)
				err := g.Set(ctx, "k", []byte("again"), time.Minute)
				return err == nil
			}, 5*time.Second, 10*time.Millisecond, "the store is used again once it is back")
			v, ok, err := g.Get(ctx, "k")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "again", string(v))
		})
	}
}

// TestRedisFailsFast: a Redis that does not answer costs a call at most its
// context's deadline, never go-redis's seconds of retries.
func TestRedisFailsFast(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		addr     func(t *testing.T) string
		deadline time.Duration // of the call; 0 for none
	}{
		// A server that accepts and never answers: the call's deadline
		// ends it.
		{"silent", func(t *testing.T) string { return kvtest.SilentListener(t) }, 50 * time.Millisecond},
		// Nothing listening: with no deadline at all, the call fails in one
		// dial, not after go-redis's default retries (~1.7 s).
		{"refused", func(t *testing.T) string {
			srv := kvtest.StartRedis(t)
			srv.Stop()
			return srv.Addr
		}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := openRedis(t, "redis://"+tt.addr(t)+"/0")
			ctx := t.Context()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			start := time.Now()
			_, _, err := r.Get(ctx, "k")
			require.Error(t, err)
			assert.Less(t, time.Since(start), time.Second)
		})
	}
}
