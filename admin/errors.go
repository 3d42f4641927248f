package admin

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/internal/apierror"
	"github.com/wxcard/wxcard/signer"
)

// APIError is an error WeChat reported in a response body: a non-zero
// errcode. Op names the API that failed ("card/code/consume").
//
// errors.Is matches an APIError against another by Code alone, so the
// sentinels below work whatever the Op and message:
//
//	if errors.Is(err, admin.ErrQuotaExceeded) { … }
type APIError struct {
	Op   string
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return apierror.Message("wxcard", e.Op, e.Code, e.Msg)
}

// WeChatErrcode returns Code. It is how a package that answers for this
// one's failures (edge.WeChatError) reads the errcode without importing
// this package.
func (e *APIError) WeChatErrcode() int { return e.Code }

// Is reports whether target is an *APIError with the same Code.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Code == e.Code
}

// Sentinels for the errcodes callers most often need to tell apart. Compare
// with errors.Is; the Op and Msg of the error returned differ from these.
var (
	ErrSystemBusy          = &APIError{Code: -1, Msg: "system busy"}
	ErrInvalidCredential   = &APIError{Code: 40001, Msg: "invalid credential, access_token is invalid or not latest"}
	ErrInvalidGrantType    = &APIError{Code: 40002, Msg: "invalid grant_type"}
	ErrInvalidAppID        = &APIError{Code: 40013, Msg: "invalid appid"}
	ErrInvalidAccessToken  = &APIError{Code: 40014, Msg: "invalid access_token"}
	ErrInvalidAppSecret    = &APIError{Code: 40125, Msg: "invalid appsecret"}
	ErrIPNotWhitelisted    = &APIError{Code: 40164, Msg: "invalid ip, not in whitelist"}
	ErrAccessTokenMissing  = &APIError{Code: 41001, Msg: "access_token missing"}
	ErrAccessTokenExpired  = &APIError{Code: 42001, Msg: "access_token expired"}
	ErrQuotaExceeded       = &APIError{Code: 45009, Msg: "reach max api daily quota limit"}
	ErrForceRefreshTooSoon = &APIError{Code: 45011, Msg: "api minute-quota reach limit"}
	ErrAPIUnauthorized     = &APIError{Code: 48001, Msg: "api unauthorized"}
	ErrInvalidCardID       = &APIError{Code: 40073, Msg: "invalid card id"}
	ErrInvalidCode         = &APIError{Code: 40056, Msg: "invalid serial code"}
	ErrCodeNotConsumable   = &APIError{Code: 40127, Msg: "invalid user-card status"}
)

// tokenRejected reports the errcodes after which a call is repeated once with
// a refreshed access_token: WeChat refused the token, so the call did nothing.
func tokenRejected(code int) bool {
	return code == 40001 || code == 40014 || code == 42001
}

// ErrInvalidInput is matched by every *ValidationError with errors.Is.
var ErrInvalidInput = errors.New("wxcard: invalid input")

// ValidationError says which argument was rejected before anything was sent,
// and why. The rejected value is never included: it may be a secret.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return "wxcard: invalid " + e.Field + ": " + e.Reason
}

// Unwrap lets errors.Is match both ErrInvalidInput and
// signer.ErrInvalidInput, so code that handles either package's bad input
// handles both.
func (e *ValidationError) Unwrap() []error {
	return []error{ErrInvalidInput, signer.ErrInvalidInput}
}

// fromSigner turns the signer's validation errors into this package's, so
// a JSSDK method returns one kind of error for bad input.
func fromSigner(err error) error {
	var se *signer.ValidationError
	if errors.As(err, &se) {
		return &ValidationError{Field: se.Field, Reason: se.Reason}
	}
	return err
}

func invalidArg(field, reason string) error {
	return &ValidationError{Field: field, Reason: reason}
}

// ErrResponseTooLarge is wrapped by the error for a response body larger than
// the client's limit (WithMaxResponseBytes).
var ErrResponseTooLarge = errors.New("wxcard: response body too large")

