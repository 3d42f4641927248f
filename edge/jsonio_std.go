//go:build !js

package edge

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// readJSONBody decodes the body, already limited to Config.MaxBodyBytes
// (by net/http's MaxBytesReader or limitReader), with encoding/json. The
// js/wasm build (jsonio_js.go) decodes with decodeJSONLite instead, which
// the tests hold to this one.
func readJSONBody(s *settings, body io.Reader, dst requestBody) *apiError {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = terr
			if err == nil {
				err = errTrailingData
			}
		}
	}
	if err == nil {
		return nil
	}
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr) || errors.Is(err, errBodyTooLarge):
		return tooLarge(s)
	case errors.Is(err, io.EOF):
		return badRequest(CodeInvalidJSON, "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(CodeInvalidJSON, "the body is truncated JSON")
	case errors.Is(err, errTrailingData):
		return badRequest(CodeInvalidJSON, "the body has data after the JSON object")
	case errors.As(err, &syntaxErr):
		return badRequest(CodeInvalidJSON, "the body is not valid JSON (at byte "+strconv.FormatInt(syntaxErr.Offset, 10)+")")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return badRequest(CodeInvalidJSON, "the body must be a JSON object")
		}
		return badRequest(CodeInvalidJSON, "field "+quoteForMessage(field)+" must be "+jsonKind(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = "?"
		}
		return badRequest(CodeUnknownField, "unknown field "+quoteForMessage(name))
	default:
		return badRequest(CodeInvalidJSON, "the body is not a valid request")
	}
}

var errTrailingData = errors.New("trailing data")

// jsonKind names the JSON type a Go type decodes from, for error messages.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	}
	return "of another type"
}
