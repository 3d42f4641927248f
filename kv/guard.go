package kv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ErrUnavailable is matched (errors.Is) by the error of a call that a
// guarded store skipped because the store behind it has been failing. No
// I/O was done; the call costs nothing.
var ErrUnavailable = errors.New("kv: store unavailable")

// ErrTimeout is matched by the error of a call that a guarded store cut off
// at its own deadline. It is deliberately not context.DeadlineExceeded: the
// caller's context is still live, only the store was slow.
var ErrTimeout = errors.New("kv: store call timed out")

// Defaults of Guard.
const (
	// DefaultCallTimeout bounds each call. A loopback or LAN Redis and a
	// local disk answer in well under a millisecond; a call still running
	// after 50 ms is stuck, and waiting longer only stalls the caller.
	DefaultCallTimeout = 50 * time.Millisecond
	// DefaultFailureThreshold is how many failures in a row open the
	// circuit (the store is skipped).
	DefaultFailureThreshold = 3
	// DefaultMinBackoff is how long an open circuit skips the store before
	// one call probes it again; each failed probe doubles it up to
	// DefaultMaxBackoff.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps the time between probes of a dead store.
	DefaultMaxBackoff = 30 * time.Second
)

// GuardOption configures Guard.
type GuardOption func(*guardConfig) error

type guardConfig struct {
	timeout    time.Duration
	threshold  int
	minBackoff time.Duration
	maxBackoff time.Duration
	log        GuardLogger
	now        func() time.Time
}

// WithCallTimeout sets the deadline of each call, in (0, 1m]. The caller's
// own deadline still applies when it is earlier.
func WithCallTimeout(d time.Duration) GuardOption {
	return func(c *guardConfig) error {
		if d <= 0 || d > time.Minute {
			return fmt.Errorf("%w: call timeout must be in (0, 1m], got %s", ErrInvalidArgument, d)
		}
		c.timeout = d
		return nil
	}
}

// WithFailureThreshold sets how many consecutive failures open the circuit,
// in [1, 1000].
func WithFailureThreshold(n int) GuardOption {
	return func(c *guardConfig) error {
		if n < 1 || n > 1000 {
			return fmt.Errorf("%w: failure threshold must be in [1, 1000], got %d", ErrInvalidArgument, n)
		}
		c.threshold = n
		return nil
	}
}

// WithBackoff sets the first and the longest time an open circuit skips the
// store before probing it; 0 < min <= max <= 1h.
func WithBackoff(minWait, maxWait time.Duration) GuardOption {
	return func(c *guardConfig) error {
		if minWait <= 0 || minWait > maxWait || maxWait > time.Hour {
			return fmt.Errorf("%w: backoff must satisfy 0 < min <= max <= 1h, got %s and %s", ErrInvalidArgument, minWait, maxWait)
		}
		c.minBackoff, c.maxBackoff = minWait, maxWait
		return nil
	}
}

// GuardLogger is where a guard logs its state changes. *slog.Logger
// satisfies it, and so does the small logger the Worker build uses instead
// (log/slog would link most of encoding/json into a Worker's bundle).
type GuardLogger interface {
	WarnContext(ctx context.Context, msg string, args ...any)
}

// WithGuardLogger sets where the circuit's state changes are logged: one
// warning when it opens, one when the store answers again. The default
// discards them.
func WithGuardLogger(l GuardLogger) GuardOption {
	return func(c *guardConfig) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidArgument)
		}
		c.log = l
		return nil
	}
}

// WithGuardClock sets the clock the backoff is measured on (tests pin it).
func WithGuardClock(now func() time.Time) GuardOption {
	return func(c *guardConfig) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalidArgument)
		}
		c.now = now
		return nil
	}
}

// guarded marks the stores Guard returns, so that nobody wraps one twice.
type guarded interface{ guardedStore() }

// IsGuarded reports whether s was returned by Guard.
func IsGuarded(s Store) bool {
	_, ok := s.(guarded)
	return ok
}

// Guard wraps s so that a failing store costs its callers little: every
// call gets its own deadline (WithCallTimeout), and after a run of failures
// (WithFailureThreshold) the store is skipped, each call failing at once
// with ErrUnavailable, until the backoff has passed and one call probes it
// again. A probe that succeeds closes the circuit; one that fails doubles
// the backoff.
//
// A call that overruns its deadline is abandoned, not waited for: its
// goroutine finishes when the store answers or honours the cancelled
// context. While an abandoned call is still running the circuit stays
// open, so a store that hangs for good (a stuck disk) holds at most the
// calls that opened the circuit.
//
// Misses, invalid arguments and the caller's own cancellation are not
// failures. The result implements Locker if s does; its locks get the
// same treatment.
func Guard(s Store, opts ...GuardOption) (Store, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalidArgument)
	}
	cfg := guardConfig{
		timeout:    DefaultCallTimeout,
		threshold:  DefaultFailureThreshold,
		minBackoff: DefaultMinBackoff,
		maxBackoff: DefaultMaxBackoff,
		log:        discardGuardLog{},
		now:        time.Now,
	}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: GuardOption %d is nil", ErrInvalidArgument, i)
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	g := &guardStore{breaker: &breaker{cfg: cfg, backoff: cfg.minBackoff}, inner: s}
	if l, ok := s.(Locker); ok {
		return &guardLocker{guardStore: g, locker: l}, nil
	}
	return g, nil
}

type guardStore struct {
	*breaker
	inner Store
}

type guardLocker struct {
	*guardStore
	locker Locker
}

func (*guardStore) guardedStore() {}

type getResult struct {
	value []byte
	ok    bool
}

