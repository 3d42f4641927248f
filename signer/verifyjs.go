package signer

import (
	"strconv"
	"strings"
)

// Problem codes of VerifyJSConfig and VerifyChooseCard, beside the ones
// VerifyCardExt shares with them.
const (
	ProblemTimestampInvalid = "timestamp_invalid"
	ProblemWrongTicketType  = "wrong_ticket_type"
	ProblemURLFragment      = "url_fragment"
	ProblemURLMismatch      = "url_mismatch"
	ProblemSignTypeInvalid  = "sign_type_invalid"
)

// JSConfigCheck is what a page passed to wx.config, as the WeChat client
// receives it, and the page it was called on. Timestamp is the text given,
// a JSON number or string alike.
type JSConfigCheck struct {
	// URL is the page the client is on (location.href), #fragment and all.
	URL       string `json:"url"`
	Timestamp string `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// JSConfigVerification is the result of VerifyJSConfig.
type JSConfigVerification struct {
	// Valid is true when the signature is the one WeChat computes.
	Valid     bool   `json:"valid"`
	Signature string `json:"signature"`
	Expected  string `json:"expected"`
	// SignedURL is the page URL without its #fragment: what is signed.
	SignedURL string `json:"signed_url"`
	// Preimage is the string hashed, "jsapi_ticket=…&noncestr=…&timestamp=…&url=…".
	// It contains the ticket: show it only to whoever supplied it.
	Preimage string    `json:"preimage"`
	Problems []Problem `json:"problems,omitempty"`
}

// VerifyJSConfig checks a wx.config call the way the WeChat client does: it
// recomputes the signature from the jsapi ticket (type jsapi), the config's
// timestamp and nonceStr and the page URL without its #fragment. When it
// does not match, Problems says why; the classic mistakes are tried and
// named when they reproduce the signature: the fragment signed, the URL
// decoded, re-encoded, with or without a trailing slash or with the other
// scheme, the timestamp in milliseconds, or the card api_ticket used
// instead of the jsapi ticket. cardTicket is optional and only serves that
// last diagnosis. An unusable ticket or page URL is an error.
func VerifyJSConfig(jsapiTicket, cardTicket string, c JSConfigCheck) (JSConfigVerification, error) {
	if err := ValidateTicket("jsapi_ticket", jsapiTicket); err != nil {
		return JSConfigVerification{}, err
	}
	if err := validateOtherTicket("api_ticket", cardTicket); err != nil {
		return JSConfigVerification{}, err
	}
	if err := ValidatePageURL(c.URL); err != nil {
		return JSConfigVerification{}, err
	}
	if err := checkLengths("nonceStr", c.NonceStr, "signature", c.Signature, "timestamp", c.Timestamp); err != nil {
		return JSConfigVerification{}, err
	}
	signed := StripFragment(c.URL)
	v := JSConfigVerification{Signature: c.Signature, SignedURL: signed}
	var ps problems
	ts, tsOK := ps.timestamp(c.Timestamp)
	ps.nonce("nonceStr", c.NonceStr)
	tsText := strconv.FormatInt(ts, 10)
	v.Preimage = jssdkPreimage(jsapiTicket, c.NonceStr, tsText, signed)
	v.Expected = sha1Hex(v.Preimage)
	found := c.Signature
	if !ps.signature("signature", found, v.Expected) {
		// As VerifyCardExt: a match is valid; notes about it stay listed.
		v.Valid = found == v.Expected && tsOK && c.NonceStr != ""
		v.Problems = ps
		return v, nil
	}
	matches := func(ticket, ts, u string) bool {
		return ticket != "" && sha1Hex(jssdkPreimage(ticket, c.NonceStr, ts, u)) == strings.ToLower(found)
	}
	urlTries := []struct{ url, message string }{
		{c.URL, "the signed URL kept its #fragment; sign location.href.split('#')[0]"},
		{unescapeOrEmpty(signed), "the signed URL was decoded; sign it exactly as location.href shows it"},
		{encodeURI(signed), "the signed URL was re-encoded; sign it exactly as location.href shows it"},
		{toggleTrailingSlash(signed), "the signed URL differs from the page URL by a trailing slash"},
		{otherScheme(signed), "the signed URL has the other scheme (http and https differ)"},
	}
	var urlCause bool
	for _, t := range urlTries {
		if t.url != "" && t.url != signed && matches(jsapiTicket, tsText, t.url) {
			code := ProblemURLMismatch
			if t.url == c.URL {
				code = ProblemURLFragment
			}
			ps.cause(code, "url", t.message)
			urlCause = true
			break
		}
	}
	switch {
	case urlCause:
	case tsOK && ts < millisecondThreshold && matches(jsapiTicket, strconv.FormatInt(ts*1000, 10), signed):
		ps.cause(ProblemTimestampMillis, "timestamp", "the server signed the timestamp in milliseconds but passed seconds to wx.config; WeChat signs seconds")
	case matches(cardTicket, tsText, signed):
		ps.cause(ProblemWrongTicketType, "signature", "signed with the card api_ticket (type wx_card); wx.config needs the jsapi ticket (type jsapi)")
	default:
		ps.add(ProblemSignatureMismatch, "signature",
			"the signature does not match: the ticket is not the current jsapi ticket (type jsapi, not wx_card), the URL signed is not this page's URL without #fragment, or the timestamp or nonceStr signed differ from the ones passed to wx.config")
	}
	v.Problems = ps
	return v, nil
}

// ChooseCardCheck is what a page passed to wx.chooseCard, with the app id
// of the wx.config before it. Timestamp is the text given, a JSON number or
// string alike.
type ChooseCardCheck struct {
	AppID     string `json:"appId"`
	ShopID    string `json:"shopId"`
	CardType  string `json:"cardType"`
	CardID    string `json:"cardId"`
	Timestamp string `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	SignType  string `json:"signType"`
	CardSign  string `json:"cardSign"`
}

