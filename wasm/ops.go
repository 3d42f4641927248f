package main

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wxcard/wxcard/internal/jsonlite"

	"github.com/wxcard/wxcard/signer"
)

// MaxRequestLen bounds one JSON request. The largest legitimate request, an
// addCard of signer.MaxCardsPerAddCard cards with every field at its limit,
// is about 40 KiB.
const MaxRequestLen = 1 << 20

// maxSortedValues bounds a sorted_sha1 request; WeChat's rules sign 6 or 7.
const maxSortedValues = 64

// Error codes of the JSON ABI. They are stable: hosts switch on them.
const (
	CodeInvalidJSON  = "invalid_json"      // not JSON, or not an object
	CodeInvalidUTF8  = "invalid_utf8"      // the request bytes are not UTF-8
	CodeInvalidInput = "invalid_input"     // a field is missing, mistyped or rejected by signer
	CodeTooLarge     = "request_too_large" // longer than MaxRequestLen
	CodeBadPointer   = "bad_pointer"       // a pointer wxcard_alloc did not return
	CodeUnknownOp    = "unknown_operation" // no such operation
	CodeInternal     = "internal"          // a recovered panic or a failing entropy source
)

// op names one operation of the ABI.
type op uint8

const (
	opCardExt op = iota + 1
	opAddCard
	opChooseCard
	opJSConfig
	opSortedSHA1
	opVerifyCardExt
	opVerifyJSConfig
	opVerifyChooseCard
)

// requestError is what the shim itself rejects; signer's *ValidationError
// becomes one in toRequestError. Messages never quote a value from the
// request: values may be tickets.
type requestError struct {
	code    string
	field   string
	message string
}

func (e *requestError) Error() string { return e.code + ": " + e.message }

func toRequestError(err error) *requestError {
	var re *requestError
	if errors.As(err, &re) {
		return re
	}
	var ve *signer.ValidationError
	if errors.As(err, &ve) {
		return &requestError{code: CodeInvalidInput, field: ve.Field, message: ve.Field + " " + ve.Reason}
	}
	// signer's remaining errors (a failing crypto/rand) carry no input values.
	return &requestError{code: CodeInternal, message: err.Error()}
}

// handler turns one JSON request into one JSON response.
type handler struct{}

// handle never panics: whatever slips past validation is recovered here and
// answered as CodeInternal, so the instance stays usable.
func (h *handler) handle(o op, req []byte) (resp []byte) {
	defer func() {
		if r := recover(); r != nil {
			resp = appendError(nil, &requestError{code: CodeInternal, message: "internal error while handling the request"})
		}
	}()
	// Answers are about twice their request (values come back sorted and
	// joined); sizing the buffer once saves the appends' regrowth.
	out, err := h.dispatch(o, req, make([]byte, 0, 512+2*len(req)))
	if err != nil {
		return appendError(out[:0], toRequestError(err))
	}
	return out
}

func (h *handler) dispatch(o op, req, out []byte) ([]byte, error) {
	if len(req) > MaxRequestLen {
		return out, &requestError{code: CodeTooLarge, message: "the request is longer than " + strconv.Itoa(MaxRequestLen) + " bytes"}
	}
	if !utf8.Valid(req) {
		return out, &requestError{code: CodeInvalidUTF8, message: "the request is not valid UTF-8"}
	}
	if err := checkEscapes(req); err != nil {
		return out, err
	}
	obj, err := jsonlite.Parse(req)
	if err != nil {
		return out, &requestError{code: CodeInvalidJSON, message: "the request is not valid JSON"}
	}
	if obj.Kind != jsonlite.Object {
		return out, &requestError{code: CodeInvalidJSON, message: "the request must be a JSON object"}
	}
	out = append(out, `{"ok":`...)
	switch o {
	case opCardExt:
		out, err = cardExt(obj, out)
	case opAddCard:
		out, err = addCard(obj, out)
	case opChooseCard:
		out, err = chooseCard(obj, out)
	case opJSConfig:
		out, err = jsConfig(obj, out)
	case opSortedSHA1:
		out, err = sortedSHA1(obj, out)
	case opVerifyCardExt:
		out, err = verifyCardExt(obj, out)
	case opVerifyJSConfig:
		out, err = verifyJSConfig(obj, out)
	case opVerifyChooseCard:
		out, err = verifyChooseCard(obj, out)
	default:
		err = &requestError{code: CodeUnknownOp, message: "unknown operation"}
	}
	if err != nil {
		return out, err
	}
	return append(out, '}'), nil
}

