//go:build !js && !wasip1

package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wxcard/wxcard/kv/internal/args"
)

// Redis is a Store and Locker on a Redis server, for state that several
// processes share. Its locks are SET NX PX with a release that deletes the
// key only if it still holds the caller's owner token.
type Redis struct {
	rdb   redis.UniversalClient
	owned bool
}

// unlockScript deletes the lock only if its value is the caller's token, in
// one atomic step; a plain GET then DEL could delete a lock that expired
// and was taken by another owner in between.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// NewRedis connects to the server named by a redis:// or rediss:// URL, as
// in "redis://:password@127.0.0.1:6379/0". It does not dial: the first
// command does. Close releases the connections.
func NewRedis(rawURL string) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// The parser's message can quote the URL, password included.
		return nil, fmt.Errorf("%w: Redis URL is not of the form redis://[user:password@]host[:port][/db]", ErrInvalidArgument)
	}
	return &Redis{rdb: redis.NewClient(opts), owned: true}, nil
}

// NewRedisFromClient uses an existing client (a *redis.Client,
// *redis.ClusterClient or ring). Close leaves it open: its owner closes it.
func NewRedisFromClient(rdb redis.UniversalClient) (*Redis, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil Redis client", ErrInvalidArgument)
	}
	return &Redis{rdb: rdb}, nil
}

// Close closes the client if NewRedis created it.
func (r *Redis) Close() error {
	if !r.owned {
		return nil
	}
	return r.rdb.Close()
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := args.CheckKey(key); err != nil {
		return nil, false, err
	}
	v, err := r.rdb.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("kv: redis GET: %w", err)
	}
	return v, true, nil
}

// Set implements Store. TTLs below a millisecond are rounded up to one.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := args.CheckKey(key); err != nil {
		return err
	}
	if err := args.CheckTTL(ttl); err != nil {
		return err
	}
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	if err := r.rdb.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("kv: redis SET: %w", err)
	}
	return nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := args.CheckKey(key); err != nil {
		return err
	}
	if err := r.rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("kv: redis DEL: %w", err)
	}
	return nil
}

// TryLock implements Locker with SET key owner NX PX ttl. Lock keys share
// Redis's keyspace with values: give them names no value uses.
func (r *Redis) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := args.CheckLock(key, owner, ttl); err != nil {
		return false, err
	}
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ok, err := r.rdb.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("kv: redis SET NX: %w", err)
	}
	return ok, nil
}

// Unlock implements Locker.
func (r *Redis) Unlock(ctx context.Context, key, owner string) (bool, error) {
	if err := args.CheckLock(key, owner, time.Second); err != nil {
		return false, err
	}
	n, err := unlockScript.Run(ctx, r.rdb, []string{key}, owner).Int()
	if err != nil {
		return false, fmt.Errorf("kv: redis unlock: %w", err)
	}
	return n == 1, nil
}
