package edge

import (
	"context"
	"errors"
)

// WeChatError is a TicketProvider failure that carries the errcode WeChat
// answered with (*admin.APIError is one). The handler answers it by errcode:
// -1 as busy, 45009 and 45011 as quota, any other as a refusal that names
// the errcode, a number WeChat documents and so safe to show. A provider
// that retries (the admin client retries 40001/40014/42001 once with a fresh
// token) returns the errcode it gave up on.
type WeChatError interface {
	error
	WeChatErrcode() int
}

// BusyError is a TicketProvider failure without an errcode that a retry in
// a moment can get past, when Busy reports true: the ticket was still being
// refreshed, by another process say (admin.ErrRefreshTimeout is one). The handler
// answers it as it answers WeChat's errcode -1.
type BusyError interface {
	error
	Busy() bool
}

type upstreamClass int

const (
	upstreamUnavailable upstreamClass = iota
	upstreamBusy
	upstreamQuota
	upstreamRejected
)

// classifyUpstream sorts a ticket failure by what err's chain implements;
// everything that is neither a WeChatError nor a busy BusyError (an HTTP
// status, a garbage body, a transport error) is "unavailable".
func classifyUpstream(err error) upstreamClass {
	var busy BusyError
	if errors.As(err, &busy) && busy.Busy() {
		return upstreamBusy
	}
	code, ok := upstreamErrcode(err)
	switch {
	case !ok:
		return upstreamUnavailable
	case code == -1:
		return upstreamBusy
	case code == 45009 || code == 45011:
		return upstreamQuota
	default:
		return upstreamRejected
	}
}

// upstreamErrcode returns WeChat's errcode carried by err, if any.
func upstreamErrcode(err error) (int, bool) {
	var wechatErr WeChatError
	if errors.As(err, &wechatErr) {
		return wechatErr.WeChatErrcode(), true
	}
	return 0, false
}

// ticketUnavailable logs why a ticket could not be had and returns the
// answer for it (upstreamError). A client that hung up cancels the
// request's context, and the fetch fails with it: that says nothing about
// WeChat or the store, so it is logged at debug level, not as a warning an
// operator would chase.
func (s *settings) ticketUnavailable(ctx context.Context, what string, err error) *apiError {
	level := levelWarn
	if ctx.Err() != nil {
		level = levelDebug
	}
	s.log.Log(ctx, level, "edge: "+what+" unavailable", "error", err.Error())
	return upstreamError(ctx, err, what)
}
