package edge

import (
	"context"
	"net/url"

	"github.com/wxcard/wxcard/signer"
)

// serveJSConfig signs wx.config for the page in ?url= with the jsapi ticket.
// The URL's #fragment is not signed (a browser never sends it to WeChat);
// nothing else in it is changed. Other query parameters are refused so a
// typo (?URL=, ?u=) fails loudly instead of signing the wrong page.
func serveJSConfig(ctx context.Context, s *settings, r *Request, res *Response) *apiError {
	// Malformed pairs are dropped, as net/url's URL.Query drops them.
	q, _ := url.ParseQuery(r.RawQuery)
	for name := range q {
		if name != "url" {
			return badRequest(CodeUnknownField, "unknown query parameter "+quoteForMessage(name)+"; only url is accepted")
		}
	}
	urls := q["url"]
	switch {
	case len(urls) == 0 || urls[0] == "":
		return badRequest(CodeInvalidURL, "url is required: the page's location.href")
	case len(urls) > 1:
		return badRequest(CodeInvalidURL, "give url once")
	}
	req := signer.JSConfigRequest{AppID: s.appID, URL: urls[0]}
	if err := req.Validate(); err != nil {
		e := invalidField(err)
		e.code = CodeInvalidURL
		return e
	}
	if e := s.policy.allowsURL(urls[0]); e != nil {
		return e
	}
	ticket, err := s.tickets.JSAPITicket(ctx)
	if err != nil {
		return s.ticketUnavailable(ctx, "jsapi ticket", err)
	}
	cfg, err := s.signer.JSConfig(ticket, req)
	if err != nil {
		return signingError(ctx, s, err)
	}
	buf := cfg.AppendJSON(make([]byte, 0, 160))
	writeJSON(res, statusOK, append(buf, '\n'))
	return nil
}
