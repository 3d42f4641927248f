// Package args checks the arguments of kv.Store and kv.Locker calls. It is
// shared by package kv and the stores beside it (kv/workerkv), so that every
// backend rejects the same keys, TTLs and owners with the same error, and
// kv/kvtest's InvalidArguments cases mean one thing everywhere.
package args

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidArgument is kv.ErrInvalidArgument; it lives here so that this
// package, which kv imports, can wrap it.
var ErrInvalidArgument = errors.New("kv: invalid argument")

// MaxKeyLen is kv.MaxKeyLen: Workers KV's 512-byte limit, which Redis and
// bbolt accept too.
const MaxKeyLen = 512

// CheckKey rejects an empty key and one longer than MaxKeyLen.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidArgument)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: key longer than %d bytes", ErrInvalidArgument, MaxKeyLen)
	}
	return nil
}

// checkTTL rejects a negative ttl; zero means no expiry.
func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w: negative ttl %s", ErrInvalidArgument, ttl)
	}
	return nil
}

// CheckSet checks the arguments of Set: a valid key and a ttl that is not
// negative.
func CheckSet(key string, ttl time.Duration) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	return checkTTL(ttl)
}

// CheckLock checks the arguments of TryLock: a valid key, a non-empty owner
// and a positive ttl. Unlock, which has no ttl, passes any positive one.
func CheckLock(key, owner string, ttl time.Duration) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if owner == "" {
		return fmt.Errorf("%w: empty lock owner", ErrInvalidArgument)
	}
	if ttl <= 0 {
		return fmt.Errorf("%w: lock ttl must be positive, got %s", ErrInvalidArgument, ttl)
	}
	return nil
}
