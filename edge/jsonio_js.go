//go:build js

package edge

import (
	"errors"
	"io"
)

// readJSONBody decodes the body, already limited to Config.MaxBodyBytes,
// with decodeJSONLite: encoding/json's reflection is a large share of the
// edge Worker's bundle and start-up. Native builds use encoding/json
// (jsonio_std.go); the tests hold the two to the same answers.
func readJSONBody(s *settings, body io.Reader, dst requestBody) *apiError {
	raw, err := io.ReadAll(body)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return tooLarge(s)
		}
		return badRequest(CodeInvalidJSON, "the body is not a valid request")
	}
	return decodeJSONLite(raw, dst)
}