// ErrRefreshTimeout is returned when another process holds the refresh lock
// for a token or ticket and no fresh value appeared within the wait bound,
// or when this process's own fetch under the lock outlived the lock's TTL
// (both set by WithRefreshLock).
//
// It implements edge.BusyError (Busy reports true), which is how the config
// API answers it as busy without importing this package.
var ErrRefreshTimeout error = &refreshTimeoutError{msg: "wxcard: credential refresh timed out"}

type refreshTimeoutError struct{ msg string }

func (e *refreshTimeoutError) Error() string { return e.msg }

// Busy reports true: the value is being refreshed, by another process or by
// this one's slow fetch, so a retry in a moment can find it stored.
func (e *refreshTimeoutError) Busy() bool { return true }

// HTTPError is a response with an unexpected HTTP status and no errcode in
// its body.
type HTTPError struct {
	Op         string
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	s := e.Status
	if s == "" {
		s = strconv.Itoa(e.StatusCode)
	}
	return "wxcard: " + e.Op + ": unexpected HTTP status " + s
}

// DecodeError is a response body that could not be understood: not JSON (an
// HTML error page from a proxy, say), truncated, or of the wrong shape.
type DecodeError struct {
	Op          string
	ContentType string
	Err         error
}

func (e *DecodeError) Error() string {
	msg := "wxcard: " + e.Op + ": cannot decode response"
	if e.ContentType != "" {
		msg += " (" + e.ContentType + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// sensitiveParams are the query parameters whose values never reach an
// error string or a log line.
var sensitiveParams = [...]string{"access_token", "secret", "appsecret", "ticket", "jsapi_ticket", "api_ticket", "code"}

// redactURL returns raw with the values of sensitive query parameters
// replaced. The query is rewritten segment by segment rather than through
// url.Values, which silently drops segments it cannot parse (a ";" for
// one) and would let their secrets through untouched. A URL that cannot be
// parsed loses its whole query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactUnparsed(raw)
	}
	u.User = nil
	if at := strings.LastIndexByte(u.Opaque, '@'); at >= 0 {
		u.Opaque = u.Opaque[at+1:] // "user:pw@host" without "//" parses as scheme "user"
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = redactQuery(u.RawQuery)
	u.ForceQuery = false
	out := u.String()
	// Without a scheme and host, a path that starts with "//" is printed as
	// is and reads back as an authority: "//@//user:pw@h" loses its empty
	// userinfo above and would come out as "//user:pw@h". Whatever reads
	// back with userinfo is scrubbed as text.
	if v, err := url.Parse(out); err != nil || v.User != nil {
		return redactUnparsed(out)
	}
	return out
}

// redactUnparsed is redactURL for text url.Parse refuses: it drops the
// query and fragment, and anything that could be user:password@ (an '@' in
// a path loses a little text; fine in an error message).
func redactUnparsed(raw string) string {
	prefix, suffix := raw, ""
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		prefix, suffix = raw[:i], "?REDACTED"
	}
	if at := strings.LastIndexByte(prefix, '@'); at >= 0 {
		start := 0
		if j := strings.Index(prefix, "//"); j >= 0 && j < at {
			start = j + 2
		}
		prefix = prefix[:start] + prefix[at+1:]
	}
	return prefix + suffix
}

func redactQuery(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	for q != "" {
		seg := q
		sep := ""
		if i := strings.IndexAny(q, "&;"); i >= 0 {
			seg, sep, q = q[:i], q[i:i+1], q[i+1:]
		} else {
			q = ""
		}
		if k, _, _ := strings.Cut(seg, "="); isSensitiveParam(k) {
			seg = k + "=REDACTED"
		}
		b.WriteString(seg)
		b.WriteString(sep)
	}
	return b.String()
}

func isSensitiveParam(escapedKey string) bool {
	key, err := url.QueryUnescape(escapedKey)
	if err != nil {
		key = escapedKey
	}
	key = strings.ToLower(strings.TrimSpace(key))
	for _, p := range sensitiveParams {
		if key == p {
			return true
		}
	}
	return false
}

// scrub removes every non-empty secret from s. It is applied to text that
// came from upstream (errmsg) before it becomes part of an error.
func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return s
}

// redactError rewrites the URL inside a *url.Error so the transport error
// can be wrapped without leaking the access_token in its query.
func redactError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		cp := *ue
		cp.URL = redactURL(ue.URL)
		return &cp
	}
	return err
}
