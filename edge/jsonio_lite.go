package edge

import (
	"errors"
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/internal/jsonlite"
)

// requestBody is a request the API decodes from JSON. Native builds decode
// it with encoding/json and its struct tags; js/wasm builds call
// decodeLite, which fills it as encoding/json would.
type requestBody interface {
	decodeLite(v jsonlite.Value, d *liteDecoder)
}

// decodeJSONLite decodes a whole body into dst without reflection,
// answering what encoding/json's Decoder (DisallowUnknownFields, then a
// check for trailing data) makes decodeBody answer: the same codes, and
// the same messages but for the byte offsets of syntax errors after the
// first value.
func decodeJSONLite(body []byte, dst requestBody) *apiError {
	end, err := jsonlite.CheckPrefix(body)
	if err != nil {
		return liteSyntaxError(body, err)
	}
	top, err := jsonlite.Parse(body[:end])
	if err != nil {
		return liteSyntaxError(body, err)
	}
	var d liteDecoder
	dst.decodeLite(top, &d)
	if d.err != nil {
		return d.err
	}
	rest := strings.TrimLeft(string(body[end:]), " \t\r\n")
	if rest == "" {
		return nil
	}
	trailing := badRequest(CodeInvalidJSON, "the body has data after the JSON object")
	switch rest[0] {
	case '{', '[':
		return trailing
	case '}', ']', ',', ':':
		return badRequest(CodeInvalidJSON, "the body is not valid JSON (at byte "+strconv.Itoa(len(body)-len(rest)+1)+")")
	}
	if _, err := jsonlite.CheckPrefix([]byte(rest)); err != nil {
		return liteSyntaxError([]byte(rest), err)
	}
	return trailing
}

func liteSyntaxError(body []byte, err error) *apiError {
	var syntax *jsonlite.SyntaxError
	switch {
	case strings.TrimLeft(string(body), " \t\r\n") == "":
		return badRequest(CodeInvalidJSON, "the body is empty; send a JSON object")
	case errors.Is(err, jsonlite.ErrUnexpectedEnd) || errors.As(err, &syntax) && syntax.AtEnd:
		return badRequest(CodeInvalidJSON, "the body is truncated JSON")
	case syntax != nil:
		return badRequest(CodeInvalidJSON, "the body is not valid JSON (at byte "+strconv.FormatInt(syntax.Offset, 10)+")")
	default:
		return badRequest(CodeInvalidJSON, "the body is not a valid request")
	}
}

// liteDecoder keeps the first error of a decode, as encoding/json keeps
// the first type mismatch or unknown field and reads on, and the path of
// field names it is in, for the message.
type liteDecoder struct {
	err  *apiError
	path []string
}

func (d *liteDecoder) typeError(want string) {
	if d.err != nil {
		return
	}
	field := strings.Join(d.path, ".")
	if field == "" {
		d.err = badRequest(CodeInvalidJSON, "the body must be a JSON object")
		return
	}
	d.err = badRequest(CodeInvalidJSON, "field "+quoteForMessage(field)+" must be "+want)
}

// liteField is one struct field: its JSON name, how to store a value and,
// for a field promoted from an embedded struct, the path encoding/json
// names it by in errors ("Card.card_id").
type liteField struct {
	name string
	set  func(v jsonlite.Value, d *liteDecoder)
	path string
}

// object fills fields from v as encoding/json fills a struct: keys matched
// exactly or else case-insensitively, the last duplicate winning, null
// leaving the struct as it is, an unknown key an error.
func (d *liteDecoder) object(v jsonlite.Value, fields []liteField) {
	switch v.Kind {
	case jsonlite.Null:
		return
	case jsonlite.Object:
	default:
		d.typeError("an object")
		return
	}
	_ = v.Members(func(key string, member jsonlite.Value) error {
		f := matchLiteField(fields, key)
		if f == nil {
			if d.err == nil {
				d.err = badRequest(CodeUnknownField, "unknown field "+quoteForMessage(key))
			}
			return nil
		}
		if f.path != "" {
			d.path = append(d.path, f.path)
		} else {
			d.path = append(d.path, f.name)
		}
		f.set(member, d)
		d.path = d.path[:len(d.path)-1]
		return nil
	})
}