// ChooseCardVerification is the result of VerifyChooseCard.
type ChooseCardVerification struct {
	Valid     bool   `json:"valid"`
	Signature string `json:"signature"`
	Expected  string `json:"expected"`
	// SortedValues and Preimage contain the ticket: show them only to
	// whoever supplied it.
	SortedValues []string  `json:"sorted_values"`
	Preimage     string    `json:"preimage"`
	Problems     []Problem `json:"problems,omitempty"`
}

// VerifyChooseCard checks a wx.chooseCard call the way the WeChat client
// does: it recomputes cardSign from the card api_ticket (type wx_card), the
// app id and the call's shopId, cardType, cardId, timestamp and nonceStr.
// When it does not match, Problems says why, naming the classic mistakes
// that reproduce the signature: a value signed as the text "null", the
// timestamp in milliseconds, or the jsapi ticket used instead of the card
// api_ticket. jsapiTicket is optional and only serves that last diagnosis.
// An unusable ticket or app id is an error.
func VerifyChooseCard(apiTicket, jsapiTicket string, c ChooseCardCheck) (ChooseCardVerification, error) {
	if err := ValidateTicket("api_ticket", apiTicket); err != nil {
		return ChooseCardVerification{}, err
	}
	if err := validateOtherTicket("jsapi_ticket", jsapiTicket); err != nil {
		return ChooseCardVerification{}, err
	}
	if err := checkText("appId", c.AppID, true, MaxFieldLen); err != nil {
		return ChooseCardVerification{}, err
	}
	if err := checkLengths("shopId", c.ShopID, "cardType", c.CardType, "cardId", c.CardID,
		"timestamp", c.Timestamp, "nonceStr", c.NonceStr, "signType", c.SignType, "cardSign", c.CardSign); err != nil {
		return ChooseCardVerification{}, err
	}
	v := ChooseCardVerification{Signature: c.CardSign}
	var ps problems
	ts, tsOK := ps.timestamp(c.Timestamp)
	ps.nonce("nonceStr", c.NonceStr)
	signTypeOK := c.SignType == "" || strings.EqualFold(c.SignType, "SHA1")
	if !signTypeOK {
		ps.add(ProblemSignTypeInvalid, "signType", "signType must be SHA1 (or left out)")
	}
	for _, f := range []struct{ name, value string }{{"shopId", c.ShopID}, {"cardType", c.CardType}, {"cardId", c.CardID}} {
		if isLiteralNull(f.value) {
			ps.add(ProblemLiteralNull, f.name, "the value is the text "+strconv.Quote(f.value)+": an absent value must be signed as the empty string and left out")
		}
	}
	v.SortedValues = []string{apiTicket, c.AppID, c.ShopID, strconv.FormatInt(ts, 10), c.NonceStr, c.CardID, c.CardType}
	insertionSort(v.SortedValues)
	v.Preimage = strings.Join(v.SortedValues, "")
	v.Expected = ChooseCardSignature(apiTicket, c.AppID, c.ShopID, ts, c.NonceStr, c.CardID, c.CardType)
	found := c.CardSign
	if !ps.signature("cardSign", found, v.Expected) {
		v.Valid = found == v.Expected && tsOK && c.NonceStr != "" && signTypeOK
		v.Problems = ps
		return v, nil
	}
	matches := func(ticket string, ts int64, shopID, cardID, cardType string) bool {
		return ticket != "" && ChooseCardSignature(ticket, c.AppID, shopID, ts, c.NonceStr, cardID, cardType) == strings.ToLower(found)
	}
	blank := func(s string) string {
		if isLiteralNull(s) {
			return ""
		}
		return s
	}
	switch {
	case (isLiteralNull(c.ShopID) || isLiteralNull(c.CardID) || isLiteralNull(c.CardType)) &&
		matches(apiTicket, ts, blank(c.ShopID), blank(c.CardID), blank(c.CardType)):
		ps.cause(ProblemLiteralNull, "cardSign", "the server signed the absent values as the empty string but the page passed the text null")
	case tsOK && ts < millisecondThreshold && matches(apiTicket, ts*1000, c.ShopID, c.CardID, c.CardType):
		ps.cause(ProblemTimestampMillis, "timestamp", "the server signed the timestamp in milliseconds but passed seconds to wx.chooseCard; WeChat signs seconds")
	case matches(jsapiTicket, ts, c.ShopID, c.CardID, c.CardType):
		ps.cause(ProblemWrongTicketType, "cardSign", "signed with the jsapi ticket; cardSign needs the card api_ticket (type wx_card)")
	default:
		ps.add(ProblemSignatureMismatch, "cardSign",
			"cardSign does not match: the ticket is not the current card api_ticket (type wx_card, not jsapi), or the app id, shopId, cardType, cardId, timestamp or nonceStr signed differ from the ones passed to wx.chooseCard")
	}
	v.Problems = ps
	return v, nil
}

