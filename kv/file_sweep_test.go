//go:build !js && !wasip1

package kv

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestFileSweepsExpiredLocksOnTryLock(t *testing.T) {
	t.Parallel()
	f, err := OpenFile(filepath.Join(t.TempDir(), "locks.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	now := time.Unix(1700000000, 0)
	f.now = func() time.Time { return now }
	ok, err := f.TryLock(t.Context(), "old", "owner", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	now = now.Add(time.Minute)
	// The next lock is the one that sweeps.
	require.NoError(t, f.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(locksBucket).SetSequence(sweepEvery) }))
	ok, err = f.TryLock(t.Context(), "new", "owner", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, f.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(locksBucket)
		assert.Nil(t, b.Get([]byte("old")), "the expired lock is gone")
		assert.NotNil(t, b.Get([]byte("new")))
		return nil
	}))
}
