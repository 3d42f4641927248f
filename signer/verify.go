package signer

import (
	"sort"
	"strconv"
	"strings"
)

// MaxCardExtLen bounds a cardExt accepted by ParseCardExt.
const MaxCardExtLen = 4096

// ParsedCardExt is a cardExt read back from JSON, as a WeChat client reads
// it: the timestamp is accepted as a string or a number, and what was odd
// about the document is kept in Notes instead of failing the parse.
type ParsedCardExt struct {
	CardExt
	// TimestampValue is Timestamp as a number.
	TimestampValue int64
	// Notes lists fields that are present but suspicious (see Problem codes).
	Notes []Problem
}

// SignedBy reports whether the cardExt verifies as WeChat's client checks
// it: its signature is the one apiTicket (type wx_card) gives for cardID and
// the cardExt's own timestamp, code, openid and nonce_str, and it carries
// the timestamp it signed. nonce_str is optional in a cardExt, as WeChat
// documents it: signed when present, and a cardExt without one verifies
// (VerifyCardExt warns that it can be replayed). It is VerifyCardExt's Valid without
// the explanation, for servers that check many cardExts: it does not
// allocate. An ill-formed ticket or card id simply does not verify.
func (p ParsedCardExt) SignedBy(apiTicket, cardID string) bool {
	ext := p.CardExt
	if ext.Timestamp == "" || len(ext.Signature) != hexLen ||
		ValidateTicket("api_ticket", apiTicket) != nil || checkText("card_id", cardID, true, MaxCardIDLen) != nil {
		return false
	}
	var expected [hexLen]byte
	return string(AppendCardExtSignature(expected[:0], apiTicket, p.TimestampValue, cardID, ext.Code, ext.OpenID, ext.NonceStr)) == ext.Signature
}

// Problem is one finding of VerifyCardExt or ParseCardExt. Code is stable and
// meant for programs; Message is for people.
type Problem struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Cause marks the finding that explains a signature mismatch: the
	// mistake that, undone, reproduces the signature found.
	Cause bool `json:"cause,omitempty"`
	// Warning marks a finding that does not stop the signature from
	// verifying but is worth fixing, such as a cardExt without a nonce,
	// which anyone who saw it can replay.
	Warning bool `json:"warning,omitempty"`
}

// Problem codes.
const (
	ProblemSignatureMismatch  = "signature_mismatch"
	ProblemSignatureMissing   = "signature_missing"
	ProblemSignatureUppercase = "signature_uppercase"
	ProblemNonceMissing       = "nonce_missing"
	ProblemTimestampMissing   = "timestamp_missing"
	ProblemTimestampMillis    = "timestamp_milliseconds"
	ProblemTimestampNumber    = "timestamp_number"
	ProblemLiteralNull        = "literal_null"
	ProblemEmptyOptionalField = "empty_optional_field"
	ProblemUnknownField       = "unknown_field"
)

// knownCardExtField reports whether WeChat reads the field from a cardExt.
func knownCardExtField(name string) bool {
	switch name {
	case "code", "openid", "timestamp", "nonce_str", "signature", "fixed_begintimestamp", "outer_str", "balance", "outer_id":
		return true
	}
	return false
}

