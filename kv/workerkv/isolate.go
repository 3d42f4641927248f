package workerkv

import (
	"sync"
)

// Isolate is what the Go instances of one Workers isolate share with each
// other: a memory cache of the envelopes read from or written to KV, and
// locks. edge/worker's entry.mjs keeps several Go instances alive per
// isolate. With a cache each, every instance would remember the ticket it
// saw last; with no shared lock, each would fetch its own when the ticket
// runs out. WeChat does not document whether a getticket call invalidates
// the ticket before it, and if it does, every instance but the one that
// fetched last would sign with a dead ticket until its cache expires.
//
// Times are unix milliseconds from the Store's clock, passed in so that an
// implementation needs none of its own. Implementations must be safe for
// concurrent use; the JavaScript one (OpenIsolate) is, by JavaScript's
// single thread.
type Isolate interface {
	// CacheGet returns the envelope remembered under key and when it was
	// read from or written to KV.
	CacheGet(key string) (envelope string, fetchedMillis int64, ok bool)
	CachePut(key, envelope string, fetchedMillis int64)
	CacheDelete(key string)
	// TryLock takes key for owner until untilMillis unless someone holds it
	// (a holder whose time has passed holds nothing).
	TryLock(key, owner string, untilMillis, nowMillis int64) bool
	// Unlock releases key if owner holds it, reporting whether it still did.
	Unlock(key, owner string, nowMillis int64) bool
}

// NewMemoryIsolate returns an Isolate in Go memory: what a Store uses when
// given none, shared by nobody else, and what tests share between Stores
// to stand for the Go instances of one isolate.
func NewMemoryIsolate() Isolate {
	return &memoryIsolate{cache: map[string]cached{}, locks: map[string]lease{}}
}

type memoryIsolate struct {
	mu    sync.Mutex
	cache map[string]cached
	locks map[string]lease
}

type cached struct {
	envelope string
	fetched  int64
}

type lease struct {
	owner string
	until int64
}

func (m *memoryIsolate) CacheGet(key string) (string, int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cache[key]
	return c.envelope, c.fetched, ok
}

func (m *memoryIsolate) CachePut(key, envelope string, fetchedMillis int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cache[key] = cached{envelope, fetchedMillis}
}

func (m *memoryIsolate) CacheDelete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cache, key)
}

func (m *memoryIsolate) TryLock(key, owner string, untilMillis, nowMillis int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, held := m.locks[key]; held && l.until > nowMillis {
		return false
	}
	m.locks[key] = lease{owner, untilMillis}
	return true
}

func (m *memoryIsolate) Unlock(key, owner string, nowMillis int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, held := m.locks[key]
	if !held || l.owner != owner {
		return false
	}
	delete(m.locks, key)
	return l.until > nowMillis
}
