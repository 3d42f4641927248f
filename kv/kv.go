package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wxcard/wxcard/kv/internal/args"
)

// Store is a byte-valued cache shared by everything that needs one.
//
// Implementations must be safe for concurrent use. A miss is reported as
// ok == false with a nil error; err is reserved for a store that could not
// answer (network down, file closed, ctx done).
type Store interface {
	// Get returns the value stored under key, if it exists and has not expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value under key. A positive ttl makes the entry expire after
	// ttl; zero keeps it until it is deleted; a negative ttl is an error.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Locker is implemented by stores that can hold a lease-style lock, which is
// what lets several processes agree that only one of them refreshes a value.
//
// A lock has an owner token chosen by the caller (see NewOwnerToken) and a
// TTL after which it frees itself, so a crashed owner never blocks the others
// for longer than ttl. Only the owner can release it early.
type Locker interface {
	// TryLock takes the lock key for ttl if nobody holds it. It does not
	// wait: acquired is false when another owner holds the lock.
	TryLock(ctx context.Context, key, owner string, ttl time.Duration) (acquired bool, err error)
	// Unlock releases key if owner still holds it. released is false when the
	// lock had expired or belongs to someone else; that is not an error.
	Unlock(ctx context.Context, key, owner string) (released bool, err error)
}

// ErrClosed is returned by a store used after Close.
var ErrClosed = errors.New("kv: store is closed")

// ErrInvalidArgument is matched (errors.Is) by every error a store returns
// for a bad key, ttl or owner.
var ErrInvalidArgument = args.ErrInvalidArgument

// MaxKeyLen bounds keys so that every backend (Redis, bbolt, Workers KV with
// its 512-byte limit) accepts the same set.
const MaxKeyLen = args.MaxKeyLen

// NewOwnerToken returns a random token to identify a lock owner.
func NewOwnerToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("kv: owner token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