// ParseCardExt decodes a cardExt JSON string. It fails only when the text is
// not a JSON object or a field has an impossible type; anything merely
// suspicious is reported in Notes. A field given twice counts once, the last
// time, as in encoding/json.
func ParseCardExt(cardExt string) (ParsedCardExt, error) {
	var out ParsedCardExt
	if len(cardExt) > MaxCardExtLen {
		return out, invalid("cardExt", "is longer than "+strconv.Itoa(MaxCardExtLen)+" bytes")
	}
	type field struct {
		kind jsonKind
		text string
	}
	fields := map[string]field{}
	p := &jsonScanner{s: cardExt}
	if !p.consume('{') {
		return out, invalid("cardExt", "is not a JSON object")
	}
	if !p.consume('}') {
		for {
			p.skipSpace()
			if p.pos >= len(p.s) || p.s[p.pos] != '"' {
				return out, errJSONSyntax()
			}
			name, err := p.str()
			if err != nil {
				return out, err
			}
			if !p.consume(':') {
				return out, errJSONSyntax()
			}
			kind, text, err := p.value(0)
			if err != nil {
				return out, err
			}
			fields[name] = field{kind, text}
			if p.consume('}') {
				break
			}
			if !p.consume(',') {
				return out, errJSONSyntax()
			}
		}
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return out, invalid("cardExt", "has data after the JSON object")
	}

	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := fields[name]
		if !knownCardExtField(name) {
			out.Notes = append(out.Notes, Problem{Code: ProblemUnknownField, Field: name, Message: "WeChat ignores this field and it is not signed"})
			continue
		}
		if f.kind == jsonNull {
			out.Notes = append(out.Notes, Problem{Code: ProblemLiteralNull, Field: name, Message: "the field is JSON null; leave it out instead"})
			continue
		}
		switch name {
		case "timestamp":
			switch f.kind {
			case jsonNumber:
				out.Notes = append(out.Notes, Problem{Code: ProblemTimestampNumber, Field: name, Message: "WeChat documents the timestamp as a string of seconds"})
			case jsonString:
			default:
				return out, invalid("timestamp", "must be a string or a number")
			}
			out.Timestamp = f.text
		case "fixed_begintimestamp", "balance":
			if f.kind != jsonNumber && f.kind != jsonString {
				return out, invalid(name, "must be a number")
			}
			v, err := strconv.ParseInt(f.text, 10, 64)
			if err != nil {
				return out, invalid(name, "must be an integer")
			}
			if name == "balance" {
				out.Balance = &v
			} else {
				out.FixedBeginTimestamp = v
			}
		default:
			if f.kind != jsonString {
				return out, invalid(name, "must be a string")
			}
			s := f.text
			switch name {
			case "code":
				out.Code = s
			case "openid":
				out.OpenID = s
			case "nonce_str":
				out.NonceStr = s
			case "signature":
				out.Signature = s
			case "outer_str":
				out.OuterStr = s
			}
			switch {
			case s == "null" || s == "undefined" || s == "None" || s == "<nil>":
				out.Notes = append(out.Notes, Problem{Code: ProblemLiteralNull, Field: name, Message: "the value is the text " + strconv.Quote(s) + ": an absent value must be signed as the empty string and left out of cardExt"})
			case s == "" && (name == "code" || name == "openid" || name == "outer_str"):
				out.Notes = append(out.Notes, Problem{Code: ProblemEmptyOptionalField, Field: name, Message: "an empty optional field should be left out of cardExt"})
			}
		}
	}
	if out.Timestamp != "" {
		v, err := strconv.ParseInt(out.Timestamp, 10, 64)
		if err != nil || v < 0 {
			return out, invalid("timestamp", "is not a non-negative integer")
		}
		out.TimestampValue = v
	}
	return out, nil
}

// Verification is the result of VerifyCardExt.
type Verification struct {
	// Valid is true when the cardExt's signature is the one WeChat computes.
	Valid bool `json:"valid"`
	// Signature is the signature found in the cardExt.
	Signature string `json:"signature"`
	// Expected is the signature the given ticket and card id produce.
	Expected string `json:"expected"`
	// SortedValues are the signed values in the order they are hashed;
	// Preimage is their concatenation. Both contain the ticket that was
	// passed in: show them only to whoever supplied it.
	SortedValues []string `json:"sorted_values"`
	Preimage     string   `json:"preimage"`
	// CardExt is what was parsed.
	CardExt CardExt `json:"card_ext"`
	// Problems explains a mismatch and lists anything else suspicious.
	Problems []Problem `json:"problems,omitempty"`
}

// CardExtValues returns the six signed values of a cardExt, sorted as they
// are hashed.
func CardExtValues(apiTicket string, timestamp int64, cardID, code, openID, nonceStr string) []string {
	values := []string{apiTicket, strconv.FormatInt(timestamp, 10), cardID, code, openID, nonceStr}
	insertionSort(values)
	return values
}

// VerifyCardExt checks a cardExt string the way the WeChat client does when
// wx.addCard runs: it recomputes the signature from the card api_ticket, the
// card id and the cardExt's own fields. A cardExt that cannot be parsed is an
// error; one that parses but does not verify is a Verification with Valid
// false and Problems saying why.
func VerifyCardExt(apiTicket, cardID, cardExt string) (Verification, error) {
	return VerifyCardExtWithJSAPITicket(apiTicket, "", cardID, cardExt)
}

