//go:build !js

package admin

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The JSON of the credential path: encoding/json in native builds. The
// js/wasm build (wire_js.go) uses the reflection-free readers of
// wire_lite.go instead, which wire_lite_test.go holds to these.

func validJSON(b []byte) bool { return json.Valid(b) }

func marshalEntry(e entry) ([]byte, error) { return json.Marshal(e) }

func unmarshalEntry(raw []byte, e *entry) error { return json.Unmarshal(raw, e) }

func (r *tokenResponse) decodeResponse(raw []byte) error { return json.Unmarshal(raw, r) }

func (r *ticketResponse) decodeResponse(raw []byte) error { return json.Unmarshal(raw, r) }

func encodeStableTokenRequest(r stableTokenRequest) ([]byte, error) { return encodeJSON(r) }

// envelope is the part of every WeChat response that reports errors.
// errcode is kept raw because it has been seen as a number and as a string.
type envelope struct {
	Errcode json.RawMessage `json:"errcode"`
	Errmsg  string          `json:"errmsg"`
}

// peekErrcode reads errcode and errmsg. ok is false when raw is not a JSON
// object or errcode is neither an integer nor a numeric string. A missing
// errcode means success (cgi-bin/token omits it).
func peekErrcode(raw []byte) (code int, msg string, ok bool) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return 0, "", false
	}
	if len(env.Errcode) == 0 || string(env.Errcode) == "null" {
		return 0, env.Errmsg, true
	}
	s := string(env.Errcode)
	if s[0] == '"' {
		if err := json.Unmarshal(env.Errcode, &s); err != nil {
			return 0, "", false
		}
		s = strings.TrimSpace(s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, "", false
	}
	return n, env.Errmsg, true
}
