package grant_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/grant"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorsPath = "testdata/vectors.json"

// vectorFile is testdata/vectors.json, read by this test and by the
// JavaScript tests (js/test/grant.test.mjs, in Node and in workerd).
type vectorFile struct {
	Comment string      `json:"comment"`
	AppID   string      `json:"app"`
	Keys    []vectorKey `json:"keys"`
	// Valid grants: minting claims with key at now gives token, and
	// verifying token at now gives claims back (with kid filled in).
	Valid []validVector `json:"valid"`
	// Invalid grants: verifying token at now fails with error, one of the
	// reasons below.
	Invalid []invalidVector `json:"invalid"`
}

type vectorKey struct {
	ID     string `json:"id"`
	Secret string `json:"secret"` // base64url, no padding
}

type validVector struct {
	Name   string          `json:"name"`
	Key    string          `json:"key"`
	Now    int64           `json:"now"`
	Claims json.RawMessage `json:"claims"`
	Token  string          `json:"token"`
}

type invalidVector struct {
	Name  string `json:"name"`
	Now   int64  `json:"now"`
	Token string `json:"token"`
	Error string `json:"error"`
}

// reasons names the sentinel errors as the vectors (and the JS GrantError's
// reason) spell them.
var reasons = map[string]error{
	"malformed":      grant.ErrMalformed,
	"invalid_claims": grant.ErrInvalidClaims,
	"unknown_key":    grant.ErrUnknownKey,
	"bad_mac":        grant.ErrBadMAC,
	"expired":        grant.ErrExpired,
	"not_yet_valid":  grant.ErrNotYetValid,
	"wrong_app":      grant.ErrWrongApp,
}

const (
	vecApp = "wx1234567890abcdef"
	vecNow = 1_750_000_000
)

func vecSecret(seed byte) []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = seed + byte(i)*7
	}
	return s
}

func int64p(v int64) *int64 { return &v }