// Get implements Store.
func (g *guardStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	r, err := call(ctx, g.breaker, "get", func(ctx context.Context) (getResult, error) {
		v, ok, err := g.inner.Get(ctx, key)
		return getResult{v, ok}, err
	})
	return r.value, r.ok, err
}

// Set implements Store.
func (g *guardStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	_, err := call(ctx, g.breaker, "set", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.inner.Set(ctx, key, value, ttl)
	})
	return err
}

// Delete implements Store.
func (g *guardStore) Delete(ctx context.Context, key string) error {
	_, err := call(ctx, g.breaker, "delete", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.inner.Delete(ctx, key)
	})
	return err
}

// TryLock implements Locker.
func (g *guardLocker) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	return call(ctx, g.breaker, "lock", func(ctx context.Context) (bool, error) {
		return g.locker.TryLock(ctx, key, owner, ttl)
	})
}

// Unlock implements Locker.
func (g *guardLocker) Unlock(ctx context.Context, key, owner string) (bool, error) {
	return call(ctx, g.breaker, "unlock", func(ctx context.Context) (bool, error) {
		return g.locker.Unlock(ctx, key, owner)
	})
}

// breaker is the circuit and the per-call deadline shared by every method
// of one guarded store.
type breaker struct {
	cfg guardConfig

	mu        sync.Mutex
	failures  int           // consecutive, while closed
	open      bool          // skipping the store
	retryAt   time.Time     // when open: the earliest probe
	backoff   time.Duration // when open: the wait after the next failed probe
	probing   bool          // a probe is under way
	abandoned int           // calls cut off at their deadline, still running
}

// pending is one call's bookkeeping between its caller and its goroutine.
type pending struct {
	finished  bool
	abandoned bool
}

// call runs fn under the breaker with the call deadline.
func call[T any](ctx context.Context, b *breaker, op string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	probe, err := b.admit(op)
	if err != nil {
		return zero, err
	}
	cctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	p := &pending{}
	go func() {
		v, err := fn(cctx)
		b.mu.Lock()
		p.finished = true
		if p.abandoned {
			b.abandoned--
		}
		b.mu.Unlock()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() == nil && cctx.Err() != nil && !errors.Is(r.err, ErrInvalidArgument) {
			// The store gave up because of our deadline: say so in the
			// terms callers match on.
			r.err = fmt.Errorf("%w: %s did not finish within %s", ErrTimeout, op, b.cfg.timeout)
		}
		b.settle(ctx, op, probe, r.err)
		return r.v, r.err
	case <-cctx.Done():
		b.mu.Lock()
		if !p.finished {
			p.abandoned = true
			b.abandoned++
		}
		b.mu.Unlock()
		if err := ctx.Err(); err != nil {
			b.settle(ctx, op, probe, err)
			return zero, err
		}
		err := fmt.Errorf("%w: %s did not finish within %s", ErrTimeout, op, b.cfg.timeout)
		b.settle(ctx, op, probe, err)
		return zero, err
	}
}

// admit lets a call through, or refuses it while the circuit is open. The
// first call after the backoff is let through as the probe.
func (b *breaker) admit(op string) (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	now := b.cfg.now()
	if b.probing || b.abandoned > 0 || now.Before(b.retryAt) {
		return false, fmt.Errorf("%w: %s skipped, the store is failing (next probe in %s)", ErrUnavailable, op, max(b.retryAt.Sub(now), 0).Round(time.Millisecond))
	}
	b.probing = true
	return true, nil
}

// settle records a call's outcome.
func (b *breaker) settle(ctx context.Context, op string, probe bool, err error) {
	neutral := err != nil && (errors.Is(err, ErrInvalidArgument) || ctx.Err() != nil)
	b.mu.Lock()
	if probe {
		b.probing = false
	}
	switch {
	case neutral:
		b.mu.Unlock()
	case err == nil:
		wasOpen := b.open
		b.failures, b.open, b.backoff = 0, false, b.cfg.minBackoff
		b.mu.Unlock()
		if wasOpen {
			b.cfg.log.WarnContext(ctx, "kv: store answering again; using it", "op", op)
		}
	case probe:
		// A probe that fails again is not a state change: nothing is logged.
		b.retryAt = b.cfg.now().Add(b.backoff)
		b.backoff = min(2*b.backoff, b.cfg.maxBackoff)
		b.mu.Unlock()
	default:
		b.failures++
		opened := !b.open && b.failures >= b.cfg.threshold
		if opened {
			b.open = true
			b.backoff = min(2*b.cfg.minBackoff, b.cfg.maxBackoff)
			b.retryAt = b.cfg.now().Add(b.cfg.minBackoff)
		}
		failures := b.failures
		b.mu.Unlock()
		if opened {
			b.cfg.log.WarnContext(ctx, "kv: store failing; skipping it", "op", op,
				"failures", failures, "error", describe(err), "next_probe_in", b.cfg.minBackoff)
		}
	}
}

// describe says what went wrong without quoting a store's error text,
// which a store could fill with what it was given (a cached credential):
// timeouts and network errors, whose text names only addresses, are
// spelled out; anything else is named by its type.
func describe(err error) string {
	var opErr *net.OpError
	switch {
	case errors.Is(err, ErrTimeout):
		return "timed out"
	case errors.Is(err, ErrClosed):
		return "closed"
	case errors.As(err, &opErr):
		return opErr.Error()
	}
	return fmt.Sprintf("%T", err)
}

// discardGuardLog is the default GuardLogger.
type discardGuardLog struct{}

func (discardGuardLog) WarnContext(context.Context, string, ...any) {}
