package workerkv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/internal/args"
)

// Coordinator is a strongly consistent store with leases, shared by every
// isolate of a Worker in every location: in a Worker, the ticket
// coordinator Durable Object (OpenCoordinator). Values are envelopes as
// Store writes them to KV; their expiry is judged by the Go side.
type Coordinator interface {
	// Get returns the envelope under key; ok is false if there is none.
	Get(ctx context.Context, key string) (envelope string, ok bool, err error)
	// AwaitChange is Get once the envelope under key differs from known
	// (knownOK false: from none), or after wait at the latest; it may
	// answer sooner (a lease was released).
	AwaitChange(ctx context.Context, key, known string, knownOK bool, wait time.Duration) (envelope string, ok bool, err error)
	Put(ctx context.Context, key, envelope string) error
	Delete(ctx context.Context, key string) error
	// TryLock and Unlock are kv.Locker's, with the coordinator's clock
	// deciding when a lease has run out.
	TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	Unlock(ctx context.Context, key, owner string) (bool, error)
}

// Coordinated is a kv.Store and kv.Locker for one app whose authority is a
// Coordinator, with a Store (Workers KV and the isolate's memory) as its
// read cache. Given to the admin client, it makes the client's refresh
// lock, and the reads that decide whether to fetch, strongly consistent
// across isolates and locations, so that a stampede costs one fetch of each
// credential in total instead of one per isolate; routine reads still come
// from memory or KV.
//
// Reads are served from the cache until this Coordinated is asked for a
// lock. The admin client asks for one only when the value it read is
// missing, due or rejected; from then on every read goes to the
// Coordinator, which holds what the lease holder writes, until the lock is
// released (or, for a lock that was refused, for a short while after the
// last attempt: the admin client polls lock and value in turn while it
// waits). A cache that lags the Coordinator therefore costs a lock round
// trip, never a second fetch, and never hides a newer value from a
// compare-and-refresh. While the admin client waits, a read that follows a
// refused lock and repeats an earlier one waits at the Coordinator for the
// value to change (AwaitChange, up to awaitWait, or until a lease is
// released), so the wait costs a few Coordinator calls, not one per poll.
//
// Writes go to the Coordinator first, then to KV and memory. It is safe for
// concurrent use.
type Coordinated struct {
	cache *Store
	coord Coordinator

	mu sync.Mutex
	// held maps lock key + owner to the lease's end: while any is held,
	// reads go to the Coordinator.
	held map[heldLock]time.Time
	// waitingUntil extends Coordinator reads past a refused lock.
	waitingUntil time.Time
	// awaitNext is set by a refused lock: the next read may wait for a
	// change of what lastSeen holds for its key, the Coordinator's answers
	// since the waiting began.
	awaitNext bool
	lastSeen  map[string]seen
}

type seen struct {
	envelope string
	ok       bool
}

var (
	_ kv.Store  = (*Coordinated)(nil)
	_ kv.Locker = (*Coordinated)(nil)
)

// waitWindow is how long reads keep going to the Coordinator after a
// refused lock. The admin client tries the lock again every 20 ms at most
// while it waits, so each attempt renews it long before it ends.
const waitWindow = 2 * time.Second

// awaitWait bounds a read that waits for a change. The Coordinator ends it
// early when a lease is released, so a holder that gives up without writing
// does not keep its waiters this long.
const awaitWait = time.Second

// MaxLeaseTTL bounds a lock's ttl: the coordinator object refuses longer
// leases (a holder that dies keeps everyone waiting for that long).
const MaxLeaseTTL = 5 * time.Minute

// ErrCoordinator is matched (errors.Is) by every error of a failed
// Coordinator call.
var ErrCoordinator = errors.New("workerkv: coordinator failed")

// NewCoordinated returns a Coordinated with coord as its authority and
// cache (whose clock it uses) as its read cache.
func NewCoordinated(cache *Store, coord Coordinator) (*Coordinated, error) {
	if cache == nil || coord == nil {
		return nil, errors.New("workerkv: NewCoordinated: nil cache or coordinator")
	}
	return &Coordinated{cache: cache, coord: coord, held: map[heldLock]time.Time{}, lastSeen: map[string]seen{}}, nil
}

