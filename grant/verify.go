package grant

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
)

// maxKeys bounds how many keys a verifier holds; a rotation needs two.
const maxKeys = 16

// Verifier checks grants for one official account against a set of keys.
// It is safe for concurrent use and holds no state beyond its keys.
type Verifier struct {
	appID string
	keys  map[string]*macPool
	// scratch holds *[]byte buffers of 2*MaxTokenLen: the encoded payload
	// as bytes for the MAC, then the decoded payload.
	scratch sync.Pool
}

// macPool reuses keyed HMAC states: keying one costs two SHA-256 blocks,
// more than the MAC of a grant itself.
type macPool struct{ sync.Pool }

func newMACPool(secret []byte) *macPool {
	s := append([]byte(nil), secret...)
	return &macPool{sync.Pool{New: func() any { return hmac.New(sha256.New, s) }}}
}

// NewVerifier returns a verifier that accepts grants for appID signed with
// any of keys. Key ids must be distinct.
func NewVerifier(appID string, keys ...Key) (*Verifier, error) {
	if err := checkText("app", appID, true, MaxFieldLen); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKey)
	}
	if len(keys) > maxKeys {
		return nil, fmt.Errorf("%w: more than %d keys", ErrInvalidKey, maxKeys)
	}
	v := &Verifier{appID: appID, keys: make(map[string]*macPool, len(keys))}
	v.scratch.New = func() any { b := make([]byte, 0, 2*MaxTokenLen); return &b }
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if _, dup := v.keys[k.ID]; dup {
			return nil, fmt.Errorf("%w: key id %q is given twice", ErrInvalidKey, k.ID)
		}
		v.keys[k.ID] = newMACPool(k.Secret)
	}
	return v, nil
}

// KeyIDs lists the ids of the verifier's keys, for logs and diagnostics.
func (v *Verifier) KeyIDs() []string {
	ids := make([]string, 0, len(v.keys))
	for id := range v.keys {
		ids = append(ids, id)
	}
	return ids
}

// Verify checks token at time now and returns its claims. The checks run in
// this order, and the first that fails decides the error: shape and length
// (ErrMalformed), the key (ErrUnknownKey), the MAC (ErrBadMAC), the claims'
// form (ErrInvalidClaims), the app (ErrWrongApp), then the clock
// (ErrExpired, ErrNotYetValid, or ErrInvalidClaims for an exp too far
// ahead). Claims are trusted only after the MAC matched.
func (v *Verifier) Verify(token string, now time.Time) (Claims, error) {
	if len(token) > MaxTokenLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenLen)
	}
	encPayload, encMAC, ok := strings.Cut(token, ".")
	if !ok || encPayload == "" || strings.IndexByte(encMAC, '.') >= 0 {
		return Claims{}, fmt.Errorf("%w: not payload.mac", ErrMalformed)
	}
	var macBuf [sha256.Size + 3]byte
	if len(encMAC) != b64.EncodedLen(sha256.Size) {
		return Claims{}, fmt.Errorf("%w: the MAC is not 32 bytes of base64url", ErrMalformed)
	}
	// Decode writes whole 3-byte groups: 43 characters need 33 bytes.
	if n, err := b64.Decode(macBuf[:], []byte(encMAC)); err != nil || n != sha256.Size {
		return Claims{}, fmt.Errorf("%w: the MAC is not 32 bytes of base64url", ErrMalformed)
	}
	scratch := v.scratch.Get().(*[]byte)
	defer v.scratch.Put(scratch)
	encBytes := append((*scratch)[:0], encPayload...)
	payload, err := b64.AppendDecode(encBytes[len(encBytes):], encBytes)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: the payload is not base64url", ErrMalformed)
	}
	c, err := parsePayload(string(payload))
	if err != nil {
		return Claims{}, err
	}
	pool, ok := v.keys[c.KeyID]
	if !ok {
		return Claims{}, fmt.Errorf("%w: %q", ErrUnknownKey, truncate(c.KeyID))
	}
	mac := pool.Get().(hash.Hash)
	mac.Reset()
	mac.Write(encBytes)
	var sum [sha256.Size]byte
	good := hmac.Equal(mac.Sum(sum[:0]), macBuf[:sha256.Size])
	pool.Put(mac)
	if !good {
		return Claims{}, ErrBadMAC
	}
	if err := c.validate(); err != nil {
		return Claims{}, err
	}
	if c.AppID != v.appID {
		return Claims{}, ErrWrongApp
	}
	unix, skew := now.Unix(), int64(ClockSkew/time.Second)
	switch {
	case c.ExpiresAt+skew < unix:
		return Claims{}, ErrExpired
	case c.ExpiresAt > unix+int64(MaxLifetime/time.Second)+skew:
		return Claims{}, fmt.Errorf("%w: exp is more than %v ahead", ErrInvalidClaims, MaxLifetime)
	case c.IssuedAt != 0 && c.ExpiresAt-c.IssuedAt > int64(MaxLifetime/time.Second):
		return Claims{}, fmt.Errorf("%w: the grant lives longer than %v", ErrInvalidClaims, MaxLifetime)
	case c.NotBefore > unix+skew:
		return Claims{}, fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	case c.IssuedAt > unix+skew:
		return Claims{}, fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	}
	return c, nil
}

