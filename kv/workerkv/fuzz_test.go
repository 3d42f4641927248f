package workerkv_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv/workerkv"
)

// FuzzEnvelope stores arbitrary text in KV behind the adapter's back and
// arbitrary bytes through it: a read never fails or panics on foreign text,
// and whatever the adapter writes it reads back unchanged.
func FuzzEnvelope(f *testing.F) {
	for _, seed := range []string{"<null>", "wxkv1:0:aGk=", "wxkv1:99999999999999999999:", "wxkv1::", "wxkv1:1:=", ""} {
		f.Add(seed, []byte("v"))
	}
	f.Fuzz(func(t *testing.T, raw string, value []byte) {
		ns := newFakeNamespace()
		s, err := workerkv.New(ns, workerkv.WithClock(func() time.Time { return time.Unix(1_750_000_000, 0) }))
		require.NoError(t, err)
		ctx := context.Background()
		ns.values["k"] = raw
		_, _, err = s.Get(ctx, "k")
		require.NoError(t, err)

		require.NoError(t, s.Set(ctx, "k", value, time.Minute))
		require.True(t, bytes.Equal(value, requireGet(t, s, "k")))
	})
}

// FuzzCoordinated puts arbitrary text in the coordinator and in KV behind
// Coordinated's back, and reads it both outside and during a refresh: a
// read never fails or panics on foreign text, and what Coordinated writes
// it reads back unchanged from either side.
func FuzzCoordinated(f *testing.F) {
	for _, seed := range []string{"<null>", "wxkv1:0:aGk=", "wxkv1:1:aGk=", "wxkv1:99999999999999999999:", "wxkv1::", ""} {
		f.Add(seed, seed, []byte("v"))
	}
	f.Fuzz(func(t *testing.T, inCoordinator, inKV string, value []byte) {
		ns, coord := newFakeNamespace(), newMemoryCoordinator()
		c := newIsolateStore(t, ns, coord)
		ctx := context.Background()
		coord.values["k"] = inCoordinator
		ns.values["k"] = inKV
		_, _, err := c.Get(ctx, "k")
		require.NoError(t, err)
		ok, err := c.TryLock(ctx, "k:lock", "fuzz", time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		_, _, err = c.Get(ctx, "k")
		require.NoError(t, err)

		require.NoError(t, c.Set(ctx, "k", value, time.Minute))
		require.True(t, bytes.Equal(value, requireGet(t, c, "k")))
		_, err = c.Unlock(ctx, "k:lock", "fuzz")
		require.NoError(t, err)
		require.True(t, bytes.Equal(value, requireGet(t, c, "k")))
	})
}