// problems collects the findings of one verification.
type problems []Problem

func (ps *problems) add(code, field, message string) {
	*ps = append(*ps, Problem{Code: code, Field: field, Message: message})
}

// cause adds the finding that explains a signature mismatch.
func (ps *problems) cause(code, field, message string) {
	*ps = append(*ps, Problem{Code: code, Field: field, Message: message, Cause: true})
}

// timestamp reads a timestamp given as text; ok is false when there is no
// usable one, and the reason has been noted.
func (ps *problems) timestamp(text string) (int64, bool) {
	if text == "" {
		ps.add(ProblemTimestampMissing, "timestamp", "the timestamp is missing; the signed one must be passed")
		return 0, false
	}
	if isLiteralNull(text) {
		ps.add(ProblemLiteralNull, "timestamp", "the timestamp is the text "+strconv.Quote(text))
		return 0, false
	}
	ts, err := strconv.ParseInt(text, 10, 64)
	if err != nil || ts < 0 || strconv.FormatInt(ts, 10) != text {
		ps.add(ProblemTimestampInvalid, "timestamp", "the timestamp is not a whole number of seconds")
		return 0, false
	}
	if ts >= millisecondThreshold {
		ps.add(ProblemTimestampMillis, "timestamp", "the timestamp is in milliseconds; WeChat signs seconds (Date.now() is milliseconds: divide by 1000)")
	}
	return ts, true
}

func (ps *problems) nonce(field, nonce string) {
	switch {
	case nonce == "":
		ps.add(ProblemNonceMissing, field, field+" is missing; the signed nonce must be passed")
	case isLiteralNull(nonce):
		ps.add(ProblemLiteralNull, field, field+" is the text "+strconv.Quote(nonce))
	}
}

// signature notes what is wrong with the signature found and reports
// whether it is worth looking for the cause of a mismatch.
func (ps *problems) signature(field, found, expected string) (mismatch bool) {
	switch {
	case found == "":
		ps.add(ProblemSignatureMissing, field, field+" is missing")
	case found == expected:
	case strings.EqualFold(found, expected):
		ps.add(ProblemSignatureUppercase, field, field+" must be lowercase hex")
	default:
		return true
	}
	return false
}

func isLiteralNull(s string) bool {
	return s == "null" || s == "undefined" || s == "None" || s == "<nil>"
}

// validateOtherTicket checks an optional ticket that only helps explain a
// mismatch.
func validateOtherTicket(field, ticket string) error {
	if ticket == "" {
		return nil
	}
	return ValidateTicket(field, ticket)
}

// checkLengths bounds the text fields of a check, given as name, value
// pairs; what is in them is the subject of the verification, so nothing
// else is rejected.
func checkLengths(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if len(pairs[i+1]) > MaxFieldLen {
			return invalid(pairs[i], "is longer than "+strconv.Itoa(MaxFieldLen)+" bytes")
		}
	}
	return nil
}

func jssdkPreimage(ticket, nonce, ts, pageURL string) string {
	return "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + ts + "&url=" + pageURL
}

func sha1Hex(s string) string {
	sum := sha1Sum([]byte(s))
	var out [hexLen]byte
	putHex(&out, &sum)
	return string(out[:])
}

func unescapeOrEmpty(u string) string {
	s, ok := pathUnescape(u)
	if !ok {
		return ""
	}
	return s
}

// encodeURI escapes what JavaScript's encodeURI escapes, the usual way a
// URL gets encoded twice.
func encodeURI(u string) string {
	const keep = ";,/?:@&=+$-_.!~*'()#"
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

func toggleTrailingSlash(u string) string {
	if strings.HasSuffix(u, "/") {
		return u[:len(u)-1]
	}
	return u + "/"
}

func otherScheme(u string) string {
	if rest, ok := strings.CutPrefix(u, "https:"); ok {
		return "http:" + rest
	}
	if rest, ok := strings.CutPrefix(u, "http:"); ok {
		return "https:" + rest
	}
	return ""
}
