package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/wxcard/wxcard/internal/devhttp"
	"github.com/wxcard/wxcard/signer"
)

// The wx stand-in (web/wx-standin.js) plays the WeChat client in a browser.
// What the real client checks on its side — the wx.config signature, the
// chooseCard cardSign — it asks these routes to check, against the tickets
// the emulator issued. They answer only "valid" or "why not": never a
// ticket, never a signature the caller did not already send.

// standinMaxBody bounds the verification requests.
const standinMaxBody = 8 << 10

type configCheck struct {
	AppID     string          `json:"appId"`
	Timestamp json.RawMessage `json:"timestamp"`
	NonceStr  string          `json:"nonceStr"`
	Signature string          `json:"signature"`
	URL       string          `json:"url"`
}

type chooseCardCheck struct {
	AppID     string          `json:"appId"`
	ShopID    string          `json:"shopId"`
	CardType  string          `json:"cardType"`
	CardID    string          `json:"cardId"`
	Timestamp json.RawMessage `json:"timestamp"`
	NonceStr  string          `json:"nonceStr"`
	SignType  string          `json:"signType"`
	CardSign  string          `json:"cardSign"`
}

// checkResult is the answer: ok, or WeChat's errMsg plus a hint a real
// client would not give.
type checkResult struct {
	OK     bool   `json:"ok"`
	ErrMsg string `json:"errMsg"`
	Hint   string `json:"hint,omitempty"`
}

func (s *server) standinRoutes(mux *http.ServeMux) {
	mux.Handle("/standin/v1/config", s.guarded(http.MethodPost, s.checkConfig))
	mux.Handle("/standin/v1/choosecard", s.guarded(http.MethodPost, s.checkChooseCard))
	mux.Handle("/standin/v1/cards", s.guarded(http.MethodGet, s.serveCards))
}

// guarded serves one method (plus CORS preflight) of a demo or stand-in
// route. Like the emulator's control routes, it answers only requests for
// this machine's Host names (DNS rebinding), pages from loopback origins,
// and POSTs of application/json: a page on another site cannot send that
// without a preflight, which is refused. Anything else gets a JSON error.
func (s *server) guarded(method string, h http.HandlerFunc) http.Handler {
	return s.hosts.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodOptions:
			standinPreflight(w, r, method)
		case r.Method != method && (method != http.MethodGet || r.Method != http.MethodHead):
			w.Header().Set("Allow", method+", OPTIONS")
			writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+method)
		case !standinCORS(w, r):
		case r.Method == http.MethodPost && !devhttp.IsJSON(r):
			writeJSONError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		default:
			h(w, r)
		}
	}))
}

// standinCORS lets merchant pages served from other local ports use the
// stand-in; like the emulator's control routes, only loopback origins.
func standinCORS(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !loopbackOrigin(origin) {
		writeJSONError(w, http.StatusForbidden, "forbidden_origin", "the stand-in answers pages from loopback origins only")
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Add("Vary", "Origin")
	return true
}

func standinPreflight(w http.ResponseWriter, r *http.Request, method string) {
	if !standinCORS(w, r) {
		return
	}
	w.Header().Set("Access-Control-Allow-Methods", method+", OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// decodeCheck reads a small JSON body; it answers the error itself.
func (s *server) decodeCheck(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeDemo(w, r, v)
}

// timestampText is the timestamp as the page wrote it, a JSON number or a
// string alike; the verifier judges it.
func timestampText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// hintOf joins what the verifier found: the explanation a real client would
// not give. Problem messages never quote a ticket.
func hintOf(problems []signer.Problem) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// reasonOf is the hint for input the verifier refused outright.
func reasonOf(err error) string {
	var ve *signer.ValidationError
	if errors.As(err, &ve) {
		return ve.Field + " " + ve.Reason
	}
	return "the request cannot be checked"
}

// POST /standin/v1/config {appId,timestamp,nonceStr,signature,url}: what the
// WeChat client checks when a page calls wx.config.
func (s *server) checkConfig(w http.ResponseWriter, r *http.Request) {
	var req configCheck
	if !s.decodeCheck(w, r, &req) {
		return
	}
	fail := func(errMsg, hint string) {
		writeJSON(w, http.StatusOK, checkResult{ErrMsg: errMsg, Hint: hint})
	}
	if req.AppID != s.appID {
		fail("config:invalid appid", "appId must be the emulator's dev app, "+s.appID)
		return
	}
	ticket, ok := s.emu.Ticket(s.appID, "jsapi")
	if !ok {
		fail("config:invalid signature", "no jsapi ticket is current: sign wx.config with getticket?type=jsapi (GET /v1/jsconfig does)")
		return
	}
	cardTicket, _ := s.emu.Ticket(s.appID, "wx_card")
	res, err := signer.VerifyJSConfig(ticket, cardTicket, signer.JSConfigCheck{
		URL: req.URL, Timestamp: timestampText(req.Timestamp), NonceStr: req.NonceStr, Signature: req.Signature,
	})
	switch {
	case err != nil:
		fail("config:invalid signature", reasonOf(err))
	case res.Valid:
		writeJSON(w, http.StatusOK, checkResult{OK: true, ErrMsg: "config:ok"})
	default:
		fail("config:invalid signature", hintOf(res.Problems))
	}
}

// POST /standin/v1/choosecard {appId,shopId,cardType,cardId,timestamp,
// nonceStr,signType,cardSign}: what the WeChat client checks when a page calls
// wx.chooseCard.
func (s *server) checkChooseCard(w http.ResponseWriter, r *http.Request) {
	var req chooseCardCheck
	if !s.decodeCheck(w, r, &req) {
		return
	}
	fail := func(hint string) {
		writeJSON(w, http.StatusOK, checkResult{ErrMsg: "chooseCard:fail, invalid signature", Hint: hint})
	}
	ticket, ok := s.emu.Ticket(s.appID, "wx_card")
	if !ok {
		fail("no card api_ticket is current: sign with getticket?type=wx_card (POST /v1/choosecard does)")
		return
	}
	jsapiTicket, _ := s.emu.Ticket(s.appID, "jsapi")
	// The signed app id is the one of wx.config: the emulator's dev app.
	res, err := signer.VerifyChooseCard(ticket, jsapiTicket, signer.ChooseCardCheck{
		AppID: s.appID, ShopID: req.ShopID, CardType: req.CardType, CardID: req.CardID,
		Timestamp: timestampText(req.Timestamp), NonceStr: req.NonceStr, SignType: req.SignType, CardSign: req.CardSign,
	})
	switch {
	case err != nil:
		fail(reasonOf(err))
	case res.Valid:
		writeJSON(w, http.StatusOK, checkResult{OK: true, ErrMsg: "chooseCard:ok"})
	default:
		fail(hintOf(res.Problems))
	}
}

// loopbackOrigin accepts the origins of pages served from this machine.
func loopbackOrigin(origin string) bool { return devhttp.IsLoopbackOrigin(origin) }