// Get returns the value under key. Outside a refresh it comes from memory
// or KV if either has it, else from the Coordinator; during one, from the
// Coordinator, else from KV if the Coordinator has none (a deployment that
// was KV-only until now).
func (c *Coordinated) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := args.CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := c.cache.now()
	authoritative := c.authoritative(now)
	if !authoritative {
		if v, ok, err := c.cache.Get(ctx, key); err == nil && ok {
			return v, true, nil
		}
		// A KV failure is no reason to fail a read the Coordinator can
		// answer.
	}
	envelope, ok, err := c.coordGet(ctx, key, authoritative)
	if err != nil {
		return nil, false, fmt.Errorf("%w: get %q: %w", ErrCoordinator, key, err)
	}
	// The read may have waited at the Coordinator.
	now = c.cache.now()
	if ok {
		value, expiry, valid := decode(envelope)
		if valid && (expiry == 0 || now.UnixMilli() < expiry) {
			c.cache.memPut(key, envelope, now)
			return value, true, nil
		}
		return nil, false, nil
	}
	if authoritative {
		return c.cache.getKV(key, now)
	}
	return nil, false, nil
}

// coordGet reads key from the Coordinator, waiting for a change when the
// read follows a refused lock and the Coordinator has answered this read
// before during the wait.
func (c *Coordinated) coordGet(ctx context.Context, key string, authoritative bool) (string, bool, error) {
	c.mu.Lock()
	last, repeat := c.lastSeen[key]
	wait := authoritative && c.awaitNext && repeat
	c.awaitNext = false
	c.mu.Unlock()
	var envelope string
	var ok bool
	var err error
	if wait {
		envelope, ok, err = c.coord.AwaitChange(ctx, key, last.envelope, last.ok, awaitWait)
	} else {
		envelope, ok, err = c.coord.Get(ctx, key)
	}
	if err == nil && authoritative {
		c.mu.Lock()
		c.lastSeen[key] = seen{envelope, ok}
		c.mu.Unlock()
	}
	return envelope, ok, err
}

// Set stores value under key in the Coordinator, then in KV and memory. KV
// is written even when the Coordinator fails, so that a Coordinator outage
// does not leave every isolate without the value; the failure is returned.
func (c *Coordinated) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := args.CheckSet(key, ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var expiry int64
	if ttl > 0 {
		expiry = c.cache.now().Add(ttl).UnixMilli()
	}
	var coordErr error
	if err := c.coord.Put(ctx, key, encode(value, expiry)); err != nil {
		coordErr = fmt.Errorf("%w: put %q: %w", ErrCoordinator, key, err)
	}
	if err := c.cache.Set(ctx, key, value, ttl); err != nil {
		return errors.Join(coordErr, err)
	}
	return coordErr
}

// Delete removes key from the Coordinator, KV and memory.
func (c *Coordinated) Delete(ctx context.Context, key string) error {
	if err := args.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.coord.Delete(ctx, key); err != nil {
		return fmt.Errorf("%w: delete %q: %w", ErrCoordinator, key, err)
	}
	return c.cache.Delete(ctx, key)
}

// TryLock takes the lease key from the Coordinator. Whatever the answer,
// reads go to the Coordinator from now on: the caller is refreshing, or
// waiting for whoever is.
func (c *Coordinated) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := args.CheckLock(key, owner, ttl); err != nil {
		return false, err
	}
	if ttl > MaxLeaseTTL {
		return false, fmt.Errorf("%w: lock ttl %s is over %s", kv.ErrInvalidArgument, ttl, MaxLeaseTTL)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	start := c.cache.now()
	acquired, err := c.coord.TryLock(ctx, key, owner, ttl)
	if err != nil {
		return false, fmt.Errorf("%w: lock %q: %w", ErrCoordinator, key, err)
	}
	now := c.cache.now()
	c.mu.Lock()
	if acquired {
		c.held[heldLock{key, owner}] = start.Add(ttl)
		c.awaitNext = false
	} else {
		if until := now.Add(min(ttl, waitWindow)); until.After(c.waitingUntil) {
			c.waitingUntil = until
		}
		c.awaitNext = true
	}
	c.mu.Unlock()
	return acquired, nil
}

// Unlock releases key at the Coordinator if owner holds it.
func (c *Coordinated) Unlock(ctx context.Context, key, owner string) (bool, error) {
	if err := args.CheckLock(key, owner, time.Second); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c.mu.Lock()
	delete(c.held, heldLock{key, owner})
	c.mu.Unlock()
	released, err := c.coord.Unlock(ctx, key, owner)
	if err != nil {
		return false, fmt.Errorf("%w: unlock %q: %w", ErrCoordinator, key, err)
	}
	return released, nil
}

// authoritative reports whether reads must go to the Coordinator, and
// forgets leases whose time has passed.
func (c *Coordinated) authoritative(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	yes := now.Before(c.waitingUntil)
	if !yes && len(c.lastSeen) > 0 {
		// The wait is over: what the Coordinator said during it is no
		// reason to wait next time.
		clear(c.lastSeen)
		c.awaitNext = false
	}
	for l, until := range c.held {
		if now.Before(until) {
			yes = true
		} else {
			delete(c.held, l)
		}
	}
	return yes
}

type heldLock struct{ key, owner string }
