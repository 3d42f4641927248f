//go:build !js && !wasip1

package kv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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
//
// go-redis's own defaults suit a server that is always there: 5 dial
// attempts 100 ms apart, 3 retries with backoff, 3-5 s socket timeouts, and
// a context's deadline ignored. Against a Redis that refuses connections
// they turned every call into ~1.7 s, and against one that hangs into
// seconds more. NewRedis instead honours the caller's deadline, dials once
// per attempt with a short timeout, and retries once, quickly; a cache
// should fail fast and let its caller fall back. Any of these set in the
// URL's query (dial_timeout, read_timeout, write_timeout, pool_timeout,
// max_retries, min_retry_backoff, max_retry_backoff) wins.
func NewRedis(rawURL string) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// The parser's message can quote the URL, password included.
		return nil, fmt.Errorf("%w: Redis URL is not of the form redis://[user:password@]host[:port][/db]", ErrInvalidArgument)
	}
	failFast(opts, rawURL)
	return &Redis{rdb: redis.NewClient(opts), owned: true}, nil
}

// Fail-fast client settings; see NewRedis.
const (
	redisDialTimeout     = 250 * time.Millisecond
	redisSocketTimeout   = 500 * time.Millisecond
	redisPoolTimeout     = 500 * time.Millisecond
	redisMaxRetries      = 1
	redisMinRetryBackoff = time.Millisecond
	redisMaxRetryBackoff = 10 * time.Millisecond
)

// failFast applies the settings NewRedis documents to what the URL left
// unset. ParseURL has already accepted the URL, so it parses here too.
func failFast(opts *redis.Options, rawURL string) {
	q := url.Values{}
	if u, err := url.Parse(rawURL); err == nil {
		q = u.Query()
	}
	set := func(name string, apply func()) {
		if !q.Has(name) {
			apply()
		}
	}
	opts.ContextTimeoutEnabled = true
	opts.DialerRetries = 1
	set("dial_timeout", func() { opts.DialTimeout = redisDialTimeout })
	set("read_timeout", func() { opts.ReadTimeout = redisSocketTimeout })
	set("write_timeout", func() { opts.WriteTimeout = redisSocketTimeout })
	set("pool_timeout", func() { opts.PoolTimeout = redisPoolTimeout })
	set("max_retries", func() { opts.MaxRetries = redisMaxRetries })
	set("min_retry_backoff", func() { opts.MinRetryBackoff = redisMinRetryBackoff })
	set("max_retry_backoff", func() { opts.MaxRetryBackoff = redisMaxRetryBackoff })
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
	if err := args.CheckSet(key, ttl); err != nil {
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
