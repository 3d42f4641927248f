package admin

import (
	"errors"
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/internal/jsonlite"
)

// Reflection-free JSON for the credential path (tokens, tickets, the
// cached entry, errcode), decoding as encoding/json's Unmarshal does into
// the same structs. The js/wasm build uses these (wire_js.go); native
// builds use encoding/json, and wire_lite_test.go checks that the two agree.

// errLiteType is a value of the wrong JSON type for its field, which
// encoding/json reports as an *UnmarshalTypeError.
var errLiteType = errors.New("wxcard: JSON value of the wrong type")

// liteField is one struct field: its JSON name and how to store a value.
// set returns errLiteType for a value of the wrong type, which, as in
// encoding/json, is reported only after the rest of the object is stored;
// any other error stops decoding at once (an UnmarshalJSON failure).
type liteField struct {
	name string
	set  func(v jsonlite.Value) error
}

// decodeObjectLite fills fields from the JSON object in raw as Unmarshal
// fills a struct: unknown keys ignored, keys matched exactly or else
// case-insensitively, the last duplicate winning, null leaving a field as
// it is, and a top-level null doing nothing.
func decodeObjectLite(raw []byte, fields []liteField) error {
	top, err := jsonlite.Parse(raw)
	if err != nil {
		return err
	}
	switch top.Kind {
	case jsonlite.Null:
		return nil
	case jsonlite.Object:
	default:
		return errLiteType
	}
	var typeErr error
	err = top.Members(func(key string, v jsonlite.Value) error {
		f := matchField(fields, key)
		if f == nil {
			return nil
		}
		err := f.set(v)
		if errors.Is(err, errLiteType) {
			if typeErr == nil {
				typeErr = err
			}
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return typeErr
}

func matchField(fields []liteField, key string) *liteField {
	if i := jsonlite.MatchField(len(fields), func(i int) string { return fields[i].name }, key); i >= 0 {
		return &fields[i]
	}
	return nil
}

func liteString(dst *string) func(jsonlite.Value) error {
	return func(v jsonlite.Value) error {
		if v.Kind == jsonlite.Null {
			return nil
		}
		s, ok := v.Str()
		if !ok {
			return errLiteType
		}
		*dst = s
		return nil
	}
}

func liteInt64(dst *int64) func(jsonlite.Value) error {
	return func(v jsonlite.Value) error {
		if v.Kind == jsonlite.Null {
			return nil
		}
		n, ok := v.Int64()
		if !ok {
			return errLiteType
		}
		*dst = n
		return nil
	}
}

// liteFlexInt hands the raw value to flexInt's UnmarshalJSON, null
// included, as encoding/json does for a type with that method.
func liteFlexInt(dst *flexInt) func(jsonlite.Value) error {
	return func(v jsonlite.Value) error { return dst.UnmarshalJSON(v.Raw) }
}

func (r *tokenResponse) decodeLite(raw []byte) error {
	return decodeObjectLite(raw, []liteField{
		{"access_token", liteString(&r.AccessToken)},
		{"expires_in", liteFlexInt(&r.ExpiresIn)},
	})
}

func (r *ticketResponse) decodeLite(raw []byte) error {
	return decodeObjectLite(raw, []liteField{
		{"ticket", liteString(&r.Ticket)},
		{"expires_in", liteFlexInt(&r.ExpiresIn)},
	})
}

func decodeEntryLite(raw []byte, e *entry) error {
	return decodeObjectLite(raw, []liteField{
		{"v", liteString(&e.Value)},
		{"exp", liteInt64(&e.Expiry)},
		{"iat", liteInt64(&e.Issued)},
		{"gen", liteString(&e.Gen)},
	})
}

// appendEntryJSON writes e byte for byte as json.Marshal does.
func appendEntryJSON(dst []byte, e entry) []byte {
	dst = append(dst, `{"v":`...)
	dst = jsonlite.AppendString(dst, e.Value, true)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, e.Expiry, 10)
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, e.Issued, 10)
	dst = append(dst, `,"gen":`...)
	dst = jsonlite.AppendString(dst, e.Gen, true)
	return append(dst, '}')
}

// appendJSON writes r as encodeJSON does (no HTML escaping).
func (r stableTokenRequest) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"grant_type":`...)
	dst = jsonlite.AppendString(dst, r.GrantType, false)
	dst = append(dst, `,"appid":`...)
	dst = jsonlite.AppendString(dst, r.AppID, false)
	dst = append(dst, `,"secret":`...)
	dst = jsonlite.AppendString(dst, r.Secret, false)
	dst = append(dst, `,"force_refresh":`...)
	dst = strconv.AppendBool(dst, r.ForceRefresh)
	return append(dst, '}')
}

// peekErrcodeLite is peekErrcode without encoding/json.
func peekErrcodeLite(raw []byte) (code int, msg string, ok bool) {
	var errcode []byte
	err := decodeObjectLite(raw, []liteField{
		{"errcode", func(v jsonlite.Value) error { errcode = v.Raw; return nil }},
		{"errmsg", liteString(&msg)},
	})
	if err != nil {
		return 0, "", false
	}
	if len(errcode) == 0 || string(errcode) == "null" {
		return 0, msg, true
	}
	s := string(errcode)
	if s[0] == '"' {
		v, _ := jsonlite.Parse(errcode)
		s, _ = v.Str()
		s = strings.TrimSpace(s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, "", false
	}
	return n, msg, true
}
