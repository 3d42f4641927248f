package testclock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/internal/testclock"
)

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	t.Parallel()
	c := testclock.New()
	assert.Equal(t, testclock.Start, c.Now())
	assert.Equal(t, testclock.Start, c.Now(), "reading the clock does not move it")

	c.Advance(90 * time.Second)
	assert.Equal(t, testclock.Start.Add(90*time.Second), c.Now())
	c.Advance(-30 * time.Second)
	assert.Equal(t, testclock.Start.Add(time.Minute), c.Now())
}

func TestClockAt(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	c := testclock.At(at)
	assert.Equal(t, at, c.Now())
	c.Advance(time.Hour)
	assert.Equal(t, at.Add(time.Hour), c.Now())
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := testclock.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, testclock.Start.Add(800*time.Millisecond), c.Now())
}

func ExampleClock() {
	clk := testclock.New()
	expiry := clk.Now().Add(2 * time.Hour)
	clk.Advance(2*time.Hour + time.Second)
	fmt.Println(clk.Now().After(expiry))
	// Output: true
}
