package signer

import (
	"crypto/sha1"
	"strconv"
	"strings"
	"unsafe"
)

// CardExtSignature returns the signature of a wx.addCard cardExt: the sorted
// SHA-1 of api_ticket (type wx_card), timestamp (seconds), card_id, code,
// openid and nonce_str. Pass "" for an absent code or openid.
func CardExtSignature(apiTicket string, timestamp int64, cardID, code, openID, nonceStr string) string {
	return hexString(AppendCardExtSignature(make([]byte, 0, 2*sha1.Size), apiTicket, timestamp, cardID, code, openID, nonceStr))
}

// AppendCardExtSignature is CardExtSignature appending to dst; it does not allocate.
func AppendCardExtSignature(dst []byte, apiTicket string, timestamp int64, cardID, code, openID, nonceStr string) []byte {
	var ts [20]byte
	tsStr := formatInt(ts[:0], timestamp)
	values := [6]string{apiTicket, tsStr, cardID, code, openID, nonceStr}
	return AppendSortedSHA1(dst, values[:]...)
}

// ChooseCardSignature returns the cardSign of wx.chooseCard: the sorted SHA-1
// of api_ticket (type wx_card), app_id, location_id (the shop id), timestamp,
// nonce_str, card_id and card_type. Pass "" for an absent value.
func ChooseCardSignature(apiTicket, appID, locationID string, timestamp int64, nonceStr, cardID, cardType string) string {
	return hexString(AppendChooseCardSignature(make([]byte, 0, 2*sha1.Size), apiTicket, appID, locationID, timestamp, nonceStr, cardID, cardType))
}

// AppendChooseCardSignature is ChooseCardSignature appending to dst; it does not allocate.
func AppendChooseCardSignature(dst []byte, apiTicket, appID, locationID string, timestamp int64, nonceStr, cardID, cardType string) []byte {
	var ts [20]byte
	tsStr := formatInt(ts[:0], timestamp)
	values := [7]string{apiTicket, appID, locationID, tsStr, nonceStr, cardID, cardType}
	return AppendSortedSHA1(dst, values[:]...)
}

// JSSDKSignature returns the wx.config signature: the SHA-1 of
// "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" signed with the jsapi ticket
// (never the wx_card one). A #fragment is cut from pageURL; nothing else in
// it is changed, escaped or normalised.
func JSSDKSignature(jsapiTicket, nonceStr string, timestamp int64, pageURL string) string {
	return hexString(AppendJSSDKSignature(make([]byte, 0, 2*sha1.Size), jsapiTicket, nonceStr, timestamp, pageURL))
}

// AppendJSSDKSignature is JSSDKSignature appending to dst; it does not allocate.
func AppendJSSDKSignature(dst []byte, jsapiTicket, nonceStr string, timestamp int64, pageURL string) []byte {
	pageURL = StripFragment(pageURL)
	const (
		k1 = "jsapi_ticket="
		k2 = "&noncestr="
		k3 = "&timestamp="
		k4 = "&url="
	)
	var buf [stackBufSize]byte
	b := buf[:0]
	if n := len(k1) + len(jsapiTicket) + len(k2) + len(nonceStr) + len(k3) + 20 + len(k4) + len(pageURL); n > len(buf) {
		b = make([]byte, 0, n)
	}
	b = append(b, k1...)
	b = append(b, jsapiTicket...)
	b = append(b, k2...)
	b = append(b, nonceStr...)
	b = append(b, k3...)
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, k4...)
	b = append(b, pageURL...)
	return appendDigest(dst, b)
}

// StripFragment returns u without its #fragment, the form wx.config signs.
func StripFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

// formatInt formats v into buf and returns it as a string that aliases buf,
// so the caller's stack array backs it and nothing is allocated. The string
// must not outlive buf.
func formatInt(buf []byte, v int64) string {
	var b []byte
	if 1e9 <= v && v < 1e10 {
		b = appendTenDigits(buf, uint64(v))
	} else {
		b = strconv.AppendInt(buf, v, 10)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendTenDigits formats a ten-digit number, which every Unix time in
// seconds is from 2001 to 2286: two five-digit halves, each split with
// multiplications instead of a division per digit. It is a third of
// strconv's cost, which shows when the whole signature is a few hundred ns.
func appendTenDigits(dst []byte, v uint64) []byte {
	var out [10]byte
	hi, lo := v/100000, v%100000
	putFiveDigits(out[0:5], hi)
	putFiveDigits(out[5:10], lo)
	return append(dst, out[:]...)
}

// putFiveDigits writes v (< 100000) as five digits into b[0:5].
func putFiveDigits(b []byte, v uint64) {
	_ = b[4]
	// v * 2^32/10^4 (rounded up) puts the first digit in the top bits and
	// the remaining fraction below; each step multiplies the fraction by 10.
	f := v*429497 + 1
	b[0] = byte('0' + f>>32)
	f = (f & 0xffffffff) * 10
	b[1] = byte('0' + f>>32)
	f = (f & 0xffffffff) * 10
	b[2] = byte('0' + f>>32)
	f = (f & 0xffffffff) * 10
	b[3] = byte('0' + f>>32)
	f = (f & 0xffffffff) * 10
	b[4] = byte('0' + f>>32)
}

// hexString turns a freshly allocated digest buffer into a string without
// copying it again: the buffer is never written after this, so sharing its
// memory is safe, and the signature costs exactly one allocation.
func hexString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
