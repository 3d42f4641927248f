// Package errorbody is the JSON body wxcard's HTTP handlers refuse a request
// with, {"error":{"code":"…","message":"…"}}, so that a caller reads every
// refusal the same way: Write answers with it (the events push handler, the
// OAuth login handler), and the dev servers (internal/devhttp) and the
// emulator's control routes encode New with their own headers. The Worker's
// edge handlers write the same shape with their own encoder, as they link no
// encoding/json.
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

// New is the Body of code and msg. msg is sent as given: it must hold no
// secret.
func New(code, msg string) Body {
	var body Body
	body.Error.Code, body.Error.Message = code, msg
	return body
}

// Write answers with status and the Body of code and msg.
func Write(w http.ResponseWriter, status int, code, msg string) {
	out, _ := json.Marshal(New(code, msg))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(out)
}