// buildVectors computes the vector file from fixed keys and claims; the
// committed file must equal it (go test ./grant -run TestVectors -update
// rewrites it).
func buildVectors(t *testing.T) vectorFile {
	t.Helper()
	k1 := grant.Key{ID: "k2025a", Secret: vecSecret(1)}
	k2 := grant.Key{ID: "k2025b", Secret: vecSecret(100)}
	stranger := grant.Key{ID: "k2025a", Secret: vecSecret(200)} // same id, other secret
	f := vectorFile{
		Comment: "Grant test vectors shared by the Go package grant and the JavaScript wxcard/grant. Regenerate with: go test ./grant -run TestVectors -update",
		AppID:   vecApp,
		Keys: []vectorKey{
			{k1.ID, base64.RawURLEncoding.EncodeToString(k1.Secret)},
			{k2.ID, base64.RawURLEncoding.EncodeToString(k2.Secret)},
		},
	}
	base := grant.Claims{AppID: vecApp, CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", IssuedAt: vecNow, ExpiresAt: vecNow + 300, ID: "AAECAwQFBgcICQoLDA0ODw"}
	valid := []struct {
		name string
		key  grant.Key
		c    grant.Claims
	}{
		{"card only", k1, base},
		{"every addcard field", k1, func() grant.Claims {
			c := base
			c.Code, c.OpenID, c.OuterStr = "0123456789", "oUser-X_1", "spring \"sale\" \\ 春"
			c.FixedBeginTimestamp, c.Balance = vecNow+3600, int64p(0)
			c.NotBefore = vecNow - 10
			return c
		}()},
		{"choosecard restriction, second key", k2, func() grant.Claims {
			c := base
			c.ShopID, c.CardType, c.Balance = "88", "GROUPON", int64p(grant.MaxSafeInteger)
			c.ExpiresAt = vecNow + 600
			return c
		}()},
		{"no iat", k2, func() grant.Claims { c := base; c.IssuedAt = 0; return c }()},
	}
	for _, v := range valid {
		tok, err := grant.Mint(v.key, v.c, time.Unix(vecNow, 0))
		require.NoError(t, err, v.name)
		c := v.c
		c.KeyID = v.key.ID
		claims, err := json.Marshal(c)
		require.NoError(t, err)
		f.Valid = append(f.Valid, validVector{v.name, v.key.ID, vecNow, claims, tok})
	}

	good := f.Valid[0].Token
	goodPayload, _, _ := strings.Cut(good, ".")
	mint := func(k grant.Key, c grant.Claims) string {
		tok, err := grant.Mint(k, c, time.Unix(vecNow, 0))
		require.NoError(t, err)
		return tok
	}
	tamperedCard := strings.Replace(payloadOf(t, k1, base), base.CardID, "pOtherCard0000000000000000000", 1)
	_, goodMAC, _ := strings.Cut(good, ".")
	unknown := grant.Key{ID: "k2024z", Secret: vecSecret(50)}
	withWhitespace := strings.Replace(payloadOf(t, k1, base), `,"card"`, `, "card"`, 1)
	withUnknown := strings.Replace(payloadOf(t, k1, base), `}`, `,"scope":"all"}`, 1)
	upperKey := strings.Replace(payloadOf(t, k1, base), `"card"`, `"CARD"`, 1)
	farExp := strings.Replace(payloadOf(t, k1, base), `"exp":1750000300`, `"exp":1750086400`, 1)
	farExpNoIat := strings.Replace(farExp, `"iat":1750000000,`, ``, 1)
	millis := strings.Replace(payloadOf(t, k1, base), `"exp":1750000300`, `"exp":1750000300000`, 1)
	noJTI := strings.Replace(payloadOf(t, k1, base), `,"jti":"AAECAwQFBgcICQoLDA0ODw"`, ``, 1)
	wrongApp := base
	wrongApp.AppID = "wxffffffffffffffff"
	future := base
	future.NotBefore = vecNow + 120
	future.ExpiresAt = vecNow + 500
	f.Invalid = []invalidVector{
		{"expired", vecNow + 300 + 31, good, "expired"},
		{"issued in the future", vecNow - 31, good, "not_yet_valid"},
		{"not before in the future", vecNow, mint(k1, future), "not_yet_valid"},
		{"payload altered, MAC kept", vecNow, b64(tamperedCard) + "." + goodMAC, "bad_mac"},
		{"signed with another secret under a known id", vecNow, mint(stranger, base), "bad_mac"},
		{"MAC of another grant", vecNow, goodPayload + "." + strings.SplitN(f.Valid[1].Token, ".", 2)[1], "bad_mac"},
		{"unknown key id", vecNow, mint(unknown, base), "unknown_key"},
		{"wrong app", vecNow, mint(k1, wrongApp), "wrong_app"},
		{"exp more than ten minutes ahead", vecNow, rawToken(k1.Secret, farExp), "invalid_claims"},
		{"exp more than ten minutes ahead, no iat", vecNow, rawToken(k1.Secret, farExpNoIat), "invalid_claims"},
		{"exp in milliseconds", vecNow, rawToken(k1.Secret, millis), "invalid_claims"},
		{"no jti", vecNow, rawToken(k1.Secret, noJTI), "invalid_claims"},
		{"white space in the payload", vecNow, rawToken(k1.Secret, withWhitespace), "malformed"},
		{"unknown claim", vecNow, rawToken(k1.Secret, withUnknown), "malformed"},
		{"claim name in upper case", vecNow, rawToken(k1.Secret, upperKey), "malformed"},
		{"payload not an object", vecNow, rawToken(k1.Secret, `["kid"]`), "malformed"},
		{"escaped newline in a claim", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"card":"p`, `"card":"\np`, 1)), "malformed"},
		{"needless escape in a claim", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"card":"p`, `"card":"\u0070`, 1)), "malformed"},
		{"escaped lone surrogate", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"card":"p`, `"card":"\ud800p`, 1)), "malformed"},
		{"zero written out", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"iat":1750000000`, `"iat":0`, 1)), "malformed"},
		{"leading zero", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"exp":1750000300`, `"exp":01750000300`, 1)), "malformed"},
		{"empty optional claim written out", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `,"iat"`, `,"code":"","iat"`, 1)), "malformed"},
		{"invalid UTF-8 in a claim, MAC good", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"card":"p`, "\"card\":\"\xffp", 1)), "invalid_claims"},
		{"invalid UTF-8 in a claim, MAC bad", vecNow, rawToken(vecSecret(9), strings.Replace(payloadOf(t, k1, base), `"card":"p`, "\"card\":\"\xffp", 1)), "bad_mac"},
		{"control character U+007F", vecNow, rawToken(k1.Secret, strings.Replace(payloadOf(t, k1, base), `"card":"p`, "\"card\":\"\x7fp", 1)), "invalid_claims"},
		{"empty", vecNow, "", "malformed"},
		{"no dot", vecNow, goodPayload, "malformed"},
		{"two dots", vecNow, good + ".x", "malformed"},
		{"padded MAC", vecNow, good + "=", "malformed"},
		{"MAC not base64url", vecNow, goodPayload + "." + strings.Repeat("+", 43), "malformed"},
		{"short MAC", vecNow, goodPayload + "." + goodMAC[:20], "malformed"},
		{"too long", vecNow, strings.Repeat("A", grant.MaxTokenLen) + "." + goodMAC, "malformed"},
	}
	return f
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// payloadOf returns the canonical payload Mint writes for c under k at
// vecNow.
func payloadOf(t *testing.T, k grant.Key, c grant.Claims) string {
	t.Helper()
	tok, err := grant.Mint(k, c, time.Unix(vecNow, 0))
	require.NoError(t, err)
	p, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(p)
	require.NoError(t, err)
	return string(raw)
}

