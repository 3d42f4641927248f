package grant

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// MinSecretLen is the shortest Key.Secret accepted: 256 bits, the size of
// the HMAC-SHA256 output.
const MinSecretLen = 32

// maxSecretLen bounds a secret; HMAC hashes anything longer than a block
// (64 bytes) first, so more adds nothing.
const maxSecretLen = 1024

// Key is one HMAC-SHA256 key shared by the merchant's backend (which mints)
// and the edge (which verifies). ID travels in every grant it signs so the
// verifier can hold several keys during a rotation.
//
// A Key formats without its secret (%v, %+v, %#v, slog), so logging one by
// mistake does not leak it.
type Key struct {
	ID     string
	Secret []byte
}

// Validate reports whether k can sign and verify grants.
func (k Key) Validate() error {
	switch {
	case k.ID == "":
		return fmt.Errorf("%w: the key id is empty", ErrInvalidKey)
	case len(k.ID) > MaxIDLen || !isTokenChars(k.ID):
		return fmt.Errorf("%w: key id %q must be 1..%d of A-Z a-z 0-9 . _ -", ErrInvalidKey, truncate(k.ID), MaxIDLen)
	case len(k.Secret) < MinSecretLen:
		return fmt.Errorf("%w: key %q: the secret has %d bytes, at least %d are needed", ErrInvalidKey, k.ID, len(k.Secret), MinSecretLen)
	case len(k.Secret) > maxSecretLen:
		return fmt.Errorf("%w: key %q: the secret is longer than %d bytes", ErrInvalidKey, k.ID, maxSecretLen)
	}
	return nil
}

// String shows the key id only.
func (k Key) String() string { return "grant.Key{ID:" + strconv.Quote(k.ID) + ", Secret:(hidden)}" }

// GoString shows the key id only.
func (k Key) GoString() string { return k.String() }

// ParseKeys reads keys written as "id:secret" with the secret in unpadded
// base64url (what `openssl rand 32 | basenc --base64url` prints, padding
// allowed), several separated by commas or white space. This is the form of
// the Worker variable and the local server flag. Errors name the key id or
// position, never the secret.
func ParseKeys(s string) ([]Key, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	keys := make([]Key, 0, len(fields))
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		id, secret, ok := strings.Cut(f, ":")
		if !ok {
			return nil, fmt.Errorf("%w: key %d is not written as id:secret", ErrInvalidKey, i+1)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(secret, "="))
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: the secret is not base64url", ErrInvalidKey, truncate(id))
		}
		k := Key{ID: id, Secret: raw}
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, fmt.Errorf("%w: key id %q is given twice", ErrInvalidKey, id)
		}
		seen[id] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func truncate(s string) string {
	if len(s) > MaxIDLen {
		return s[:MaxIDLen] + "…"
	}
	return s
}