// VerifyCardExtWithJSAPITicket is VerifyCardExt knowing the jsapi ticket
// too, so that a cardExt signed with it instead of the card api_ticket is
// named as such (wrong_ticket_type). jsapiTicket may be empty.
func VerifyCardExtWithJSAPITicket(apiTicket, jsapiTicket, cardID, cardExt string) (Verification, error) {
	if err := ValidateTicket("api_ticket", apiTicket); err != nil {
		return Verification{}, err
	}
	if err := validateOtherTicket("jsapi_ticket", jsapiTicket); err != nil {
		return Verification{}, err
	}
	if err := checkText("card_id", cardID, true, MaxCardIDLen); err != nil {
		return Verification{}, err
	}
	parsed, err := ParseCardExt(cardExt)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{
		Signature: parsed.Signature,
		CardExt:   parsed.CardExt,
		Problems:  parsed.Notes,
	}
	ext := parsed.CardExt
	v.SortedValues = CardExtValues(apiTicket, parsed.TimestampValue, cardID, ext.Code, ext.OpenID, ext.NonceStr)
	v.Preimage = strings.Join(v.SortedValues, "")
	v.Expected = CardExtSignature(apiTicket, parsed.TimestampValue, cardID, ext.Code, ext.OpenID, ext.NonceStr)
	if ext.Timestamp == "" {
		v.Problems = append(v.Problems, Problem{Code: ProblemTimestampMissing, Field: "timestamp", Message: "cardExt has no timestamp; the signed one must be in it"})
	} else if parsed.TimestampValue >= millisecondThreshold {
		v.Problems = append(v.Problems, Problem{Code: ProblemTimestampMillis, Field: "timestamp", Message: "the timestamp is in milliseconds; WeChat signs seconds"})
	}
	if ext.NonceStr == "" {
		v.Problems = append(v.Problems, Problem{Code: ProblemNonceMissing, Field: "nonce_str", Warning: true,
			Message: "cardExt has no nonce_str: WeChat accepts it (the nonce is optional), but the same cardExt can then be replayed; sign with a nonce"})
	}
	switch {
	case ext.Signature == "":
		v.Problems = append(v.Problems, Problem{Code: ProblemSignatureMissing, Field: "signature", Message: "cardExt has no signature"})
	case ext.Signature == v.Expected:
		// What SignedBy checks, from what is computed here already (the
		// tests hold the two to agreeing).
		v.Valid = ext.Timestamp != ""
	case strings.EqualFold(ext.Signature, v.Expected):
		v.Problems = append(v.Problems, Problem{Code: ProblemSignatureUppercase, Field: "signature", Message: "the signature must be lowercase hex"})
	default:
		v.Problems = append(v.Problems, Problem{Code: ProblemSignatureMismatch, Field: "signature",
			Message: "the signature does not match: the ticket is not the current card api_ticket (type wx_card, not jsapi), or the card id, code, openid, timestamp or nonce signed differ from the ones in cardExt"})
		if c, ok := cardExtCause(apiTicket, jsapiTicket, cardID, parsed); ok {
			v.Problems = append(v.Problems, c)
		}
	}
	return v, nil
}

// cardExtCause tries the classic mistakes behind a cardExt that does not
// verify and returns the one that reproduces its signature.
func cardExtCause(apiTicket, jsapiTicket, cardID string, p ParsedCardExt) (Problem, bool) {
	ext := p.CardExt
	found := ext.Signature
	type try struct {
		ticket         string
		ts             int64
		code, openID   string
		problem, field string
		message        string
	}
	var tries []try
	base := try{ticket: apiTicket, ts: p.TimestampValue, code: ext.Code, openID: ext.OpenID}
	for _, f := range []struct {
		name  string
		value string
		set   func(*try, string)
	}{
		{"code", ext.Code, func(t *try, v string) { t.code = v }},
		{"openid", ext.OpenID, func(t *try, v string) { t.openID = v }},
	} {
		switch {
		case isLiteralNull(f.value):
			t := base
			f.set(&t, "")
			t.problem, t.field, t.message = ProblemLiteralNull, f.name, "the server signed "+f.name+" as the empty string but cardExt carries the text "+strconv.Quote(f.value)
			tries = append(tries, t)
		case f.value == "":
			for _, text := range []string{"null", "undefined"} {
				t := base
				f.set(&t, text)
				t.problem, t.field, t.message = ProblemLiteralNull, f.name, "the server signed "+f.name+" as the text "+strconv.Quote(text)+": an absent "+f.name+" must be signed as the empty string"
				tries = append(tries, t)
			}
		}
	}
	if ext.Timestamp != "" {
		t := base
		if p.TimestampValue >= millisecondThreshold {
			t.ts = p.TimestampValue / 1000
			t.message = "the server signed seconds but cardExt carries milliseconds"
		} else {
			t.ts = p.TimestampValue * 1000
			t.message = "the server signed the timestamp in milliseconds: WeChat signs seconds"
		}
		t.problem, t.field = ProblemTimestampMillis, "timestamp"
		tries = append(tries, t)
	}
	if jsapiTicket != "" {
		t := base
		t.ticket = jsapiTicket
		t.problem, t.field, t.message = ProblemWrongTicketType, "api_ticket", "the card was signed with the jsapi ticket: cardExt needs the card api_ticket (getticket?type=wx_card)"
		tries = append(tries, t)
	}
	for _, t := range tries {
		if CardExtSignature(t.ticket, t.ts, cardID, t.code, t.openID, ext.NonceStr) == found {
			return Problem{Code: t.problem, Field: t.field, Message: t.message, Cause: true}, true
		}
	}
	return Problem{}, false
}
