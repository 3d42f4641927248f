// Package testclock has the settable clock that tests hand to code with an
// injectable "now" (token expiry, backoff, TTLs), so time moves only when
// the test says so and nothing waits on the wall clock.
package testclock

import (
	"sync"
	"time"
)

// Start is the instant a clock from New shows until it is advanced: a fixed
// time, so expiry arithmetic in a test reads the same on every run.
var Start = time.Unix(1_750_000_000, 0)

// Clock is safe for concurrent use: the code under test reads it from its
// own goroutines while the test advances it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that shows Start.
func New() *Clock { return At(Start) }

// At returns a clock that shows t.
func At(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; its method value fits any func() time.Time
// option.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
