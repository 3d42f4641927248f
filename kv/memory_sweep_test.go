package kv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A store used only for locks (one short lock per event) must not keep
// every expired lock forever.
func TestMemorySweepsExpiredLocksOnTryLock(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	m := NewMemory()
	m.now = func() time.Time { return now }
	ok, err := m.TryLock(t.Context(), "old", "owner", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	now = now.Add(time.Minute)
	m.sets = sweepEvery - 1 // the next write is the one that sweeps
	ok, err = m.TryLock(t.Context(), "new", "owner", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	m.mu.Lock()
	defer m.mu.Unlock()
	assert.Len(t, m.locks, 1, "the expired lock is gone")
	assert.Contains(t, m.locks, "new")
}
