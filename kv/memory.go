package kv

import (
	"context"
	"sync"
	"time"

	"github.com/wxcard/wxcard/kv/internal/args"
)

// Memory is an in-process Store and Locker. It is the default store: it needs
// nothing and is right for a single process. Expired entries are dropped
// lazily, on access and in a periodic sweep done by Set and TryLock (there is no
// background goroutine).
type Memory struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]memEntry
	locks   map[string]memEntry
	sets    int
}

type memEntry struct {
	value  []byte
	expiry time.Time // zero: never
}

func (e memEntry) expired(now time.Time) bool {
	return !e.expiry.IsZero() && !now.Before(e.expiry)
}

// sweepEvery is how many Sets pass between sweeps of expired entries; it
// keeps the cost of sweeping constant per Set on average.
const sweepEvery = 1024

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{now: time.Now, entries: map[string]memEntry{}, locks: map[string]memEntry{}}
}

func (m *Memory) expiry(ttl time.Duration) time.Time {
	if ttl == 0 {
		return time.Time{}
	}
	return m.now().Add(ttl)
}

// Get implements Store. The returned slice is a copy.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if err := args.CheckKey(key); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil, false, nil
	}
	if e.expired(m.now()) {
		delete(m.entries, key)
		return nil, false, nil
	}
	return append([]byte{}, e.value...), true, nil
}

// Set implements Store. The value is copied.
func (m *Memory) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := args.CheckSet(key, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = memEntry{value: append([]byte{}, value...), expiry: m.expiry(ttl)}
	m.countWrite()
	return nil
}

// countWrite sweeps expired entries and locks every sweepEvery writes. Locks
// count too: a user of TryLock alone (events' dedup marks, one per push)
// would otherwise keep every expired lock forever. m.mu is held.
func (m *Memory) countWrite() {
	m.sets++
	if m.sets%sweepEvery != 0 {
		return
	}
	now := m.now()
	for k, e := range m.entries {
		if e.expired(now) {
			delete(m.entries, k)
		}
	}
	for k, e := range m.locks {
		if e.expired(now) {
			delete(m.locks, k)
		}
	}
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := args.CheckKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

// TryLock implements Locker. Locks live apart from values: a lock key never
// shows up in Get.
func (m *Memory) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := args.CheckLock(key, owner, ttl); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.locks[key]; ok && !l.expired(m.now()) {
		return false, nil
	}
	m.locks[key] = memEntry{value: []byte(owner), expiry: m.now().Add(ttl)}
	m.countWrite()
	return true, nil
}

// Unlock implements Locker.
func (m *Memory) Unlock(ctx context.Context, key, owner string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := args.CheckLock(key, owner, time.Second); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.locks[key]
	if !ok || l.expired(m.now()) || string(l.value) != owner {
		return false, nil
	}
	delete(m.locks, key)
	return true, nil
}
