package main

import (
	"bytes"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/wxcard/wxcard/internal/jsonlite"

	"github.com/wxcard/wxcard/signer"
)

// badField rejects one input field; the message names the field, never its value.
func badField(field, reason string) error {
	return &requestError{code: CodeInvalidInput, field: field, message: field + " " + reason}
}

// checkEscapes rejects a \u escape of a lone UTF-16 surrogate, which
// JSON decoders turn into U+FFFD: it would reach the signer as a character
// the caller never wrote and be signed silently. It also names a malformed
// escape more precisely than the parser's "not valid JSON".
// Backslashes only occur inside JSON strings, so every one is an escape.
func checkEscapes(req []byte) error {
	for i := bytes.IndexByte(req, '\\'); i >= 0 && i < len(req); {
		if i+1 >= len(req) {
			return nil // an unterminated string: the parser reports it
		}
		switch req[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			r, ok := hex4(req, i+2)
			switch {
			case !ok:
				return &requestError{code: CodeInvalidJSON, message: "the request has a malformed \\u escape"}
			case utf16.IsSurrogate(r):
				low, ok := hex4(req, i+8)
				if r >= 0xdc00 || !ok || req[i+6] != '\\' || req[i+7] != 'u' || low < 0xdc00 || low > 0xdfff {
					return &requestError{code: CodeInvalidUTF8, message: "the request escapes a lone UTF-16 surrogate, which is not valid Unicode"}
				}
				i += 12
			default:
				i += 6
			}
		default:
			return &requestError{code: CodeInvalidJSON, message: "the request has an invalid escape sequence"}
		}
		next := bytes.IndexByte(req[i:], '\\')
		if next < 0 {
			break
		}
		i += next
	}
	return nil
}

// hex4 reads the 4 hex digits of a \u escape at req[at:].
func hex4(req []byte, at int) (rune, bool) {
	if at+4 > len(req) {
		return 0, false
	}
	var r rune
	for _, c := range req[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// fields walks a request object, calling set for every member and
// rejecting duplicates, so {"card_id":"a","card_id":"b"} cannot mean two
// things to two parsers.
func fields(obj jsonlite.Value, prefix string, set func(name string, v jsonlite.Value) error) error {
	var seenBuf [12]string
	seen := seenBuf[:0]
	return obj.Members(func(name string, v jsonlite.Value) error {
		if name == "" {
			return unknownField(prefix, "")
		}
		if slices.Contains(seen, name) {
			return badField(prefix+fieldName(name), "is given twice")
		}
		seen = append(seen, name)
		return set(name, v)
	})
}

// textField binds a request member whose value is text to where it goes
// and how it is read.
type textField struct {
	name string
	dst  *string
	read func(v jsonlite.Value, field string) (string, error)
}

// textFields reads a request whose members are all text fields; any other
// member is unknown.
func textFields(obj jsonlite.Value, bound ...textField) error {
	return fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		for _, f := range bound {
			if f.name == name {
				*f.dst, err = f.read(v, name)
				return err
			}
		}
		return unknownField("", name)
	})
}

// arrayItems returns the elements of an array value, at most max of them;
// a value of another kind is rejected with notArray, a longer array as
// having more than max of what.
func arrayItems(v jsonlite.Value, field, notArray, what string, max int) ([]jsonlite.Value, error) {
	if v.Kind != jsonlite.Array {
		return nil, badField(field, notArray)
	}
	var items []jsonlite.Value
	err := v.Elements(func(i int, item jsonlite.Value) error {
		if i == max {
			return badField(field, "has more than "+strconv.Itoa(max)+" "+what)
		}
		items = append(items, item)
		return nil
	})
	return items, err
}

// fieldName returns a member name fit for an error message: a key that does
// not look like an identifier could be a pasted secret and is not repeated.
func fieldName(name string) string {
	if len(name) == 0 || len(name) > 32 {
		return "a field"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "a field"
		}
	}
	return name
}

func unknownField(prefix, name string) error {
	return badField(prefix+fieldName(name), "is not a known field")
}

func asString(v jsonlite.Value, field string) (string, error) {
	switch v.Kind {
	case jsonlite.String:
		s, _ := v.Str()
		return s, nil
	case jsonlite.Null:
		return "", badField(field, "is null: leave an absent value out instead")
	}
	return "", badField(field, "must be a string")
}