// cardExt signs one card: {api_ticket, card_id, code?, openid?, outer_str?,
// fixed_begintimestamp?, balance?, timestamp?, nonce_str?} →
// {card_id, card_ext, signature, timestamp, nonce_str, sorted_values, preimage}.
func cardExt(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket string
	var card signer.Card
	var p pins
	err := fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		if name == "api_ticket" {
			ticket, err = asString(v, name)
			return err
		}
		if ok, err := p.decode(name, v); ok {
			return err
		}
		if ok, err := decodeCardField(&card, "", name, v); ok {
			return err
		}
		return unknownField("", name)
	})
	if err != nil {
		return out, err
	}
	s, err := p.signer(true)
	if err != nil {
		return out, err
	}
	list, err := s.AddCard(ticket, []signer.Card{card})
	if err != nil {
		return out, unprefixCard(err)
	}
	ts, nonce := p.usedTimestamp, p.usedNonces[0]
	values := signer.CardExtValues(ticket, ts, card.CardID, card.Code, card.OpenID, nonce)
	out = append(out, `{"card_id":`...)
	out = appendString(out, list[0].CardID)
	out = append(out, `,"card_ext":`...)
	out = appendString(out, list[0].CardExt)
	out = append(out, `,"signature":`...)
	out = appendString(out, signer.CardExtSignature(ticket, ts, card.CardID, card.Code, card.OpenID, nonce))
	out = append(out, `,"timestamp":`...)
	out = strconv.AppendInt(out, ts, 10)
	out = append(out, `,"nonce_str":`...)
	out = appendString(out, nonce)
	out = appendValues(out, values)
	return append(out, '}'), nil
}

// unprefixCard drops the "cards[0]." signer adds for a list: a single-card
// request has no list.
func unprefixCard(err error) error {
	var ve *signer.ValidationError
	if errors.As(err, &ve) {
		return badField(strings.TrimPrefix(ve.Field, "cards[0]."), ve.Reason)
	}
	return err
}

