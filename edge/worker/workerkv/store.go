package workerkv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxcard/wxcard/kv"
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

// Store is a kv.Store on a Workers KV namespace. It is safe for concurrent
// use if the Namespace is.
type Store struct {
	ns  Namespace
	now func() time.Time

	// The optional in-memory layer (WithMemoryCache): values this Store
	// read or wrote recently, so a long-lived Go instance does not go to
	// KV on every request for a ticket it has just seen.
	memAge time.Duration
	mu     sync.Mutex
	mem    map[string]memEntry
}

type memEntry struct {
	value   []byte
	expiry  int64 // unix ms, 0 = none (the envelope's)
	fetched time.Time
}

var _ kv.Store = (*Store)(nil)

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
	return s, nil
}

// Get returns the value under key if it exists and has not expired. A
// missing key, an expired entry and text this package did not write are all
// misses.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := checkKey(key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := s.now()
	if v, ok := s.memGet(key, now); ok {
		return v, true, nil
	}
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
	s.memPut(key, value, expiry, now)
	return value, true, nil
}

func (s *Store) memGet(key string, now time.Time) ([]byte, bool) {
	if s.memAge == 0 {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.mem[key]
	if !ok {
		return nil, false
	}
	if now.Sub(e.fetched) >= s.memAge || (e.expiry != 0 && now.UnixMilli() >= e.expiry) {
		delete(s.mem, key)
		return nil, false
	}
	return append([]byte(nil), e.value...), true
}

func (s *Store) memPut(key string, value []byte, expiry int64, now time.Time) {
	if s.memAge == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mem == nil {
		s.mem = map[string]memEntry{}
	}
	s.mem[key] = memEntry{value: append([]byte(nil), value...), expiry: expiry, fetched: now}
}

func (s *Store) memDelete(key string) {
	if s.memAge == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mem, key)
}

// Set stores value under key. A positive ttl expires the entry exactly then
// (KV drops it no sooner than MinTTL); zero keeps it until deleted.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("%w: negative ttl %s", kv.ErrInvalidArgument, ttl)
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
	if err := s.ns.PutString(key, encode(value, expiry), kvTTL); err != nil {
		s.memDelete(key)
		return fmt.Errorf("workerkv: put %q: %w", key, err)
	}
	s.memPut(key, value, expiry, s.now())
	return nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
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

func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", kv.ErrInvalidArgument)
	case len(key) > kv.MaxKeyLen:
		return fmt.Errorf("%w: key longer than %d bytes", kv.ErrInvalidArgument, kv.MaxKeyLen)
	}
	return nil
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