// asCheckedText reads a value under verification: JSON null is what a
// page passes for a forgotten value, so it becomes the text "null" for the
// verifier to name instead of failing the request.
func asCheckedText(v jsonlite.Value, field string) (string, error) {
	if v.Kind == jsonlite.Null {
		return "null", nil
	}
	return asString(v, field)
}

// asCardExtText reads the cardExt under verification, which must be the
// JSON string wx.addCard takes; an object is the usual mistake of passing
// it unencoded.
func asCardExtText(v jsonlite.Value, field string) (string, error) {
	if v.Kind == jsonlite.Object {
		return "", badField(field, "must be the cardExt JSON string that wx.addCard takes, not an object: JSON.stringify it")
	}
	return asString(v, field)
}

// asTimestampText reads a timestamp under verification as the text the page
// wrote, a JSON number or a string alike; the verifier judges it.
func asTimestampText(v jsonlite.Value, field string) (string, error) {
	if v.Kind == jsonlite.Number {
		return string(v.Raw), nil
	}
	return asCheckedText(v, field)
}

// asInt64 accepts a JSON integer or a string of decimal digits: JavaScript
// callers hold timestamps either way.
func asInt64(v jsonlite.Value, field string) (int64, error) {
	var s string
	switch v.Kind {
	case jsonlite.Number:
		n, ok := v.Int64()
		if !ok {
			return 0, badField(field, "must be an integer")
		}
		return n, nil
	case jsonlite.String:
		s, _ = v.Str()
	default:
		return 0, badField(field, "must be an integer")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		// "+5" or "007" would be signed as 5 or 7: not what the caller wrote.
		return 0, badField(field, "must be an integer without sign or leading zeros")
	}
	return n, nil
}

func asStringList(v jsonlite.Value, field string, max int) ([]string, error) {
	items, err := arrayItems(v, field, "must be an array of strings", "entries", max)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, item := range items {
		if out[i], err = asString(item, field+"["+strconv.Itoa(i)+"]"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeCardField sets one wx.addCard card field; ok is false for a name
// that is not a card field.
func decodeCardField(c *signer.Card, prefix, name string, v jsonlite.Value) (ok bool, err error) {
	field := prefix + name
	switch name {
	case "card_id":
		c.CardID, err = asString(v, field)
	case "code":
		c.Code, err = asString(v, field)
	case "openid":
		c.OpenID, err = asString(v, field)
	case "outer_str":
		c.OuterStr, err = asString(v, field)
	case "fixed_begintimestamp":
		c.FixedBeginTimestamp, err = asInt64(v, field)
	case "balance":
		var b int64
		b, err = asInt64(v, field)
		c.Balance = &b
	default:
		return false, nil
	}
	return true, err
}

// pins holds the optional explicit timestamp and nonces of a request and
// records the ones the signer used, so a response can show exactly what
// was signed. Without them the signer's defaults apply: time.Now (WASI
// clock_time_get) and crypto/rand (WASI random_get).
type pins struct {
	timestamp    int64
	hasTimestamp bool
	nonces       []string
	next         int

	usedTimestamp int64
	usedNonces    []string
}

func (p *pins) decode(name string, v jsonlite.Value) (ok bool, err error) {
	switch name {
	case "timestamp":
		p.timestamp, err = asInt64(v, name)
		p.hasTimestamp = true
	case "nonce_str":
		var n string
		n, err = asString(v, name)
		p.nonces = []string{n}
	default:
		return false, nil
	}
	return true, err
}

// signer returns the signer's defaults untouched unless the request pinned
// a value or the caller needs to see what was used (record).
func (p *pins) signer(record bool) (*signer.Signer, error) {
	if !record && !p.hasTimestamp && p.nonces == nil {
		return signer.New()
	}
	return signer.New(
		signer.WithClock(func() time.Time {
			t := time.Now()
			if p.hasTimestamp {
				t = time.Unix(p.timestamp, 0)
			}
			p.usedTimestamp = t.Unix()
			return t
		}),
		signer.WithNonceSource(func() (string, error) {
			var n string
			if p.next < len(p.nonces) {
				n = p.nonces[p.next]
				p.next++
			} else {
				var err error
				if n, err = signer.RandomNonce(signer.DefaultNonceLen); err != nil {
					return "", err
				}
			}
			p.usedNonces = append(p.usedNonces, n)
			return n, nil
		}),
	)
}
