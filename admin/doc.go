// Package admin is the server-side client for WeChat Official Account cards
// and coupons (卡券): the access token, the two api tickets, and every card,
// code and member-card API, as services on one [Client] in the style of
// go-github.
//
//	client, err := admin.NewClient(appID, appSecret, admin.WithStore(store))
//	list, err := client.JSSDK.AddCard(ctx, []signer.Card{{CardID: id}})
//
// # Credentials
//
// The access token and the api tickets (wx_card for cardExt and cardSign,
// jsapi for wx.config) are cached in a [kv.Store] under
// wxcard:{appid}:access_token, wxcard:{appid}:ticket:wx_card and
// wxcard:{appid}:ticket:jsapi. Each value is a small JSON envelope that
// carries its own expiry and is replaced 5 minutes early (or at half its
// lifetime, if that is shorter). Reads go through four layers:
//
//  1. memory: a value this process read or fetched is served without a
//     store round trip while it is fresh by that rule, so a store that is
//     down or hanging costs a signature nothing;
//  2. concurrent callers in one process share one store read and one
//     refresh;
//  3. with a store that implements [kv.Locker] (Redis, or memory inside one
//     process), one process per cluster fetches while the others wait for
//     the value to appear, for at most the WithRefreshLock wait, after which
//     they fail with [ErrRefreshTimeout] rather than fetch in parallel;
//  4. upstream: POST cgi-bin/stable_token by default, which hands every
//     caller the same token, so several servers never invalidate each
//     other's ([TokenModeClassic] selects GET cgi-bin/token).
//
// About once a second a process serving from memory compares notes with
// the store in the background: it adopts a newer value another process
// stored (a forced refresh reaches the cluster that way), and writes its
// own back to a store that lost it (restarted empty) or missed it (was
// down when it was fetched).
//
// # Store outages
//
// kv.Redis and kv.File are wrapped in a [kv.Guard] by default: each call
// has a 50 ms deadline ([WithStoreTimeout]), and after three failures in a
// row the store is skipped, calls failing at once, until a probe finds it
// answering again; the guard logs that once each way. While the store is
// away, fresh values come from memory; a value that comes due is fetched
// once per process (never served past its refresh point), and written to
// the store when it returns. Other stores are used as given: wrap them
// with kv.Guard, or pass WithStoreTimeout, with a deadline that fits them.
//
// # Retries
//
// Every API call checks errcode, even on HTTP 200, and accepts it as a
// number or a numeric string. A call rejected for its token (40001, 40014,
// 42001) is repeated once with a fresh token, and only if the store still
// holds the token that failed: when another process has already replaced
// it, its replacement is used and nothing is fetched. Reads rejected with
// -1 (busy) are repeated with a jittered backoff; calls that change state
// are never repeated after a network error or -1, because WeChat has no
// idempotency keys. 45009 (quota) and 40013/40125 (bad app id or secret)
// are returned at once.
//
// # Errors
//
// WeChat's errors are [*APIError] values; compare them with errors.Is
// against the sentinels ([ErrInvalidCredential], [ErrQuotaExceeded], …),
// which match by code. Bad arguments are [*ValidationError] (errors.Is
// [ErrInvalidInput]); unusable responses are [*HTTPError] or
// [*DecodeError]; transport errors are wrapped so errors.Is finds
// context.DeadlineExceeded and the like. The app secret, access tokens and
// tickets never appear in an error or a log line: URLs are redacted and
// messages from upstream are scrubbed.
//
// A Client does no I/O when it is made, starts no goroutine, and is safe
// for concurrent use.
package admin
