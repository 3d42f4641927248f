//go:build !js && !wasip1

package kv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

func openFile(t *testing.T, path string, opts ...kv.FileOption) *kv.File {
	t.Helper()
	f, err := kv.OpenFile(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func TestFileConformance(t *testing.T) {
	t.Parallel()
	kvtest.Run(t, func(t *testing.T) kv.Store {
		return openFile(t, filepath.Join(t.TempDir(), "kv.db"))
	})
}

func TestFileSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kv.db")
	f, err := kv.OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, f.Set(t.Context(), "k", []byte("kept"), time.Hour))
	require.NoError(t, f.Set(t.Context(), "gone", []byte("x"), time.Millisecond))
	require.NoError(t, f.Close())

	_, _, err = f.Get(t.Context(), "k")
	assert.ErrorIs(t, err, kv.ErrClosed)

	time.Sleep(5 * time.Millisecond)
	g := openFile(t, path)
	v, ok, err := g.Get(t.Context(), "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "kept", string(v))
	_, ok, err = g.Get(t.Context(), "gone")
	require.NoError(t, err)
	assert.False(t, ok, "TTLs hold across restarts")

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestFileSecondOpenerFailsClearly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kv.db")
	openFile(t, path)
	start := time.Now()
	_, err := kv.OpenFile(path, kv.WithOpenWait(100*time.Millisecond))
	require.ErrorIs(t, err, kv.ErrFileInUse)
	assert.Contains(t, err.Error(), "in use by another process")
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestFileOtherProcess opens the file from a child process while this one
// holds it: the child must fail with ErrFileInUse instead of hanging or
// corrupting the file.
func TestFileOtherProcess(t *testing.T) {
	if path := os.Getenv("KVTEST_CHILD_OPEN"); path != "" {
		_, err := kv.OpenFile(path, kv.WithOpenWait(200*time.Millisecond))
		if err == nil {
			os.Exit(3)
		}
		if !assert.ErrorIs(t, err, kv.ErrFileInUse) {
			os.Exit(4)
		}
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kv.db")
	f := openFile(t, path)
	require.NoError(t, f.Set(t.Context(), "k", []byte("v"), time.Hour))
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFileOtherProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KVTEST_CHILD_OPEN="+path)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	v, ok, err := f.Get(t.Context(), "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v", string(v))
}

func TestOpenFileBadArguments(t *testing.T) {
	t.Parallel()
	_, err := kv.OpenFile("")
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	_, err = kv.OpenFile(filepath.Join(t.TempDir(), "x.db"), kv.WithOpenWait(-1))
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	_, err = kv.OpenFile(filepath.Join(t.TempDir(), "x.db"), nil)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
	_, err = kv.OpenFile(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	assert.Error(t, err)
}