// addCard builds a cardList: {api_ticket, cards:[card…], timestamp?,
// nonces?:[one per card]} → {cardList:[{cardId, cardExt}]}.
func addCard(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket string
	var cards []signer.Card
	var p pins
	err := fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		switch name {
		case "api_ticket":
			ticket, err = asString(v, name)
		case "timestamp":
			_, err = p.decode(name, v)
		case "nonces":
			p.nonces, err = asStringList(v, name, signer.MaxCardsPerAddCard)
		case "cards":
			cards, err = decodeCards(v)
		default:
			err = unknownField("", name)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	if p.nonces != nil && len(p.nonces) != len(cards) {
		return out, badField("nonces", "must have one nonce per card")
	}
	s, err := p.signer(false)
	if err != nil {
		return out, err
	}
	list, err := s.AddCard(ticket, cards)
	if err != nil {
		return out, err
	}
	out = append(out, `{"cardList":`...)
	out = list.AppendJSON(out)
	return append(out, '}'), nil
}

func decodeCards(v jsonlite.Value) ([]signer.Card, error) {
	items, err := arrayItems(v, "cards", "must be an array of cards", "cards", signer.MaxCardsPerAddCard)
	if err != nil {
		return nil, err
	}
	cards := make([]signer.Card, len(items))
	for i, item := range items {
		prefix := "cards[" + strconv.Itoa(i) + "]."
		if item.Kind != jsonlite.Object {
			return nil, badField(prefix[:len(prefix)-1], "must be an object")
		}
		err = fields(item, prefix, func(name string, v jsonlite.Value) error {
			if ok, err := decodeCardField(&cards[i], prefix, name, v); ok {
				return err
			}
			return unknownField(prefix, name)
		})
		if err != nil {
			return nil, err
		}
	}
	return cards, nil
}

// chooseCard builds wx.chooseCard's arguments: {api_ticket, app_id,
// shop_id?, card_type?, card_id?, timestamp?, nonce_str?} →
// {shopId, cardType, cardId, timestamp, nonceStr, signType, cardSign}.
func chooseCard(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket string
	var req signer.ChooseCardRequest
	var p pins
	err := fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		if ok, err := p.decode(name, v); ok {
			return err
		}
		switch name {
		case "api_ticket":
			ticket, err = asString(v, name)
		case "app_id":
			req.AppID, err = asString(v, name)
		case "shop_id":
			req.ShopID, err = asString(v, name)
		case "card_type":
			req.CardType, err = asString(v, name)
		case "card_id":
			req.CardID, err = asString(v, name)
		default:
			err = unknownField("", name)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	s, err := p.signer(false)
	if err != nil {
		return out, err
	}
	params, err := s.ChooseCard(ticket, req)
	if err != nil {
		return out, err
	}
	return params.AppendJSON(out), nil
}

// jsConfig builds wx.config's arguments and explains them: {jsapi_ticket,
// app_id, url, jsApiList?, openTagList?, timestamp?, nonce_str?, page_url?}
// → {config, signed_url, preimage, warnings}.
func jsConfig(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket, pageURL string
	var req signer.JSConfigRequest
	var p pins
	err := fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		if ok, err := p.decode(name, v); ok {
			return err
		}
		switch name {
		case "jsapi_ticket":
			ticket, err = asString(v, name)
		case "app_id":
			req.AppID, err = asString(v, name)
		case "url":
			req.URL, err = asString(v, name)
		case "page_url":
			pageURL, err = asString(v, name)
		case "jsApiList":
			req.JSAPIList, err = asStringList(v, name, signer.MaxJSAPIListLen)
		case "openTagList":
			req.OpenTagList, err = asStringList(v, name, signer.MaxJSAPIListLen)
		default:
			err = unknownField("", name)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	if pageURL != "" {
		if err := signer.ValidatePageURL(pageURL); err != nil {
			return out, badField("page_url", strings.TrimPrefix(toRequestError(err).message, "url "))
		}
	}
	s, err := p.signer(false)
	if err != nil {
		return out, err
	}
	cfg, err := s.JSConfig(ticket, req)
	if err != nil {
		return out, err
	}
	signed := signer.StripFragment(req.URL)
	out = append(out, `{"config":`...)
	out = cfg.AppendJSON(out)
	out = append(out, `,"signed_url":`...)
	out = appendString(out, signed)
	// The preimage is shown so a developer can diff it against what their
	// server hashed; the signature itself always comes from signer.
	out = append(out, `,"preimage":`...)
	out = appendString(out, "jsapi_ticket="+ticket+"&noncestr="+cfg.NonceStr+"&timestamp="+strconv.FormatInt(cfg.Timestamp, 10)+"&url="+signed)
	out = append(out, `,"warnings":[`...)
	n := 0
	warn := func(code, field, message string) {
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = appendProblem(out, code, field, message, false)
	}
	if signed != req.URL {
		warn("url_fragment", "url", "the #fragment was removed before signing: WeChat signs location.href.split('#')[0], so never sign the part after #")
	}
	if pageURL != "" && signer.StripFragment(pageURL) != signed {
		warn("url_not_page", "url", "the signed URL differs from the page URL: wx.config must be signed for the exact URL of the page that calls it (scheme, host, path and query, as the browser shows it)")
	}
	return append(out, "]}"...), nil
}

// sortedSHA1 is the generic card rule: {values:[…]} →
// {signature, sorted_values, preimage}.
func sortedSHA1(obj jsonlite.Value, out []byte) ([]byte, error) {
	var values []string
	found := false
	err := fields(obj, "", func(name string, v jsonlite.Value) (err error) {
		if name != "values" {
			return unknownField("", name)
		}
		found = true
		values, err = asStringList(v, name, maxSortedValues)
		return err
	})
	if err != nil {
		return out, err
	}
	if !found {
		return out, badField("values", "is required")
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	out = append(out, `{"signature":`...)
	out = appendString(out, signer.SortedSHA1(values...))
	out = appendValues(out, sorted)
	return append(out, '}'), nil
}

// verifyCardExt checks a cardExt as the WeChat client would: {api_ticket,
// card_id, card_ext, jsapi_ticket?} → signer.Verification. The optional
// jsapi ticket only names the mistake of signing with it.
func verifyCardExt(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket, jsapiTicket, cardID, ext string
	err := textFields(obj,
		textField{"api_ticket", &ticket, asString},
		textField{"jsapi_ticket", &jsapiTicket, asString},
		textField{"card_id", &cardID, asString},
		textField{"card_ext", &ext, asCardExtText},
	)
	if err != nil {
		return out, err
	}
	res, err := signer.VerifyCardExtWithJSAPITicket(ticket, jsapiTicket, cardID, ext)
	if err != nil {
		return out, err
	}
	out = appendVerdict(out, res.Valid, res.Signature, res.Expected)
	out = appendValues(out, res.SortedValues)
	out = append(out, `,"card_ext":`...)
	out = res.CardExt.AppendJSON(out)
	return appendProblems(out, res.Problems), nil
}

// verifyJSConfig checks a wx.config call as the WeChat client would:
// {jsapi_ticket, api_ticket?, url, timestamp?, nonce_str?, signature?} →
// signer.JSConfigVerification. The optional card api_ticket only names the
// mistake of signing with it.
func verifyJSConfig(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket, cardTicket string
	var c signer.JSConfigCheck
	err := textFields(obj,
		textField{"jsapi_ticket", &ticket, asString},
		textField{"api_ticket", &cardTicket, asString},
		textField{"url", &c.URL, asString},
		textField{"timestamp", &c.Timestamp, asTimestampText},
		textField{"nonce_str", &c.NonceStr, asCheckedText},
		textField{"signature", &c.Signature, asCheckedText},
	)
	if err != nil {
		return out, err
	}
	res, err := signer.VerifyJSConfig(ticket, cardTicket, c)
	if err != nil {
		return out, err
	}
	out = appendVerdict(out, res.Valid, res.Signature, res.Expected)
	out = append(out, `,"signed_url":`...)
	out = appendString(out, res.SignedURL)
	out = append(out, `,"preimage":`...)
	out = appendString(out, res.Preimage)
	return appendProblems(out, res.Problems), nil
}

// verifyChooseCard checks a wx.chooseCard call as the WeChat client would:
// {api_ticket, jsapi_ticket?, app_id, shop_id?, card_type?, card_id?,
// timestamp?, nonce_str?, sign_type?, card_sign?} →
// signer.ChooseCardVerification. The optional jsapi ticket only names the
// mistake of signing with it.
func verifyChooseCard(obj jsonlite.Value, out []byte) ([]byte, error) {
	var ticket, jsapiTicket string
	var c signer.ChooseCardCheck
	err := textFields(obj,
		textField{"api_ticket", &ticket, asString},
		textField{"jsapi_ticket", &jsapiTicket, asString},
		textField{"app_id", &c.AppID, asString},
		textField{"shop_id", &c.ShopID, asCheckedText},
		textField{"card_type", &c.CardType, asCheckedText},
		textField{"card_id", &c.CardID, asCheckedText},
		textField{"timestamp", &c.Timestamp, asTimestampText},
		textField{"nonce_str", &c.NonceStr, asCheckedText},
		textField{"sign_type", &c.SignType, asCheckedText},
		textField{"card_sign", &c.CardSign, asCheckedText},
	)
	if err != nil {
		return out, err
	}
	res, err := signer.VerifyChooseCard(ticket, jsapiTicket, c)
	if err != nil {
		return out, err
	}
	out = appendVerdict(out, res.Valid, res.Signature, res.Expected)
	out = appendValues(out, res.SortedValues)
	return appendProblems(out, res.Problems), nil
}
