package signer

import (
	"errors"
	"strconv"
	"time"
)

// Signer builds signed payloads for the WeChat JS APIs. Its zero value is
// ready to use with the real clock and crypto/rand nonces; New configures
// it. A Signer is immutable and safe for concurrent use.
type Signer struct {
	now      func() time.Time
	nonce    func() (string, error)
	nonceLen int
}

// Option configures a Signer.
type Option func(*Signer) error

// DefaultNonceLen is the length of generated nonces (WeChat allows up to 32).
const DefaultNonceLen = 24

// New returns a Signer configured by opts.
func New(opts ...Option) (*Signer, error) {
	s := &Signer{}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("signer: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// WithClock sets the clock used for timestamps (tests pin it).
func WithClock(now func() time.Time) Option {
	return func(s *Signer) error {
		if now == nil {
			return errors.New("signer: WithClock: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithNonceSource replaces the crypto/rand nonce generator. Every nonce it
// returns is validated (1–32 printable ASCII characters) before it is used.
func WithNonceSource(next func() (string, error)) Option {
	return func(s *Signer) error {
		if next == nil {
			return errors.New("signer: WithNonceSource: nil source")
		}
		s.nonce = next
		return nil
	}
}

// WithNonceLength sets the length of generated nonces, 16 to 32.
func WithNonceLength(n int) Option {
	return func(s *Signer) error {
		if n < 16 || n > MaxNonceLen {
			return errors.New("signer: WithNonceLength: " + strconv.Itoa(n) + " is outside 16.." + strconv.Itoa(MaxNonceLen))
		}
		s.nonceLen = n
		return nil
	}
}

func (s *Signer) timestamp() (int64, error) {
	now := time.Now
	if s != nil && s.now != nil {
		now = s.now
	}
	ts := now().Unix()
	if err := checkTimestamp("timestamp", ts); err != nil {
		return 0, wrap("signer: clock", err)
	}
	return ts, nil
}

func (s *Signer) nextNonce(field string) (string, error) {
	if s != nil && s.nonce != nil {
		n, err := s.nonce()
		if err != nil {
			return "", wrap("signer: nonce source", err)
		}
		if err := checkNonce(field, n); err != nil {
			return "", wrap("signer: nonce source", err)
		}
		return n, nil
	}
	size := DefaultNonceLen
	if s != nil && s.nonceLen != 0 {
		size = s.nonceLen
	}
	return RandomNonce(size)
}

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomNonce returns n alphanumeric characters from crypto/rand (WASI
// random_get in the wasip1 module), without
// modulo bias. n must be 1..32.
func RandomNonce(n int) (string, error) {
	if n < 1 || n > MaxNonceLen {
		return "", invalid("nonce_str", "length "+strconv.Itoa(n)+" is outside 1.."+strconv.Itoa(MaxNonceLen))
	}
	out := make([]byte, 0, n)
	var pool [64]byte
	for len(out) < n {
		if err := readRandom(pool[:]); err != nil {
			return "", wrap("signer: random source", err)
		}
		for _, b := range pool {
			// 62*4 = 248: bytes at or above it would favour the first letters.
			if b >= 248 {
				continue
			}
			out = append(out, nonceAlphabet[b%62])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