func matchLiteField(fields []liteField, key string) *liteField {
	if i := jsonlite.MatchField(len(fields), func(i int) string { return fields[i].name }, key); i >= 0 {
		return &fields[i]
	}
	return nil
}

func liteString(dst *string) func(jsonlite.Value, *liteDecoder) {
	return func(v jsonlite.Value, d *liteDecoder) {
		if v.Kind == jsonlite.Null {
			return
		}
		s, ok := v.Str()
		if !ok {
			d.typeError("a string")
			return
		}
		*dst = s
	}
}

func liteInt64(dst *int64) func(jsonlite.Value, *liteDecoder) {
	return func(v jsonlite.Value, d *liteDecoder) {
		if v.Kind == jsonlite.Null {
			return
		}
		n, ok := v.Int64()
		if !ok {
			d.typeError("an integer")
			return
		}
		*dst = n
	}
}

// liteInt64Ptr decodes as encoding/json does into a *int64: null sets it
// to nil; a number is stored in the pointed-to value, allocated if nil.
func liteInt64Ptr(dst **int64) func(jsonlite.Value, *liteDecoder) {
	return func(v jsonlite.Value, d *liteDecoder) {
		if v.Kind == jsonlite.Null {
			*dst = nil
			return
		}
		if *dst == nil {
			*dst = new(int64)
		}
		liteInt64(*dst)(v, d)
	}
}

func (r *addCardRequest) decodeLite(v jsonlite.Value, d *liteDecoder) {
	d.object(v, []liteField{{"cards", func(v jsonlite.Value, d *liteDecoder) { decodeCardsLite(v, d, &r.Cards) }, ""}})
}

// decodeCardsLite decodes an array into the slice as encoding/json does:
// elements decoded over what the slice already holds (a repeated "cards"
// key merges into the earlier cards), an empty array as a new empty slice,
// null as nil.
func decodeCardsLite(v jsonlite.Value, d *liteDecoder, dst *[]cardRequest) {
	switch v.Kind {
	case jsonlite.Null:
		*dst = nil
		return
	case jsonlite.Array:
	default:
		d.typeError("an array")
		return
	}
	cards := *dst
	n := 0
	_ = v.Elements(func(i int, elem jsonlite.Value) error {
		if i < cap(cards) {
			cards = cards[:i+1]
		} else {
			cards = append(cards[:i], cardRequest{})
		}
		cards[i].decodeLite(elem, d)
		n = i + 1
		return nil
	})
	if n == 0 {
		*dst = []cardRequest{}
		return
	}
	*dst = cards[:n]
}

func (c *cardRequest) decodeLite(v jsonlite.Value, d *liteDecoder) {
	d.object(v, []liteField{
		{"card_id", liteString(&c.CardID), "Card.card_id"},
		{"code", liteString(&c.Code), "Card.code"},
		{"openid", liteString(&c.OpenID), "Card.openid"},
		{"outer_str", liteString(&c.OuterStr), "Card.outer_str"},
		{"fixed_begintimestamp", liteInt64(&c.FixedBeginTimestamp), "Card.fixed_begintimestamp"},
		{"balance", liteInt64Ptr(&c.Balance), "Card.balance"},
		{"grant", liteString(&c.Grant), ""},
	})
}

func (r *chooseCardRequest) decodeLite(v jsonlite.Value, d *liteDecoder) {
	d.object(v, []liteField{
		{"shop_id", liteString(&r.ShopID), ""},
		{"card_type", liteString(&r.CardType), ""},
		{"card_id", liteString(&r.CardID), ""},
		{"grant", liteString(&r.Grant), ""},
	})
}
