// Package edge serves the public config API a merchant's H5 page calls right
// before wx.addCard, wx.chooseCard and wx.config: it fetches the tickets from
// a [TicketProvider] (normally an *admin.Client, which caches them in kv),
// signs with [signer.Signer] and answers JSON.
//
// The API itself is [Server]: a request's method, path, query, the two
// headers it reads and its body in, a whole response out, with no
// transport. [NewHandler] serves it over net/http (cmd/localserver, tested
// with net/http/httptest); the Cloudflare Worker (edge/worker, GOOS=js)
// calls it from its JavaScript entry module. Both run the same code.
//
// Routes:
//
//	POST /v1/addcard     {"cards":[{"grant"} or {"card_id","code"?,"openid"?,"outer_str"?,"fixed_begintimestamp"?,"balance"?}]}
//	                     → {"cardList":[{"cardId","cardExt"}]}   (card api_ticket, type wx_card)
//	POST /v1/choosecard  {"grant"} or {"shop_id"?,"card_type"?,"card_id"?}
//	                     → {"shopId","cardType","cardId","timestamp","nonceStr","signType","cardSign"}
//	GET  /v1/jsconfig?url=…  → {"appId","timestamp","nonceStr","signature"}   (jsapi ticket; #fragment ignored)
//	GET  /healthz        → {"status":"ok"} without touching the upstream
//
// Whom a card is signed for is Config.Policy's decision ([Policy]): from a
// grant the merchant's backend minted (package grant), as a public card by
// card_id alone, or, for demos, whatever the request names.
//
// Every failure is an HTTP 4xx/5xx with the body
// {"error":{"code":"…","message":"…"}}; the codes are the Code* constants and
// are stable. A response never contains a ticket, token or secret: upstream
// failures are reported by category (CodeUpstreamUnavailable, …), never with
// the upstream's error text. The category comes from what a TicketProvider's
// error implements: [WeChatError] (an errcode) or [BusyError]; admin's
// errors implement both where they apply, so this package needs none of its
// types.
//
// CORS: when Config.AllowedOrigins is set, a request whose Origin matches one
// entry exactly gets Access-Control-Allow-Origin for it, and preflight
// (OPTIONS) requests are answered; a preflight from any other origin is
// refused with 403 and CodeOriginNotAllowed. A simple request from another
// origin is still served, without CORS headers, so the browser withholds the
// answer from the foreign page while same-origin pages keep working.
//
// Abuse: a net/http deployment wraps the handler in [RateLimit], a token
// bucket per client address (429 and CodeRateLimited with Retry-After); the
// Worker uses Cloudflare's Rate Limiting binding instead (edge/README.md).
//
// NewHandler returns (http.Handler, error) rather than a bare handler so that
// an invalid Config is reported to the caller instead of turning into a
// panic (ARCHITECTURE.md has the request path through this package).
package edge