// parsePayload reads the claims in the one canonical form Mint writes:
// fields in a fixed order, each at most once, no white space, strings
// escaped only where JSON requires. So one set of claims has exactly one
// payload, an unknown or repeated claim is refused (see the package doc),
// and no general JSON decoder runs on input not yet authenticated.
func parsePayload(payload string) (Claims, error) {
	p := payloadParser{in: payload}
	var c Claims
	p.expect(`{"kid":`)
	c.KeyID = p.str()
	c.AppID = p.optStr(`,"app":`)
	c.CardID = p.optStr(`,"card":`)
	c.Code = p.optStr(`,"code":`)
	c.OpenID = p.optStr(`,"openid":`)
	c.OuterStr = p.optStr(`,"outer_str":`)
	c.FixedBeginTimestamp = p.optInt(`,"fixed_begintimestamp":`)
	if p.field(`,"balance":`) {
		b := p.int(true)
		c.Balance = &b
	}
	c.ShopID = p.optStr(`,"shop_id":`)
	c.CardType = p.optStr(`,"card_type":`)
	c.IssuedAt = p.optInt(`,"iat":`)
	c.NotBefore = p.optInt(`,"nbf":`)
	c.ExpiresAt = p.optInt(`,"exp":`)
	c.ID = p.optStr(`,"jti":`)
	p.expect("}")
	if p.bad || p.pos != len(payload) {
		return Claims{}, fmt.Errorf("%w: the payload is not a claims object in canonical form", ErrMalformed)
	}
	return c, nil
}

type payloadParser struct {
	in  string
	pos int
	bad bool
}

func (p *payloadParser) field(prefix string) bool {
	if p.bad || !strings.HasPrefix(p.in[p.pos:], prefix) {
		return false
	}
	p.pos += len(prefix)
	return true
}

func (p *payloadParser) expect(s string) {
	if !p.field(s) {
		p.bad = true
	}
}

func (p *payloadParser) optStr(prefix string) string {
	if !p.field(prefix) {
		return ""
	}
	s := p.str()
	if s == "" {
		p.bad = true // Mint leaves an empty field out
	}
	return s
}

// str reads a JSON string in which only '"' and '\\' are escaped.
func (p *payloadParser) str() string {
	if p.bad || p.pos >= len(p.in) || p.in[p.pos] != '"' {
		p.bad = true
		return ""
	}
	p.pos++
	var out []byte
	start := p.pos
	for p.pos < len(p.in) {
		switch c := p.in[p.pos]; {
		case c == '"':
			s := p.in[start:p.pos] // a substring: no copy
			if out != nil {
				s = string(append(out, s...))
			}
			p.pos++
			return s
		case c == '\\':
			if p.pos+1 >= len(p.in) || (p.in[p.pos+1] != '"' && p.in[p.pos+1] != '\\') {
				p.bad = true
				return ""
			}
			out = append(out, p.in[start:p.pos]...)
			out = append(out, p.in[p.pos+1])
			p.pos += 2
			start = p.pos
		case c < 0x20:
			p.bad = true
			return ""
		default:
			p.pos++
		}
	}
	p.bad = true
	return ""
}

func (p *payloadParser) optInt(prefix string) int64 {
	if !p.field(prefix) {
		return 0
	}
	return p.int(false)
}

// int reads a non-negative integer without leading zeros; zero only when
// allowZero (Mint leaves other zero fields out). Sixteen digits hold every
// value up to MaxSafeInteger; longer is refused before it can overflow.
func (p *payloadParser) int(allowZero bool) int64 {
	start := p.pos
	var v int64
	for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' && p.pos-start < 16 {
		v = v*10 + int64(p.in[p.pos]-'0')
		p.pos++
	}
	n := p.pos - start
	switch {
	case n == 0, n > 1 && p.in[start] == '0', v == 0 && !allowZero:
		p.bad = true
	case p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9':
		p.bad = true // more than sixteen digits
	}
	return v
}
