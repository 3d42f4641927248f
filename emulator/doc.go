// Package emulator is an offline, stateful emulator of WeChat's card
// (卡券) backend: an [http.Handler] that serves WeChat's own paths, so any
// client pointed at its base URL works unchanged, plus control routes
// under /emulator/v1/ that play the parts WeChat's staff and the user's
// phone play.
//
// With it the whole flow runs offline: create a card, approve it, deposit
// codes, sign a wx.addCard cardList with the wx_card ticket, put the card
// into a simulated user's wallet, consume the code — and it fails the way
// WeChat fails (errcodes in an HTTP 200 body, token expiry, quotas,
// signature mismatches, stock and per-user limits).
//
// # Running it
//
// In a test:
//
//	emu, _ := emulator.New(emulator.WithAutoApprove(true))
//	srv := httptest.NewServer(emu)
//	appID, secret := emu.DevApp()
//	// point the client's base URL at srv.URL
//
// Standalone (state kept in a snapshot file across restarts):
//
//	go run ./emulator/cmd/wxcard-emulator -addr 127.0.0.1:8081 -snapshot emulator.db
//
// (or make emulator-run). It prints the dev app's appid (-print-secret also
// prints a generated AppSecret); -appid and -secret (or the
// WXCARD_EMULATOR_SECRET environment variable) choose the app instead.
// -push-url pushes the dev app's card events to a server URL (token and
// EncodingAESKey from WXCARD_EMULATOR_PUSH_TOKEN and
// WXCARD_EMULATOR_PUSH_AES_KEY, -push-mode plaintext, safe or compatible).
// Mounted under a prefix, give the public URL so the URLs it hands out
// point back at it:
//
//	emu, _ := emulator.New(emulator.WithPublicURL("http://127.0.0.1:8080/wechat"))
//	mux.Handle("/wechat/", http.StripPrefix("/wechat", emu))
//
// # State and time
//
// State lives in memory behind one mutex; every request runs under it, so
// concurrent calls are linearised (50 goroutines consuming one code: one
// succeeds, 49 get 40099). Every path releases the mutex with defer, so a
// bug that panics in one request cannot wedge the others. With
// [WithSnapshotFile] the state is also kept in a file (see Snapshot
// below). Time is the clock of [WithClock]
// (default time.Now) plus an offset that POST /emulator/v1/clock and
// [Emulator.Advance] move forward, so expiry is testable in milliseconds.
// Random values (tokens, tickets, ids, codes, fault decisions) come from a
// ChaCha8 stream held by the Emulator, seeded from crypto/rand or
// [WithRandSeed].
//
// # Snapshot
//
// The snapshot is a bbolt file. Memory stays the source of truth for every
// read; the file receives, after each request that may change state, only
// the records that request touched, in one transaction that bbolt fsyncs
// before the answer is written. A write costs what it changes, not what is
// stored (a one-code deposit with 1,000,000 codes stored stays within twice
// its time on an empty emulator; both are mostly the fsync), and a kill -9
// loses no acknowledged change. A
// failed commit answers errcode -1 (control routes: 500 snapshot_failed);
// the change stays in memory and is written by the next commit.
//
// One bucket per kind of record: meta (clock offset, dev app), apps (an app
// without its collections), cards (a card without its codes and user
// cards), codes, user_cards (keyed by their place in the card's order),
// tokens, encrypted (encrypt_codes), nonces, qrcodes, activations. The meta
// and app records are small; each commit writes them when they differ from
// what it last wrote. Entries of the other kinds are written when the code
// that changes them marks them (Emulator.touch; call.card and
// call.findCode mark what they return, since every handler that changes a
// card or user card finds it through them).
//
// Adding state: a field on appState (or state) that stays small — a
// setting, a counter, a short list — needs nothing more; it travels with
// its app record. State that grows with traffic (OAuth codes, a push log)
// gets its own kind: a map on appState masked in appRecord, an entry in
// collections() (appMap does a per-app map of JSON values), a touch where
// an entry is added, changed or deleted, and a check in appState.validate.
// The emulator's own tests reopen the snapshot at the end of every test
// and compare the whole state with memory, so a missing touch fails them.
//
// [New] loads the file and validates it as a whole: a dangling reference
// (card_order naming a missing card, an encrypt_code of an unknown code, a
// token of an unknown app), a null entry, a duplicate id or a key that
// disagrees with its record fails with [ErrInvalidSnapshot], never later
// with a panic. The file is locked while the Emulator is open: a second
// Emulator on it, in any process, fails with [ErrSnapshotInUse];
// [Emulator.Close] releases it. The dev app's credentials are also kept in
// a small file beside it (<snapshot>.devapp, mode 0600), which
// [ReadDevApp] reads while the snapshot is locked. Temporary files left by the JSON snapshot
// writer of earlier versions (.emulator-snapshot-*) are removed at open.
// A path ending in .json names such a JSON snapshot: it is imported once
// into the .db file beside it ([Emulator.ImportedJSON] says so) and not
// read again.
//
// # Credentials, as WeChat does them
//
//   - GET cgi-bin/token issues a new token per call; the previous one keeps
//     working for 5 minutes, then answers 40001. 2000 calls a day per app
//     ([WithTokenDailyQuota]), counted in Beijing days; past that, 45009.
//   - POST cgi-bin/stable_token returns the same token while it has at
//     least 5 minutes left (then a new one; the old one lives out its 2
//     hours). force_refresh issues a new one (the old one keeps 5 minutes),
//     at most 20 a day (45009); a forced refresh within 30 s of the
//     previous one returns the current token unchanged, as WeChat's
//     documentation says ("否则不会刷新"). The 5-minute overlap after a
//     forced refresh is not confirmed by WeChat's documentation.
//   - GET cgi-bin/ticket/getticket?type=wx_card|jsapi: one ticket per type,
//     7200 s, the same value returned while it has 5 minutes or more left.
//     In its last 5 minutes a call issues a new ticket and the replaced one
//     keeps verifying cardExt signatures until it expires.
//   - Unknown appid 40013, wrong secret 40125, missing token 41001, unknown
//     token 40014, expired token 42001.
//
// # The simulated phone
//
// POST /emulator/v1/wallet/add {"openid","cardList":[{"cardId","cardExt"}]}
// does what WeChat does when a page calls wx.addCard. For each card it
// parses cardExt, verifies its signature against the current wx_card
// ticket (or one replaced less than 5 minutes before it expired), rejects
// a nonce_str used before, a timestamp more than 30 minutes old or 5
// minutes ahead ([WithCardExtWindow]), an openid other than the user's, a
// custom code that was not deposited or is taken, a generated-code card
// given a code, a card not approved (unless the user is on the test
// whitelist), exhausted stock and get_limit (default 50). Each item of the
// answer carries isSuccess, the code and its encrypt_code on success, and
// on failure an errcode from the table below plus a reason
// (signature_mismatch, wrong_ticket_type, ticket_expired, nonce_reused,
// timestamp_out_of_range, …) that a real phone would not tell you.
//
// # Web authorization
//
// The emulator also plays open.weixin.qq.com's consent page and the sns/
// endpoints, so package oauth works against it with oauth.WithBaseURL
// and oauth.WithAuthorizeURL pointed at its base URL:
//
//   - GET connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state:
//     snsapi_base redirects straight back to redirect_uri with a one-time
//     code and the state; snsapi_userinfo first shows a small consent page
//     whose Allow and Deny buttons come back with consent=allow (then the
//     code) or consent=deny (back with the state only). The simulated user
//     is the emulator_user parameter, DefaultOAuthUser without one (the
//     consent page has a field for it); each user has one openid per app,
//     "o" and 27 characters ([Emulator.OAuthOpenID]). A bad link gets
//     WeChat's HTML error page with the errcode on it (10003 redirect_uri,
//     10005 scope or response_type, 40013 appid).
//   - GET sns/oauth2/access_token: a code works once (40163 after) and for
//     5 minutes (40029 after, and for a code never issued or issued to
//     another app); wrong secret 40125.
//   - GET sns/oauth2/refresh_token: a new access token (2 hours); the
//     refresh token (30 days) stays the same; 40030 unknown, 42002 expired.
//   - GET sns/userinfo: the profile (nickname is the simulated user's name)
//     for a snsapi_userinfo token; 48001 for a snsapi_base one; 40001
//     unknown token, 42001 expired, 40003 openid not the token's.
//   - GET sns/auth: errcode 0 while the token is valid, else as userinfo.
//
// Codes and user tokens are kept in memory, not in the snapshot.
//
// # Event pushes
//
// Give an app a server URL ([Emulator.SetPushConfig] or POST
// /emulator/v1/push) and the emulator pushes its card events there as
// WeChat does: XML signed with the token in the query (plaintext mode),
// encrypted with the EncodingAESKey and signed with msg_signature (safe
// mode), or both side by side (compatible mode), built with package events'
// sending side. What pushes what:
//
//	card review (approve route, Approve, Reject, auto-approve)  card_pass_check / card_not_pass_check
//	wallet/add, AddToWallet                                     user_get_card (UserCardCode, OuterStr, IsGiveByFriend 0)
//	wallet/gift, GiveCard                                       user_gifting_card, then user_get_card (IsGiveByFriend 1, FriendUserName, OldUserCardCode)
//	wallet/delete, RemoveFromWallet                             user_del_card
//	card/code/consume                                           user_consume_card (ConsumeSource FROM_API)
//	membercard|generalcard/updateuser changing points/balance   update_member_card (ModifyBonus, ModifyBalance)
//	a claim leaving <= 100 of a card whose total is > 200        card_sku_remind (at most every 12 hours)
//
// A push is queued while the change that causes it holds the emulator's
// lock and sent once that change has committed, by one sender goroutine
// that never holds the lock while a push is on the wire, in order. It
// waits [WithPushTimeout] (5 s) for an answer and sends again, up to
// [WithPushRetries] (3) more times, when none comes or the answer is not
// HTTP 200; the push log (the last [MaxPushLog] pushes, each attempt with
// its outcome, and the plaintext XML) is at GET /emulator/v1/push and
// [Emulator.Pushes]. [PushFaults] LoseAnswers discards the answers of the
// next attempts as if they came too late, which makes WeChat's retry
// happen on demand. [Emulator.WaitPushes] (or GET
// /emulator/v1/push?wait=5s) returns once every push queued so far has
// landed or given up, so tests need not poll. The query's timestamp is the
// wall clock (the receiver checks it against its own); CreateTime is the
// emulated clock. Push configuration and log are kept in memory.
//
// # Control routes
//
//	POST /emulator/v1/wallet/add       the simulated wx.addCard (above)
//	POST /emulator/v1/wallet/gift      {"card_id","code","friend_openid"}: the user gives the card to a friend
//	POST /emulator/v1/wallet/delete    {"card_id","code"}: the user deletes it from the wallet
//	GET  /emulator/v1/push             the server URL (never its token or key), push faults and push log; ?wait=5s first waits for pushes in flight
//	POST /emulator/v1/push             {"url","token","encoding_aes_key","mode","original_id"?}; {"url":""} removes it
//	POST /emulator/v1/push/faults      {"lose_answers":n}
//	POST /emulator/v1/encrypt          {"code","card_id"?} → {"encrypt_code"} for card/code/decrypt
//	GET  /emulator/v1/state            cards, code counts, user cards, quotas — never secrets, tokens or tickets
//	GET  /emulator/v1/clock            the emulated time
//	POST /emulator/v1/clock            {"advance":"2h"} or {"advance_seconds":7200}
//	GET  /emulator/v1/faults           the fault configuration
//	POST /emulator/v1/faults           replace it (see [Faults])
//	POST /emulator/v1/cards/{id}/approve  review a card: VERIFY_OK, or {"reject":true,"reason"?} for VERIFY_FAIL
//
// The state view counts each card's deposited codes (deposited_codes,
// unclaimed_codes) rather than listing them, and shows one page of its user
// cards, oldest first: 100 unless limit (at most 1000) says otherwise, from
// offset, with user_cards_total; card_id keeps one card, openid one user's
// user cards. So it stays readable, and quick to build, with a million
// codes:
//
//	GET /emulator/v1/state?card_id=p…&offset=100&limit=100
//
// Each takes an "appid" field (or query parameter) and defaults to the dev
// app. Errors are {"error":{"code","message"}} with a 4xx status. Requests
// with an Origin header are answered only for loopback origins, with CORS
// headers (a demo page served from 127.0.0.1 can call wallet/add), and
// every POST must be application/json, even with an empty body (415
// unsupported_media_type otherwise): a page on another site cannot send
// that without a CORS preflight. With [WithControlRoutes](false) they all
// answer 404.
//
// The emulator does not look at the Host header: a server that mounts it
// where a browser can reach it should refuse foreign Host names (DNS
// rebinding), as the local server and wxcard-emulator do.
//
// # Go-side helpers
//
// For tests and demos that hold the *Emulator: [Emulator.Ticket] (the
// current ticket of a type; the HTTP surface never shows one outside
// getticket), [Emulator.Now] and [Emulator.Advance] (the emulated clock),
// [Emulator.SetFaults], [Emulator.Approve] and [Emulator.Reject] (a card's
// review), [Emulator.AddToWallet] (wx.addCard on a user's phone, as
// wallet/add), [Emulator.SetTicketLifetime], [Emulator.FillActivationForm]
// (a user submitting a member card's activation form; returns the
// activate_ticket), [Emulator.RemoveFromWallet] (a user deleting a card:
// status DELETE), [Emulator.GiveCard] (a user giving it to a friend),
// [Emulator.OAuthOpenID], and for pushes [Emulator.SetPushConfig],
// [Emulator.SetPushFaults], [Emulator.Pushes] and [Emulator.WaitPushes]. [WithTicketPerCall] makes getticket issue a new ticket on
// every call, the harsher model for testing a ticket cache.
//
// Package emulatortest starts an emulator on a loopback port for a test,
// with an admin client pointed at it and a record of the calls it served.
//
// # Faults
//
// Fixed latency, a rate of HTTP 503, a rate of errcode -1, a rate of
// connections closed half-way through the response (the call has run; the
// answer is lost — exactly the case where a consume must not be retried),
// and rules failing the next N calls of a path with an errcode, a 5xx or a
// disconnect. Faults apply to WeChat paths only.
//
// # Errcodes
//
// Every errcode the emulator returns on WeChat paths. "Documented" means
// WeChat's public documentation (the global return-code list, the card
// error-code page or the endpoint's own page) gives that code for that
// situation; "emulator's choice" means WeChat returns some error there but
// does not document which, so the emulator picks the closest documented
// code.
//
//	errcode  meaning                                               source
//	-1       system busy (fault injection; snapshot write failed)  documented
//	40001    access_token superseded more than 5 minutes ago;
//	         user access token unknown (sns/)                      documented
//	40002    grant_type is not client_credential                   documented
//	40003    invalid openid (test whitelist)                       documented
//	40013    unknown appid                                         documented
//	40014    access_token unknown (never issued, or long gone)     documented
//	40053    invalid action_info in card/qrcode/create             documented
//	40029    web authorization code invalid, expired or another app's documented
//	40030    refresh_token unknown                                 documented
//	40056    code not found for the card / encrypt_code unknown    documented (code); emulator's choice (decrypt)
//	40066    no such API path (HTTP 404)                           documented
//	40071    invalid card type (create; type-specific endpoint
//	         called for another card type; update under the wrong
//	         type key)                                             documented (create); emulator's choice (others)
//	40072    invalid code_type                                     documented
//	40073    card_id not found                                     documented
//	40078    card status forbids it (deleted; not reviewed for
//	         gethtml/landing page/wallet; deposit to a card
//	         without use_custom_code)                              documented; emulator's choice (deposit)
//	40079    invalid time: bad date_info, end in the past, card's
//	         validity over at wallet/add                           documented
//	40080    invalid cardExt: signature, ticket, nonce reuse,
//	         timestamp window, openid (wallet/add)                 documented code; reasons are the emulator's
//	40097    invalid args: getticket type, count/offset/limit out
//	         of range, unknown status/scene, expire_seconds out
//	         of 60..1800, >10 whitelist entries, unknown
//	         sub-merchant or activate_ticket, negative bonus       emulator's choice
//	40099    code already consumed                                 documented
//	40100    invalid time range (end before begin)                 documented
//	40109    more than 100 codes in deposit/checkcode              not documented publicly (reported by users)
//	40116    invalid code: new_code taken or malformed; wallet/add
//	         code missing, not deposited, taken or not allowed     documented code; situations are the emulator's choice
//	40122    invalid quantity: sku.quantity, stock below zero,
//	         deposit-mode stock beyond unclaimed codes             documented
//	40124    member card custom_field beyond custom_field3         documented
//	40125    wrong AppSecret                                       documented
//	40127    user card not usable (unavailable, deleted, expired)  documented
//	40163    web authorization code already used                   documented
//	41001    access_token missing                                  documented
//	41002    appid missing                                         documented
//	41003    refresh_token missing                                 documented
//	41004    secret missing                                        documented
//	41008    web authorization code missing                        documented
//	41011    a required field is missing                           documented
//	41012    card_id missing (or required for a custom code)       documented
//	42001    access_token expired (also a user access token)       documented
//	42002    refresh_token expired                                 documented
//	43001    GET required                                          documented
//	43002    POST required                                         documented
//	44002    empty POST body                                       documented
//	45009    daily quota: cgi-bin/token, stable_token force_refresh documented
//	45021    field too long (title, brand_name, notice, reason…)   documented
//	45031    stock is 0                                            documented
//	45033    get_limit reached for this user                       documented
//	47001    body is not JSON / a field has the wrong type         documented
//	48001    sns/userinfo with a snsapi_base token                 documented
//
// HTTP statuses on WeChat paths: 200 for every errcode answer (as WeChat
// does), 404 for an unknown path or an unknown/expired showqrcode ticket,
// 503 for injected 5xx faults.
package emulator
