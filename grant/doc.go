// Package grant mints and verifies grants: short-lived tokens with which a
// merchant's authenticated backend entitles one page to have one card signed
// by the edge, with exactly the fields the backend chose (code, openid,
// outer_str, fixed_begintimestamp, balance, or for wx.chooseCard a shop id
// and card type).
//
// A grant is compact, URL-safe and opaque to the page:
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
//
// without padding. The payload is a JSON object of [Claims]; its "kid" names
// the [Key] that signed it, so several keys can be accepted at once and a
// key rotated without downtime: add the new key to every verifier, start
// minting with it, and drop the old one once the last grant it signed has
// expired (at most [MaxLifetime] later).
//
// Rules, the same at mint and at verify:
//   - a grant lives at most [MaxLifetime] (10 minutes); the verifier allows
//     [ClockSkew] between the minter's clock and its own;
//   - the token is at most [MaxTokenLen] bytes, checked before anything is
//     decoded;
//   - the MAC is compared in constant time ([hmac.Equal]);
//   - unknown claims are rejected, not ignored: a claim is a restriction,
//     and a verifier that skipped one it does not know (a newer minter's,
//     or a misspelt "open_id") would sign more than the merchant allowed.
//     Failing closed turns such a mismatch into a visible error.
//
// The package uses only the standard library, so the same code runs in a
// native backend, in the Worker (GOOS=js) and under WASI (GOOS=wasip1). The
// JavaScript package (wxcard/grant) mints and verifies the same tokens;
// testdata/vectors.json holds the shared test vectors.
package grant
