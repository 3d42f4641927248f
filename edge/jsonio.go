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

// maxDrain bounds how much of a rejected body is read and thrown away.
const maxDrain = 1 << 20

// drainBody reads what is left of a rejected request body, up to maxDrain,
// before the error is answered. A server that answers while the client is
// still sending makes some hosts (workerd among them) reset the connection,
// and the client then sees "connection reset" instead of the 413 or 400.
func drainBody(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, maxDrain)
}

// decodeBody reads a JSON object from the request into dst, rejecting
// anything the API does not define: unknown fields, wrong types, trailing
// data, bodies over the limit.
func decodeBody(s *settings, w http.ResponseWriter, r *http.Request, dst any) (failed *apiError) {
	defer func() {
		if failed != nil {
			drainBody(r.Body)
		}
	}()
	if e := checkContentType(r); e != nil {
		return e
	}
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge, code: CodeBodyTooLarge,
		message: "the body is larger than " + strconv.FormatInt(s.maxBody, 10) + " bytes"}
	if r.ContentLength > s.maxBody {
		return tooLarge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
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
	case errors.As(err, &maxErr):
		return tooLarge
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
