package oauth

import (
	"errors"
	"strconv"

	"github.com/wxcard/wxcard/internal/apierror"
)

// APIError is an errcode WeChat answered with. Compare with errors.Is
// against the sentinels, which match by Code.
type APIError struct {
	Op   string // the endpoint, such as "sns/oauth2/access_token"
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return apierror.Message("oauth", e.Op, e.Code, e.Msg)
}

// Is reports whether target is an *APIError with the same Code.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Code == e.Code
}

// Sentinels for the errcodes of web authorization. The errors returned have
// their own Op and Msg; errors.Is compares the code only.
var (
	ErrSystemBusy = &APIError{Code: -1, Msg: "system busy"}
	// ErrInvalidAccessToken: the user access token is wrong or expired;
	// refresh it.
	ErrInvalidAccessToken = &APIError{Code: 40001, Msg: "invalid credential"}
	ErrInvalidOpenID      = &APIError{Code: 40003, Msg: "invalid openid"}
	ErrInvalidAppID       = &APIError{Code: 40013, Msg: "invalid appid"}
	// ErrInvalidCode: the code is not one WeChat issued to this app, or it
	// is older than five minutes.
	ErrInvalidCode = &APIError{Code: 40029, Msg: "invalid code"}
	// ErrInvalidRefreshToken: the refresh token is wrong.
	ErrInvalidRefreshToken = &APIError{Code: 40030, Msg: "invalid refresh_token"}
	ErrInvalidAppSecret    = &APIError{Code: 40125, Msg: "invalid appsecret"}
	// ErrCodeUsed: the code was already exchanged; a code works once.
	ErrCodeUsed = &APIError{Code: 40163, Msg: "code been used"}
	// ErrIPNotWhitelisted: the server's IP is not in the account's whitelist.
	ErrIPNotWhitelisted   = &APIError{Code: 40164, Msg: "invalid ip, not in whitelist"}
	ErrMissingCode        = &APIError{Code: 41008, Msg: "missing code"}
	ErrAccessTokenExpired = &APIError{Code: 42001, Msg: "access_token expired"}
	// ErrRefreshTokenExpired: the refresh token (30 days) has expired; the
	// user must authorize again.
	ErrRefreshTokenExpired = &APIError{Code: 42002, Msg: "refresh_token expired"}
	ErrQuotaExceeded       = &APIError{Code: 45009, Msg: "reach max api daily quota limit"}
	// ErrScopeUnauthorized: the token's scope does not allow the call
	// (sns/userinfo with a snsapi_base token), or the account lacks the
	// web authorization permission.
	ErrScopeUnauthorized = &APIError{Code: 48001, Msg: "api unauthorized"}
)

// ErrInvalidArgument is matched by every error for a bad argument or option.
var ErrInvalidArgument = errors.New("oauth: invalid argument")

// HTTPError is a response that was not WeChat's JSON: a non-2xx status, or
// a body that does not decode.
type HTTPError struct {
	Op     string
	Status int
	Reason string
}

func (e *HTTPError) Error() string {
	return "oauth: " + e.Op + ": HTTP " + strconv.Itoa(e.Status) + ": " + e.Reason
}
