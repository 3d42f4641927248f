package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/signer"
)

// Exit statuses; the package documentation lists them for operators.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitConfig      = 3
	exitWeChat      = 4
	exitUnavailable = 5
	exitMismatch    = 6
	exitIncomplete  = 7
	exitInterrupted = 130
)

// Errors the commands return for outcomes that are not failures of a call.
var (
	// errUsage is matched by every error from usagef.
	errUsage = errors.New("usage")
	// errConfig is matched by every error from configf.
	errConfig = errors.New("configuration")
	// errMismatch: verify found a signature that does not verify.
	errMismatch = errors.New("the signature does not verify")
	// errIncomplete: a deposit ran to the end but WeChat refused codes.
	errIncomplete = errors.New("some codes were refused")
	// errInterrupted: Ctrl-C stopped a command that can be resumed.
	errInterrupted = errors.New("interrupted")
)

// classedError reads as err and matches both its class (errUsage,
// errConfig) and, formatted with %w, the error err names, which stays
// inspectable.
type classedError struct{ class, err error }

func (e *classedError) Error() string   { return e.err.Error() }
func (e *classedError) Unwrap() []error { return []error{e.class, e.err} }

// usagef is a mistake on the command line or in an input file.
func usagef(format string, args ...any) error {
	return &classedError{class: errUsage, err: fmt.Errorf(format, args...)}
}

// configf says the app to talk to could not be set up.
func configf(format string, args ...any) error {
	return &classedError{class: errConfig, err: fmt.Errorf(format, args...)}
}

// credentialErrcodes are WeChat's answers that mean the configured app
// cannot call at all: fixing them is the operator's, not a retry's.
var credentialErrcodes = []error{
	admin.ErrInvalidAppID, admin.ErrInvalidAppSecret, admin.ErrIPNotWhitelisted,
	admin.ErrAPIUnauthorized, admin.ErrInvalidGrantType,
}

// classify maps an error to the exit status and the stable code of the
// --json error body.
func classify(err error) (status int, code string) {
	var apiErr *admin.APIError
	var httpErr *admin.HTTPError
	var decodeErr *admin.DecodeError
	var netErr net.Error
	var urlErr *url.Error
	switch {
	// Before usage: a configuration error may wrap the admin client's
	// refusal of a malformed appid, which is invalid input too.
	case errors.Is(err, errConfig):
		return exitConfig, "config"
	case errors.Is(err, errUsage), errors.Is(err, admin.ErrInvalidInput), errors.Is(err, signer.ErrInvalidInput):
		return exitUsage, "usage"
	case errors.Is(err, errMismatch):
		return exitMismatch, "mismatch"
	case errors.Is(err, errIncomplete):
		return exitIncomplete, "incomplete"
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted, "interrupted"
	case errors.As(err, &apiErr):
		for _, c := range credentialErrcodes {
			if errors.Is(err, c) {
				return exitConfig, "credentials_refused"
			}
		}
		if errors.Is(err, admin.ErrSystemBusy) {
			return exitUnavailable, "unavailable"
		}
		return exitWeChat, "wechat_error"
	case errors.Is(err, admin.ErrRefreshTimeout), errors.As(err, &httpErr), errors.As(err, &decodeErr),
		errors.As(err, &netErr), errors.As(err, &urlErr), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return exitUnavailable, "unavailable"
	}
	return exitFailure, "failure"
}

// transient reports whether a failed call may succeed if made again.
func transient(err error) bool {
	s, _ := classify(err)
	return s == exitUnavailable
}

// fail reports err (never a secret: the admin client's errors are redacted,
// and this package's own never quote one) and returns the exit status.
func (inv *invocation) fail(err error) int {
	if errors.Is(err, errHelp) {
		return exitOK
	}
	status, code := classify(err)
	msg := err.Error()
	if !strings.HasPrefix(msg, "wxcard: ") {
		msg = "wxcard: " + msg
	}
	fmt.Fprintln(inv.env.stderr, msg)
	var shown *reported
	if inv.g.json && !errors.As(err, &shown) {
		body := map[string]any{"code": code, "message": err.Error()}
		var apiErr *admin.APIError
		if errors.As(err, &apiErr) {
			body["errcode"] = apiErr.Code
		}
		inv.writeJSON(map[string]any{"error": body})
	}
	return status
}
