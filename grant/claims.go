package grant

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits of a grant's fields. The text limits are the signer's, so a valid
// grant always holds a card the edge can sign.
const (
	// MaxCardIDLen bounds Claims.CardID (WeChat's card ids are 28 bytes).
	MaxCardIDLen = 64
	// MaxFieldLen bounds every other text claim.
	MaxFieldLen = 128
	// MaxIDLen bounds Claims.ID and Key.ID.
	MaxIDLen = 64
	// MaxSafeInteger is the largest integer claim, 2^53-1: the largest a
	// JavaScript number holds exactly, so both implementations agree.
	MaxSafeInteger = 1<<53 - 1
	// maxTimestamp rejects milliseconds passed as seconds (year 5138).
	maxTimestamp = 100_000_000_000
)

// Claims is what a grant entitles its bearer to. AppID, CardID, ExpiresAt
// and ID are always present in a verified grant; every other field is
// optional and, when empty, means "not set": the edge signs the card
// without it. Nothing the page sends is added to a card signed from a
// grant.
type Claims struct {
	// KeyID names the key that signed the grant. Mint sets it.
	KeyID string `json:"kid"`
	// AppID is the official account the grant is for.
	AppID string `json:"app"`
	// CardID is the card the grant entitles (wx.addCard, or the card_id of
	// wx.chooseCard).
	CardID string `json:"card"`
	// Code, OpenID, OuterStr, FixedBeginTimestamp and Balance are the
	// optional cardExt fields of wx.addCard.
	Code                string `json:"code,omitempty"`
	OpenID              string `json:"openid,omitempty"`
	OuterStr            string `json:"outer_str,omitempty"`
	FixedBeginTimestamp int64  `json:"fixed_begintimestamp,omitempty"`
	// Balance is a LUCKY_MONEY card's amount in fen; nil leaves it out.
	Balance *int64 `json:"balance,omitempty"`
	// ShopID and CardType restrict wx.chooseCard.
	ShopID   string `json:"shop_id,omitempty"`
	CardType string `json:"card_type,omitempty"`
	// IssuedAt and NotBefore are optional Unix times in seconds.
	IssuedAt  int64 `json:"iat,omitempty"`
	NotBefore int64 `json:"nbf,omitempty"`
	// ExpiresAt is the Unix time in seconds after which the grant is
	// refused; at most MaxLifetime after minting.
	ExpiresAt int64 `json:"exp"`
	// ID is random and unique per grant (Mint draws 128 bits when empty).
	ID string `json:"jti"`
}

// validate checks the claims' form; the times against a clock are checked
// by Mint and Verifier.Verify.
func (c *Claims) validate() error {
	texts := []struct {
		name     string
		value    string
		required bool
		max      int
	}{
		{"kid", c.KeyID, true, MaxIDLen},
		{"app", c.AppID, true, MaxFieldLen},
		{"card", c.CardID, true, MaxCardIDLen},
		{"code", c.Code, false, MaxFieldLen},
		{"openid", c.OpenID, false, MaxFieldLen},
		{"outer_str", c.OuterStr, false, MaxFieldLen},
		{"shop_id", c.ShopID, false, MaxFieldLen},
		{"card_type", c.CardType, false, MaxFieldLen},
		{"jti", c.ID, true, MaxIDLen},
	}
	for _, t := range texts {
		if err := checkText(t.name, t.value, t.required, t.max); err != nil {
			return err
		}
	}
	if !isTokenChars(c.KeyID) {
		return claimError("kid", "may hold only A-Z a-z 0-9 . _ -")
	}
	if !isTokenChars(c.ID) {
		return claimError("jti", "may hold only A-Z a-z 0-9 . _ -")
	}
	times := []struct {
		name     string
		value    int64
		required bool
	}{
		{"exp", c.ExpiresAt, true},
		{"iat", c.IssuedAt, false},
		{"nbf", c.NotBefore, false},
		{"fixed_begintimestamp", c.FixedBeginTimestamp, false},
	}
	for _, t := range times {
		switch {
		case t.value == 0 && t.required:
			return claimError(t.name, "is required")
		case t.value < 0:
			return claimError(t.name, "is negative")
		case t.value >= maxTimestamp:
			return claimError(t.name, "looks like milliseconds; grants use seconds")
		}
	}
	if c.Balance != nil && (*c.Balance < 0 || *c.Balance > MaxSafeInteger) {
		return claimError("balance", "is outside 0.."+strconv.Itoa(MaxSafeInteger))
	}
	return nil
}

func checkText(name, v string, required bool, max int) error {
	if v == "" {
		if required {
			return claimError(name, "is required")
		}
		return nil
	}
	if len(v) > max {
		return claimError(name, "is longer than "+strconv.Itoa(max)+" bytes")
	}
	if !utf8.ValidString(v) {
		return claimError(name, "is not valid UTF-8")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return claimError(name, "contains a control character")
		}
	}
	return nil
}

// isTokenChars reports whether s holds only characters that need no
// escaping anywhere (JSON, URLs, log lines).
func isTokenChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func claimError(name, reason string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalidClaims, name, reason)
}

// appendPayload writes the claims as the canonical JSON object both
// implementations produce: fixed field order, empty optional fields left
// out, strings escaped only where JSON requires it (validated claims hold no
// control characters, so only '"' and '\\').
func (c *Claims) appendPayload(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendString(dst, "kid", c.KeyID, true)
	dst = appendString(dst, "app", c.AppID, false)
	dst = appendString(dst, "card", c.CardID, false)
	dst = appendString(dst, "code", c.Code, false)
	dst = appendString(dst, "openid", c.OpenID, false)
	dst = appendString(dst, "outer_str", c.OuterStr, false)
	dst = appendInt(dst, "fixed_begintimestamp", c.FixedBeginTimestamp)
	if c.Balance != nil {
		dst = append(dst, `,"balance":`...)
		dst = strconv.AppendInt(dst, *c.Balance, 10)
	}
	dst = appendString(dst, "shop_id", c.ShopID, false)
	dst = appendString(dst, "card_type", c.CardType, false)
	dst = appendInt(dst, "iat", c.IssuedAt)
	dst = appendInt(dst, "nbf", c.NotBefore)
	dst = appendInt(dst, "exp", c.ExpiresAt)
	dst = appendString(dst, "jti", c.ID, false)
	return append(dst, '}')
}

func appendString(dst []byte, name, v string, first bool) []byte {
	if v == "" && !first {
		return dst
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":"`...)
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, v[i])
	}
	return append(dst, '"')
}

func appendInt(dst []byte, name string, v int64) []byte {
	if v == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return strconv.AppendInt(dst, v, 10)
}
