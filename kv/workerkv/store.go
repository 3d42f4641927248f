package workerkv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/internal/args"
)

// Namespace is the part of a Workers KV binding the adapter uses. Get returns
// "<null>" for a missing key, as syumai/workers' GetString does.
// expirationTTL is in seconds; 0 means no expiry.
type Namespace interface {
	GetString(key string) (string, error)
	PutString(key, value string, expirationTTL int) error
	Delete(key string) error
}

// NullValue is what a KV read of a missing key returns through syscall/js.
const NullValue = "<null>"

// MinTTL is Workers KV's smallest expirationTtl.
const MinTTL = 60 * time.Second

// envelopePrefix starts every stored value: "wxkv1:<expiry unix ms, 0 = none>:<base64>".
const envelopePrefix = "wxkv1:"

// Store is a kv.Store on a Workers KV namespace, and a kv.Locker among the
// Go instances that share its Isolate. It is safe for concurrent use if the
// Namespace is.
type Store struct {
	ns  Namespace
	now func() time.Time

	// memAge enables the memory layer (WithMemoryCache): envelopes read or
	// written recently, kept in iso so that a long-lived Go instance, and
	// the other instances of its isolate, do not go to KV on every request
	// for a ticket one of them has just seen.
	memAge time.Duration
	iso    Isolate
}

var (
	_ kv.Store  = (*Store)(nil)
	_ kv.Locker = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store) error

// WithClock sets the clock used for expiry (tests pin it).
func WithClock(now func() time.Time) Option {
	return func(s *Store) error {
		if now == nil {
			return errors.New("workerkv: WithClock: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithMemoryCache keeps values read or written through this Store in memory
// for up to maxAge (at most MaxMemoryAge), never past their own expiry.
// Misses are not cached. Workers KV already serves reads from an edge cache
// that can be 60 s stale, so a short memory layer adds no new kind of
// staleness; it only saves the KV round trip while the Go instance lives.
func WithMemoryCache(maxAge time.Duration) Option {
	return func(s *Store) error {
		if maxAge <= 0 || maxAge > MaxMemoryAge {
			return fmt.Errorf("workerkv: WithMemoryCache: %s is outside (0, %s]", maxAge, MaxMemoryAge)
		}
		s.memAge = maxAge
		return nil
	}
}

// WithIsolate shares the memory layer and the locks with the other Stores
// given the same Isolate: in a Worker, the one OpenIsolate returns. Without
// it a Store shares them with nobody.
func WithIsolate(iso Isolate) Option {
	return func(s *Store) error {
		if iso == nil {
			return errors.New("workerkv: WithIsolate: nil Isolate")
		}
		s.iso = iso
		return nil
	}
}

// MaxMemoryAge bounds WithMemoryCache: KV's own read cache lasts 60 s.
const MaxMemoryAge = time.Minute

// New returns a Store on ns.
func New(ns Namespace, opts ...Option) (*Store, error) {
	if ns == nil {
		return nil, errors.New("workerkv: nil Namespace")
	}
	s := &Store{ns: ns, now: time.Now}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("workerkv: option %d is nil", i)
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	if s.iso == nil {
		s.iso = NewMemoryIsolate()
	}
	return s, nil
}

// Get returns the value under key if it exists and has not expired. A
// missing key, an expired entry and text this package did not write are all
// misses.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := args.CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := s.now()
	if v, ok := s.memGet(key, now); ok {
		return v, true, nil
	}
	return s.getKV(key, now)
}

// getKV reads key from KV, past the memory layer, and remembers a hit there.
func (s *Store) getKV(key string, now time.Time) ([]byte, bool, error) {
	raw, err := s.ns.GetString(key)
	if err != nil {
		return nil, false, fmt.Errorf("workerkv: get %q: %w", key, err)
	}
	value, expiry, ok := decode(raw)
	if !ok {
		s.memDelete(key)
		return nil, false, nil
	}
	if expiry != 0 && now.UnixMilli() >= expiry {
		s.memDelete(key)
		return nil, false, nil
	}
	s.memPut(key, raw, now)
	return value, true, nil
}

func (s *Store) memGet(key string, now time.Time) ([]byte, bool) {
	if s.memAge == 0 {
		return nil, false
	}
	envelope, fetched, ok := s.iso.CacheGet(key)
	if !ok {
		return nil, false
	}
	value, expiry, ok := decode(envelope)
	if !ok || now.UnixMilli()-fetched >= s.memAge.Milliseconds() || (expiry != 0 && now.UnixMilli() >= expiry) {
		s.iso.CacheDelete(key)
		return nil, false
	}
	return value, true
}

func (s *Store) memPut(key, envelope string, now time.Time) {
	if s.memAge != 0 {
		s.iso.CachePut(key, envelope, now.UnixMilli())
	}
}

func (s *Store) memDelete(key string) {
	if s.memAge != 0 {
		s.iso.CacheDelete(key)
	}
}

// Set stores value under key. A positive ttl expires the entry exactly then
// (KV drops it no sooner than MinTTL); zero keeps it until deleted.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := args.CheckSet(key, ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var expiry int64
	kvTTL := 0
	if ttl > 0 {
		expiry = s.now().Add(ttl).UnixMilli()
		// KV counts whole seconds; round up so KV never drops it early.
		kvTTL = int(max((ttl+time.Second-1)/time.Second, MinTTL/time.Second))
	}
	envelope := encode(value, expiry)
	if err := s.ns.PutString(key, envelope, kvTTL); err != nil {
		s.memDelete(key)
		return fmt.Errorf("workerkv: put %q: %w", key, err)
	}
	s.memPut(key, envelope, s.now())
	return nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := args.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.memDelete(key)
	if err := s.ns.Delete(key); err != nil {
		return fmt.Errorf("workerkv: delete %q: %w", key, err)
	}
	return nil
}

// TryLock takes the lock key for owner for ttl unless another owner holds
// it. The lock lives in the Isolate, not in KV: KV has no atomic
// compare-and-set, and its writes take up to a minute to reach other
// locations. It makes the Go instances of one isolate refresh a ticket
// once; isolates elsewhere may each refresh it too, and the admin client's
// freshness check on what they store bounds what that costs.
func (s *Store) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := args.CheckLock(key, owner, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now()
	return s.iso.TryLock(key, owner, now.Add(ttl).UnixMilli(), now.UnixMilli()), nil
}

// Unlock releases key if owner still holds it.
func (s *Store) Unlock(ctx context.Context, key, owner string) (bool, error) {
	// Unlock has no ttl; any positive one passes the check.
	if err := args.CheckLock(key, owner, time.Second); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.iso.Unlock(key, owner, s.now().UnixMilli()), nil
}

func encode(value []byte, expiryMillis int64) string {
	var b strings.Builder
	b.Grow(len(envelopePrefix) + 21 + base64.StdEncoding.EncodedLen(len(value)))
	b.WriteString(envelopePrefix)
	b.WriteString(strconv.FormatInt(expiryMillis, 10))
	b.WriteByte(':')
	b.WriteString(base64.StdEncoding.EncodeToString(value))
	return b.String()
}

// decode parses an envelope; ok is false for "<null>" and anything else not
// written by encode.
func decode(raw string) (value []byte, expiryMillis int64, ok bool) {
	rest, found := strings.CutPrefix(raw, envelopePrefix)
	if !found {
		return nil, 0, false
	}
	exp, data, found := strings.Cut(rest, ":")
	if !found {
		return nil, 0, false
	}
	expiryMillis, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || expiryMillis < 0 {
		return nil, 0, false
	}
	value, err = base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, 0, false
	}
	return value, expiryMillis, true
}
