package signer

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrInvalidInput is matched by every *ValidationError with errors.Is.
var ErrInvalidInput = errors.New("signer: invalid input")

// ValidationError says which input was rejected and why. Field uses the JSON
// name WeChat gives the value (card_id, nonce_str, …); for a card in a list it
// is prefixed with the index, as in "cards[2].card_id". The rejected value is
// never included: it may be a ticket.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return "signer: invalid " + e.Field + ": " + e.Reason
}

// Unwrap lets errors.Is(err, ErrInvalidInput) match.
func (e *ValidationError) Unwrap() error { return ErrInvalidInput }

// Limits enforced by the builders. WeChat publishes few of its own; these are
// generous bounds that every real value fits, chosen so that a mistake (a
// whole JSON document pasted as a card id) fails here with a clear message
// instead of at WeChat with "签名错误".
const (
	// MaxCardIDLen: WeChat card ids are 28 characters today.
	MaxCardIDLen = 64
	// MaxNonceLen is WeChat's documented maximum for nonce_str.
	MaxNonceLen = 32
	// MaxTicketLen: WeChat asks for at least 512 bytes of storage for tokens.
	MaxTicketLen = 512
	// MaxFieldLen bounds code, openid, outer_str, app id, shop id and card type.
	MaxFieldLen = 128
	// MaxURLLen bounds the page URL signed for wx.config.
	MaxURLLen = 4096
	// MaxCardsPerAddCard caps one wx.addCard call. WeChat does not document a
	// limit; its batch-add sheet becomes unusable long before 50 cards, and a
	// larger list is far more likely to be a bug than a need.
	MaxCardsPerAddCard = 50
	// MaxJSAPIListLen caps jsApiList in wx.config.
	MaxJSAPIListLen = 128
	// millisecondThreshold: a "seconds" timestamp this large is really
	// milliseconds (year 5138 in seconds), a classic cause of bad signatures.
	millisecondThreshold = 100_000_000_000
)

// ReasonRequired is the Reason of a ValidationError for a required value
// that is empty, so callers can tell a missing value from a bad one.
const ReasonRequired = "is required"

// wrappedError is fmt.Errorf("%s: %w") without fmt, which the signer keeps
// out of the wasm module: prefix says where, err is the cause.
type wrappedError struct {
	prefix string
	err    error
}

func (e *wrappedError) Error() string { return e.prefix + ": " + e.err.Error() }
func (e *wrappedError) Unwrap() error { return e.err }

func wrap(prefix string, err error) error { return &wrappedError{prefix: prefix, err: err} }

func invalid(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason}
}

// checkText rejects values WeChat cannot have produced or will not accept:
// too long, invalid UTF-8, or containing control characters.
func checkText(field, v string, required bool, max int) error {
	if v == "" {
		if required {
			return invalid(field, ReasonRequired)
		}
		return nil
	}
	if len(v) > max {
		return invalid(field, "is longer than "+strconv.Itoa(max)+" bytes")
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

func checkTimestamp(field string, ts int64) error {
	switch {
	case ts < 0:
		return invalid(field, "is negative")
	case ts >= millisecondThreshold:
		return invalid(field, "looks like milliseconds; WeChat signs seconds")
	}
	return nil
}

func checkNonce(field, nonce string) error {
	if err := checkText(field, nonce, true, MaxNonceLen); err != nil {
		return err
	}
	for i := 0; i < len(nonce); i++ {
		if nonce[i] > 0x7e || nonce[i] == ' ' {
			return invalid(field, "must be printable ASCII without spaces")
		}
	}
	return nil
}
