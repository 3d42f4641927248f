//go:build js

package admin

import "github.com/wxcard/wxcard/internal/jsonlite"

// The JSON of the credential path in js/wasm builds: the readers of
// wire_lite.go, so that the edge Worker, which only fetches tickets, does
// not link encoding/json. Native builds use encoding/json (wire.go).

func validJSON(b []byte) bool { return jsonlite.Check(b) == nil }

func marshalEntry(e entry) ([]byte, error) { return appendEntryJSON(nil, e), nil }

func unmarshalEntry(raw []byte, e *entry) error { return decodeEntryLite(raw, e) }

func (r *tokenResponse) decodeResponse(raw []byte) error { return r.decodeLite(raw) }

func (r *ticketResponse) decodeResponse(raw []byte) error { return r.decodeLite(raw) }

func encodeStableTokenRequest(r stableTokenRequest) ([]byte, error) { return r.appendJSON(nil), nil }

func peekErrcode(raw []byte) (code int, msg string, ok bool) { return peekErrcodeLite(raw) }
