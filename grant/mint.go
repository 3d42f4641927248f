package grant

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// Lifetimes and bounds of a grant.
const (
	// MaxLifetime is the longest a grant may live: exp is at most this far
	// after the time it is minted (and after the verifier's clock).
	MaxLifetime = 10 * time.Minute
	// DefaultLifetime is used by Mint when Claims.ExpiresAt is zero.
	DefaultLifetime = 5 * time.Minute
	// ClockSkew is how far the verifier's clock may be from the minter's.
	ClockSkew = 30 * time.Second
	// MaxTokenLen bounds a grant; longer input is refused before it is
	// decoded. Every valid set of claims fits.
	MaxTokenLen = 4096
)

var b64 = base64.RawURLEncoding.Strict()

// Mint signs c with key at time now and returns the grant. It fills in what
// is left empty: KeyID (always key.ID), ID (128 random bits) and ExpiresAt
// (now + DefaultLifetime); IssuedAt and NotBefore stay optional. It refuses claims the verifier
// would refuse: an ExpiresAt not after now or more than MaxLifetime ahead,
// a NotBefore after ExpiresAt, or a field out of bounds.
func Mint(key Key, c Claims, now time.Time) (string, error) {
	if err := key.Validate(); err != nil {
		return "", err
	}
	c.KeyID = key.ID
	if c.ID == "" {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return "", fmt.Errorf("grant: drawing an id: %w", err)
		}
		c.ID = b64.EncodeToString(id[:])
	}
	unix := now.Unix()
	if c.ExpiresAt == 0 {
		c.ExpiresAt = unix + int64(DefaultLifetime/time.Second)
	}
	if err := c.validate(); err != nil {
		return "", err
	}
	switch {
	case c.ExpiresAt <= unix:
		return "", fmt.Errorf("%w: exp is not after now", ErrInvalidClaims)
	case c.ExpiresAt > unix+int64(MaxLifetime/time.Second):
		return "", fmt.Errorf("%w: exp is more than %v ahead", ErrInvalidClaims, MaxLifetime)
	case c.NotBefore != 0 && c.NotBefore > c.ExpiresAt:
		return "", fmt.Errorf("%w: nbf is after exp", ErrInvalidClaims)
	case c.IssuedAt > c.ExpiresAt:
		return "", fmt.Errorf("%w: iat is after exp", ErrInvalidClaims)
	}
	payload := c.appendPayload(make([]byte, 0, 256))
	token := make([]byte, 0, b64.EncodedLen(len(payload))+1+b64.EncodedLen(sha256.Size))
	token = b64.AppendEncode(token, payload)
	mac := hmac.New(sha256.New, key.Secret)
	mac.Write(token)
	token = append(token, '.')
	token = b64.AppendEncode(token, mac.Sum(nil))
	if len(token) > MaxTokenLen {
		return "", fmt.Errorf("%w: the grant would be longer than %d bytes", ErrInvalidClaims, MaxTokenLen)
	}
	return string(token), nil
}
