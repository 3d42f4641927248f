//go:build js

package edge

import (
	"errors"
	"io"
	"net/http"
)

// readJSONBody decodes the body with decodeJSONLite: encoding/json's
// reflection is a large share of the edge Worker's bundle and start-up.
// Native builds use encoding/json (jsonio_std.go); the tests hold the two
// to the same answers.
func readJSONBody(s *settings, w http.ResponseWriter, r *http.Request, dst requestBody) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge(s)
		}
		return badRequest(CodeInvalidJSON, "the body is not a valid request")
	}
	return decodeJSONLite(body, dst)
}
