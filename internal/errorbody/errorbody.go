// Package errorbody writes the JSON body that wxcard's HTTP handlers (the
// events push handler, the OAuth login handler) refuse a request with,
// {"error":{"code":"…","message":"…"}}, so that a caller reads every
// refusal the same way.
package errorbody

import (
	"encoding/json"
	"net/http"
)

// Body is the refusal as it travels; Code is the handler's stable code.
type Body struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Write answers with status and the Body of code and msg. msg is sent as
// given: it must hold no secret.
func Write(w http.ResponseWriter, status int, code, msg string) {
	var body Body
	body.Error.Code, body.Error.Message = code, msg
	out, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(out)
}
