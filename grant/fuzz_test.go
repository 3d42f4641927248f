package grant_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wxcard/wxcard/grant"
)

// FuzzVerify: no input panics, every refusal matches one sentinel, and
// whatever verifies re-mints to the same token (so only canonical grants
// from a held key pass).
func FuzzVerify(f *testing.F) {
	data, err := readVectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range data.Valid {
		f.Add(v.Token, v.Now)
	}
	for _, v := range data.Invalid {
		f.Add(v.Token, v.Now)
	}
	keys := []grant.Key{{ID: "k2025a", Secret: vecSecret(1)}, {ID: "k2025b", Secret: vecSecret(100)}}
	v, err := grant.NewVerifier(vecApp, keys...)
	if err != nil {
		f.Fatal(err)
	}
	sentinels := []error{grant.ErrMalformed, grant.ErrInvalidClaims, grant.ErrUnknownKey, grant.ErrBadMAC,
		grant.ErrExpired, grant.ErrNotYetValid, grant.ErrWrongApp}
	f.Fuzz(func(t *testing.T, token string, at int64) {
		c, err := v.Verify(token, time.Unix(at, 0))
		if err != nil {
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %v matches %d sentinels", err, n)
			}
			return
		}
		key := keys[0]
		if c.KeyID == keys[1].ID {
			key = keys[1]
		}
		again, err := grant.Mint(key, c, time.Unix(c.ExpiresAt-1, 0))
		if err != nil || again != token {
			t.Fatalf("verified %q but re-minting gives %q, %v", token, again, err)
		}
	})
}

// FuzzParseKeys: no input panics and errors match ErrInvalidKey.
func FuzzParseKeys(f *testing.F) {
	f.Add("k1:AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o")
	f.Add("k1:AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o, k2:ZGtyeYCHjpWco6qxuL_GzdTb4unw9_4FDBMaISgvNj0=")
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := grant.ParseKeys(s)
		if err != nil {
			if !errors.Is(err, grant.ErrInvalidKey) {
				t.Fatalf("error %v is not ErrInvalidKey", err)
			}
			return
		}
		for _, k := range keys {
			if k.Validate() != nil {
				t.Fatalf("ParseKeys returned an invalid key %v", k)
			}
		}
	})
}
