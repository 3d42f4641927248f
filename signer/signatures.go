package signer

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unsafe"
)

// CardExtSignature returns the signature of a wx.addCard cardExt: the sorted
// SHA-1 of api_ticket (type wx_card), timestamp (seconds), card_id, code,
// openid and nonce_str. Pass "" for an absent code or openid.
func CardExtSignature(apiTicket string, timestamp int64, cardID, code, openID, nonceStr string) string {
	var ts [20]byte
	// The values are assigned one by one, here and in the three functions
	// below, rather than built by a shared helper or an array literal: a
	// literal is built in a temporary and copied, and that copy's 16-byte
	// loads of 8-byte stores cannot be served from the store buffer; a
	// helper frame costs as much again. Each was 5-10 ns of a ~210 ns call.
	var values [6]string
	values[0] = apiTicket
	values[1] = formatInt(&ts, timestamp)
	values[2] = cardID
	values[3] = code
	values[4] = openID
	values[5] = nonceStr
	out := new([hexLen]byte)
	sortedHex(out, values[:])
	return hexString(out)
}

// AppendCardExtSignature is CardExtSignature appending to dst; it does not allocate.
func AppendCardExtSignature(dst []byte, apiTicket string, timestamp int64, cardID, code, openID, nonceStr string) []byte {
	var ts [20]byte
	var values [6]string // assigned one by one: see CardExtSignature
	values[0] = apiTicket
	values[1] = formatInt(&ts, timestamp)
	values[2] = cardID
	values[3] = code
	values[4] = openID
	values[5] = nonceStr
	dst, out := appendHexSpace(dst)
	sortedHex(out, values[:])
	return dst
}

// ChooseCardSignature returns the cardSign of wx.chooseCard: the sorted SHA-1
// of api_ticket (type wx_card), app_id, location_id (the shop id), timestamp,
// nonce_str, card_id and card_type. Pass "" for an absent value.
func ChooseCardSignature(apiTicket, appID, locationID string, timestamp int64, nonceStr, cardID, cardType string) string {
	var ts [20]byte
	var values [7]string // assigned one by one: see CardExtSignature
	values[0] = apiTicket
	values[1] = appID
	values[2] = locationID
	values[3] = formatInt(&ts, timestamp)
	values[4] = nonceStr
	values[5] = cardID
	values[6] = cardType
	out := new([hexLen]byte)
	sortedHex(out, values[:])
	return hexString(out)
}

// AppendChooseCardSignature is ChooseCardSignature appending to dst; it does not allocate.
func AppendChooseCardSignature(dst []byte, apiTicket, appID, locationID string, timestamp int64, nonceStr, cardID, cardType string) []byte {
	var ts [20]byte
	var values [7]string // assigned one by one: see CardExtSignature
	values[0] = apiTicket
	values[1] = appID
	values[2] = locationID
	values[3] = formatInt(&ts, timestamp)
	values[4] = nonceStr
	values[5] = cardID
	values[6] = cardType
	dst, out := appendHexSpace(dst)
	sortedHex(out, values[:])
	return dst
}

// JSSDKSignature returns the wx.config signature: the SHA-1 of
// "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" signed with the jsapi ticket
// (never the wx_card one). A #fragment is cut from pageURL; nothing else in
// it is changed, escaped or normalised.
func JSSDKSignature(jsapiTicket, nonceStr string, timestamp int64, pageURL string) string {
	out := new([hexLen]byte)
	sum := jssdkSum(jsapiTicket, nonceStr, timestamp, pageURL)
	putHex(out, &sum)
	return hexString(out)
}

// AppendJSSDKSignature is JSSDKSignature appending to dst; it does not allocate.
func AppendJSSDKSignature(dst []byte, jsapiTicket, nonceStr string, timestamp int64, pageURL string) []byte {
	dst, out := appendHexSpace(dst)
	sum := jssdkSum(jsapiTicket, nonceStr, timestamp, pageURL)
	putHex(out, &sum)
	return dst
}

func jssdkSum(jsapiTicket, nonceStr string, timestamp int64, pageURL string) [sumSize]byte {
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
	var ts [20]byte
	b = append(b, formatInt(&ts, timestamp)...)
	b = append(b, k4...)
	b = append(b, pageURL...)
	return sha1Sum(b)
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
func formatInt(buf *[20]byte, v int64) string {
	if 1e9 <= v && v < 1e10 {
		putTenDigits((*[10]byte)(buf[:10]), uint64(v))
		return unsafe.String(&buf[0], 10)
	}
	b := strconv.AppendInt(buf[:0], v, 10)
	return unsafe.String(&b[0], len(b))
}

// putTenDigits writes a ten-digit number, which every Unix time in seconds
// is from 2001 to 2286. The first eight digits are computed together in one
// 64-bit word: split into two four-digit lanes, each lane into two-digit
// lanes, then into digits, with multiply-and-shift divisions that are exact
// in those ranges (x*10486>>20 = x/100 for x < 43699; x*103>>10 = x/10 for
// x < 179). That is a third of strconv's cost, which shows when the whole
// signature is a few hundred ns. The digits go out as one 8-byte and one
// 2-byte store so that the 8-byte load of the sort key that follows is
// served from the store buffer; a load spanning several stores would wait
// for them to reach the cache.
func putTenDigits(b *[10]byte, v uint64) {
	first := v / 100
	last := v - first*100
	thousands := first / 1e4
	m := thousands | (first-thousands*1e4)<<32
	hundreds := (m * 10486 >> 20) & 0x0000007f0000007f
	m = hundreds | (m-100*hundreds)<<16
	tens := (m * 103 >> 10) & 0x000f000f000f000f
	m = tens | (m-10*tens)<<8
	binary.LittleEndian.PutUint64(b[0:], m+0x3030303030303030)
	ten := last * 103 >> 10
	binary.LittleEndian.PutUint16(b[8:], uint16(ten|(last-10*ten)<<8)+0x3030)
}
