// Package signer computes the signatures and payloads WeChat's JS APIs need
// for cards and coupons (卡券): the cardExt signature of wx.addCard, the
// cardSign of wx.chooseCard and the signature of wx.config.
//
// The package is pure: it does no I/O, reads no global clock or randomness on
// its own (a [Signer] holds an injectable clock and nonce source) and imports
// only the standard library, so it compiles unchanged for GOOS=js and
// GOOS=wasip1.
//
// Two layers are offered:
//
//   - The low-level functions [SortedSHA1], [CardExtSignature],
//     [ChooseCardSignature] and [JSSDKSignature] are a fixed contract. They
//     take exact values and return a lowercase hex SHA-1 with a single
//     allocation; the Append variants write into a caller's buffer with none.
//   - The builders on [Signer] ([Signer.AddCard], [Signer.ChooseCard],
//     [Signer.JSConfig]) validate their input, pick a timestamp and a fresh
//     nonce, and return values that serialise to exactly what the JS APIs
//     expect.
//
// The card api_ticket (getticket?type=wx_card) signs cardExt and cardSign; the
// jsapi ticket (type=jsapi) signs wx.config. Mixing them up is the most common
// cause of "invalid signature", so every builder names which one it wants.
package signer
