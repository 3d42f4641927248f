// Package events receives what WeChat pushes to an Official Account's
// server URL: card review results, cards claimed, given, deleted and
// redeemed, member card updates, and any other event or message.
//
//	h, err := events.NewHandler(token, onPush,
//		events.WithSafeMode(encodingAESKey, appID), // safe or compatible mode
//		events.WithStore(redisStore))               // once per push across the cluster
//	mux.Handle("/wechat", h)
//
// # What the Handler does
//
//   - GET with signature, timestamp, nonce and echostr (the URL check WeChat
//     makes when the server URL is saved): echostr, if the signature is the
//     SHA-1 of the sorted token, timestamp and nonce.
//   - POST: verifies the signature (plaintext) or msg_signature (safe and
//     compatible mode, which also cover the Encrypt text), refuses a
//     timestamp outside the window (a replayed signed push), a body over the
//     limit, a message sealed for another app id, and XML that does not
//     parse. A refusal is a JSON body {"error":{"code":"…","message":"…"}}
//     with one of the Code* constants, and no callback runs.
//   - Deduplicates: WeChat retries a push three times when it gets no
//     answer within 5 seconds. A mark is taken in the store
//     ([kv.Locker.TryLock]) before the callback runs; a push whose mark is
//     held is answered "success" without running it. With a Redis store the
//     callback runs once across every server sharing it. If the store cannot
//     be reached the push is refused with 503, so WeChat retries later rather
//     than the callback running twice.
//   - Answers in time: the callback gets a context that outlives the
//     request (bounded by WithCallbackTimeout). If it is still running at
//     the reply deadline (4.5 s by default), WeChat is answered "success"
//     and the callback left to finish. A callback that returns an error or
//     panics releases its mark, so the next retry runs it again; when that
//     happens before the reply deadline WeChat gets a 500 and does retry.
//
// # Messages and card events
//
// Every push becomes a [Message] with its header parsed, every element's
// text in Fields and the plaintext XML in Raw, so nothing WeChat adds is
// lost. [Message.CardEvent] decodes the thirteen card events into typed
// structs ([UserGetCard], [UserConsumeCard], …); EVENTS.md in this
// directory lists them with their fields.
//
// # The sending side
//
// [Crypter] implements WeChat's safe-mode scheme both ways (AES-256-CBC
// keyed by the EncodingAESKey, PKCS#7 to 32 bytes, random prefix, length
// and app id framing), and [Crypter.Seal] and [PlainQuery] build a push
// exactly as WeChat sends one, for an emulator and for tests.
//
// The package needs only the standard library and package kv, and builds
// for js/wasm and wasip1.
package events
