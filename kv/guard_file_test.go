//go:build linux

package kv

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests reach into File for its bbolt handle, to make the file fail
// the ways a disk does; they live in package kv for that.

func openTestFile(t *testing.T) *File {
	t.Helper()
	f, err := OpenFile(filepath.Join(t.TempDir(), "kv.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// fdOf finds the descriptor this process has open on path.
func fdOf(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == path {
			fd, err := strconv.Atoi(e.Name())
			require.NoError(t, err)
			return fd
		}
	}
	t.Fatalf("no descriptor open on %s", path)
	return -1
}

// TestGuardFileLocked: a write transaction that does not end (another
// goroutine's, or a commit stuck in fsync) holds bbolt's writer lock. A
// guarded Set gives up at its deadline, reads still work, and the circuit
// holds until the stuck write is over.
func TestGuardFileLocked(t *testing.T) {
	t.Parallel()
	f := openTestFile(t)
	ctx := t.Context()
	require.NoError(t, f.Set(ctx, "k", []byte("v"), time.Hour))
	g, err := Guard(f, WithCallTimeout(30*time.Millisecond), WithFailureThreshold(1))
	require.NoError(t, err)

	tx, err := f.db.Begin(true)
	require.NoError(t, err)
	start := time.Now()
	err = g.Set(ctx, "k", []byte("new"), time.Hour)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), time.Second)
	_, err = g.(Locker).TryLock(ctx, "k:lock", "me", time.Second)
	require.ErrorIs(t, err, ErrUnavailable, "skipped while the file is locked")

	require.NoError(t, tx.Rollback())
	// The abandoned Set now runs to its end; the next probe (after the
	// one-second default backoff) finds the file writable again.
	require.Eventually(t, func() bool {
		v, ok, err := g.Get(ctx, "k")
		return err == nil && ok && string(v) == "new"
	}, 5*time.Second, 20*time.Millisecond)
}

// TestGuardFileFailingDisk: every write fails (the file's descriptor now
// points at /dev/full: ENOSPC, as a full or dying disk answers). The
// writes fail fast, the circuit opens, and reads of what was written
// before still work through the unguarded store.
func TestGuardFileFailingDisk(t *testing.T) {
	t.Parallel()
	f := openTestFile(t)
	ctx := t.Context()
	require.NoError(t, f.Set(ctx, "k", []byte("v"), time.Hour))
	full, err := os.OpenFile("/dev/full", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	require.NoError(t, syscall.Dup3(int(full.Fd()), fdOf(t, f.db.Path()), syscall.O_CLOEXEC))

	g, err := Guard(f, WithCallTimeout(time.Second), WithFailureThreshold(2))
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		start := time.Now()
		err := g.Set(ctx, "k", []byte("new"), time.Hour)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrUnavailable)
		assert.Less(t, time.Since(start), time.Second)
	}
	require.ErrorIs(t, g.Set(ctx, "k", []byte("new"), time.Hour), ErrUnavailable)
	v, ok, err := f.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v", string(v), "the failed writes changed nothing")
}
