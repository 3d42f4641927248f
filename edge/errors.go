package edge

import (
	"context"
	"errors"
	"strconv"

	"github.com/wxcard/wxcard/signer"
)

// Error codes of the JSON error body. They are stable: clients may switch on
// them.
const (
	CodeInvalidJSON          = "invalid_json"           // 400: not JSON, wrong types, trailing data, empty body
	CodeUnknownField         = "unknown_field"          // 400: a field this API does not define
	CodeMissingCards         = "missing_cards"          // 400: addcard without cards
	CodeMissingCardID        = "missing_card_id"        // 400: a card without card_id
	CodeTooManyCards         = "too_many_cards"         // 400: more cards than Config.MaxCards
	CodeInvalidField         = "invalid_field"          // 400: a value that cannot be signed (too long, control characters, …)
	CodeInvalidURL           = "invalid_url"            // 400: jsconfig url missing, repeated or not absolute http(s)
	CodeCardNotAllowed       = "card_not_allowed"       // 403: card_id outside Config.AllowedCardIDs
	CodeOriginNotAllowed     = "origin_not_allowed"     // 403: CORS preflight from an origin not in Config.AllowedOrigins
	CodeNotFound             = "not_found"              // 404: no such route
	CodeMethodNotAllowed     = "method_not_allowed"     // 405: wrong method for the route (Allow header lists the right ones)
	CodeBodyTooLarge         = "body_too_large"         // 413: body over Config.MaxBodyBytes
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: a body that is not JSON
	CodeRateLimited          = "rate_limited"           // 429: the client is over its RateLimit budget (Retry-After says when to retry)
	CodeInternal             = "internal"               // 500: a bug; details are logged, not returned
	CodeUpstreamUnavailable  = "upstream_unavailable"   // 502: WeChat could not be reached or answered garbage
	CodeUpstreamRejected     = "upstream_rejected"      // 502: WeChat refused the credentials or the request
	CodeUpstreamBusy         = "upstream_busy"          // 503: WeChat said "system busy" (errcode -1); retry later
	CodeUpstreamQuota        = "upstream_quota"         // 503: WeChat's daily quota is used up (errcode 45009)
	CodeTimeout              = "timeout"                // 504: the request's context ended while waiting for WeChat
)

// apiError is an error response waiting to be written.
type apiError struct {
	status     int
	code       string
	message    string
	retryAfter int // seconds; 0 omits the header
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, message string) *apiError {
	return &apiError{status: statusBadRequest, code: code, message: message}
}

// writeError writes the JSON error body. The message is built by this package
// from fixed text and request field names only, never from upstream errors.
func writeError(res *Response, e *apiError) {
	if e.retryAfter > 0 {
		res.set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	buf := make([]byte, 0, 64+len(e.message))
	buf = append(buf, `{"error":{"code":`...)
	buf = signer.AppendJSONString(buf, e.code)
	buf = append(buf, `,"message":`...)
	buf = signer.AppendJSONString(buf, e.message)
	buf = append(buf, "}}\n"...)
	writeJSON(res, e.status, buf)
}

// upstreamError maps a TicketProvider failure to a response. The error text
// is deliberately not used: only its category leaves the handler.
func upstreamError(ctx context.Context, err error, which string) *apiError {
	if errors.Is(err, context.DeadlineExceeded) || (ctx.Err() != nil && errors.Is(err, context.Canceled)) {
		return &apiError{status: statusGatewayTimeout, code: CodeTimeout,
			message: "timed out while fetching the " + which + " from WeChat"}
	}
	switch classifyUpstream(err) {
	case upstreamBusy:
		return &apiError{status: statusServiceUnavailable, code: CodeUpstreamBusy, retryAfter: 1,
			message: "WeChat is busy (errcode -1) and did not issue the " + which + "; retry shortly"}
	case upstreamQuota:
		return &apiError{status: statusServiceUnavailable, code: CodeUpstreamQuota, retryAfter: 3600,
			message: "WeChat's daily API quota is used up (errcode 45009); the " + which + " cannot be refreshed now"}
	case upstreamRejected:
		msg := "WeChat refused to issue the " + which
		hint := "; check the appid and secret of the deployment"
		if code, ok := upstreamErrcode(err); ok {
			msg += " (errcode " + strconv.Itoa(code) + ")"
			if code == 40164 {
				hint = "; the server's IP is not in the official account's API IP whitelist"
			}
		}
		return &apiError{status: statusBadGateway, code: CodeUpstreamRejected, message: msg + hint}
	default:
		return &apiError{status: statusBadGateway, code: CodeUpstreamUnavailable,
			message: "could not obtain the " + which + " from WeChat"}
	}
}
