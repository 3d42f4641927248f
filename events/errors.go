package events

import "errors"

// Stable codes for refusals. They are the "code" of the JSON error body the
// Handler answers with, and the Code of an [*Error].
const (
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeMissingParameter   = "missing_parameter"
	CodeBadSignature       = "bad_signature"
	CodeStaleTimestamp     = "stale_timestamp"
	CodeBodyTooLarge       = "body_too_large"
	CodeBadXML             = "bad_xml"
	CodeBadEncryption      = "bad_encryption"
	CodeWrongAppID         = "wrong_appid"
	CodeEncryptionRequired = "encryption_required"
	CodeEncryptionDisabled = "encryption_not_configured"
	CodeDedupUnavailable   = "dedup_unavailable"
	CodeCallbackFailed     = "callback_failed"
	CodeInvalidArgument    = "invalid_argument"
)

// Sentinels that errors.Is matches against an [*Error] of the same kind.
var (
	ErrInvalidArgument = errors.New("events: invalid argument")
	ErrSignature       = errors.New("events: bad signature")
	ErrDecrypt         = errors.New("events: cannot decrypt")
	ErrAppID           = errors.New("events: wrong app id")
	ErrXML             = errors.New("events: bad xml")
)

// Error is a refusal with a stable Code. Messages never contain the token,
// the key or any part of a message body.
type Error struct {
	Code string
	Msg  string
	err  error
}

func (e *Error) Error() string { return "events: " + e.Code + ": " + e.Msg }

// Unwrap returns the sentinel (ErrSignature, ErrDecrypt…) or the cause.
func (e *Error) Unwrap() error { return e.err }

func invalidArg(msg string) error {
	return &Error{Code: CodeInvalidArgument, Msg: msg, err: ErrInvalidArgument}
}

func decryptErr(msg string) error {
	return &Error{Code: CodeBadEncryption, Msg: msg, err: ErrDecrypt}
}

func xmlErr(msg string, cause error) error {
	return &Error{Code: CodeBadXML, Msg: msg, err: errors.Join(ErrXML, cause)}
}
