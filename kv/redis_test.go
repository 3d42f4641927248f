package kv_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	srv := kvtest.StartRedis(t)
	db := 0
	kvtest.Run(t, func(t *testing.T) kv.Store {
		// A fresh database per subtest keeps them independent on one server.
		db++
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: db % 16})
		require.NoError(t, rdb.FlushDB(t.Context()).Err())
		t.Cleanup(func() { _ = rdb.Close() })
		s, err := kv.NewRedisFromClient(rdb)
		require.NoError(t, err)
		return s
	})
}

func TestRedisFromURLSharesWithOtherClients(t *testing.T) {
	t.Parallel()
	srv := kvtest.StartRedis(t)
	a := openRedis(t, srv.URL())
	b := openRedis(t, srv.URL())

	require.NoError(t, a.Set(t.Context(), "shared", []byte("from a"), time.Minute))
	v, ok, err := b.Get(t.Context(), "shared")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "from a", string(v))

	got, err := a.TryLock(t.Context(), "shared:lock", "a", time.Minute)
	require.NoError(t, err)
	require.True(t, got)
	got, err = b.TryLock(t.Context(), "shared:lock", "b", time.Minute)
	require.NoError(t, err)
	assert.False(t, got, "a lock is exclusive across processes' clients")
}

func TestRedisServerDown(t *testing.T) {
	t.Parallel()
	srv := kvtest.StartRedis(t)
	s := openRedis(t, srv.URL())
	require.NoError(t, s.Set(t.Context(), "k", []byte("v"), time.Minute))
	srv.Stop()
	_, ok, err := s.Get(t.Context(), "k")
	require.Error(t, err, "a dead server is an error, not a miss")
	assert.False(t, ok)
	assert.Contains(t, err.Error(), "kv: redis GET")
}

func TestNewRedisBadArguments(t *testing.T) {
	t.Parallel()
	_, err := kv.NewRedis("http://user:hunter2@localhost/")
	require.ErrorIs(t, err, kv.ErrInvalidArgument)
	assert.NotContains(t, err.Error(), "hunter2")
	_, err = kv.NewRedis("redis://:hunter2@[::1")
	require.ErrorIs(t, err, kv.ErrInvalidArgument)
	assert.NotContains(t, err.Error(), "hunter2")
	_, err = kv.NewRedisFromClient(nil)
	assert.ErrorIs(t, err, kv.ErrInvalidArgument)
}
