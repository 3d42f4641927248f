package edge

import (
	"errors"

	"github.com/wxcard/wxcard/admin"
)

type upstreamClass int

const (
	upstreamUnavailable upstreamClass = iota
	upstreamBusy
	upstreamQuota
	upstreamRejected
)

// classifyUpstream sorts a ticket failure the way the admin client reports
// it: errcode -1 is transient, 45009/45011 are quota, any other errcode is a
// refusal (the admin client has already retried 40001/40014/42001 once with a
// fresh token), and everything else (HTTP status, garbage body, transport) is
// "unavailable".
func classifyUpstream(err error) upstreamClass {
	var apiErr *admin.APIError
	switch {
	case errors.Is(err, admin.ErrSystemBusy), errors.Is(err, admin.ErrRefreshTimeout):
		return upstreamBusy
	case errors.Is(err, admin.ErrQuotaExceeded), errors.Is(err, admin.ErrForceRefreshTooSoon):
		return upstreamQuota
	case errors.As(err, &apiErr):
		return upstreamRejected
	default:
		return upstreamUnavailable
	}
}

// upstreamErrcode returns WeChat's errcode carried by err, if any. It is a
// number WeChat documents, safe to show.
func upstreamErrcode(err error) (int, bool) {
	var apiErr *admin.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code, true
	}
	return 0, false
}