// rawToken signs any payload, valid or not, the way Mint does.
func rawToken(secret []byte, payload string) string {
	p := b64(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(p))
	return p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func readVectors() (vectorFile, error) {
	var f vectorFile
	data, err := os.ReadFile(vectorsPath)
	if err == nil {
		err = json.Unmarshal(data, &f)
	}
	return f, err
}

func loadVectors(t *testing.T) (vectorFile, *grant.Verifier) {
	t.Helper()
	f, err := readVectors()
	require.NoError(t, err)
	var keys []grant.Key
	for _, k := range f.Keys {
		secret, err := base64.RawURLEncoding.DecodeString(k.Secret)
		require.NoError(t, err)
		keys = append(keys, grant.Key{ID: k.ID, Secret: secret})
	}
	v, err := grant.NewVerifier(f.AppID, keys...)
	require.NoError(t, err)
	return f, v
}

func TestVectors(t *testing.T) {
	want := buildVectors(t)
	data, err := json.MarshalIndent(want, "", "  ")
	require.NoError(t, err)
	data = append(data, '\n')
	if *update {
		require.NoError(t, os.WriteFile(vectorsPath, data, 0o644))
	}
	committed, err := os.ReadFile(vectorsPath)
	require.NoError(t, err)
	require.Equal(t, string(data), string(committed), "run go test ./grant -run TestVectors -update")

	f, v := loadVectors(t)
	for _, vec := range f.Valid {
		t.Run("valid/"+vec.Name, func(t *testing.T) {
			var want grant.Claims
			require.NoError(t, json.Unmarshal(vec.Claims, &want))
			got, err := v.Verify(vec.Token, time.Unix(vec.Now, 0))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
	for _, vec := range f.Invalid {
		t.Run("invalid/"+vec.Name, func(t *testing.T) {
			_, err := v.Verify(vec.Token, time.Unix(vec.Now, 0))
			require.Error(t, err)
			for name, sentinel := range reasons {
				assert.Equal(t, name == vec.Error, errors.Is(err, sentinel), "%s: %v", name, err)
			}
		})
	}
}
