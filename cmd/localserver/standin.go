package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	mux.Handle("/standin/v1/config", only(http.MethodPost, s.checkConfig))
	mux.Handle("/standin/v1/choosecard", only(http.MethodPost, s.checkChooseCard))
	mux.Handle("/standin/v1/cards", only(http.MethodGet, s.serveCards))
}

// only serves one method (plus CORS preflight) and answers any other with
// 405 and a JSON error.
func only(method string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == method, method == http.MethodGet && r.Method == http.MethodHead:
			h(w, r)
		case r.Method == http.MethodOptions:
			standinPreflight(w, r, method)
		default:
			w.Header().Set("Allow", method+", OPTIONS")
			writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+method)
		}
	})
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
	return standinCORS(w, r) && decodeDemo(w, r, v)
}

// parseTimestamp accepts what pages pass to wx.config: a number or a string
// of digits.
func parseTimestamp(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	ts, err := strconv.ParseInt(s, 10, 64)
	return ts, err == nil && ts > 0
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
	ts, ok := parseTimestamp(req.Timestamp)
	if !ok || req.NonceStr == "" || req.Signature == "" || req.URL == "" {
		fail("config:invalid signature", "timestamp, nonceStr, signature and the page url are all required")
		return
	}
	ticket, ok := s.emu.Ticket(s.appID, "jsapi")
	if !ok {
		fail("config:invalid signature", "no jsapi ticket is current: sign wx.config with getticket?type=jsapi (GET /v1/jsconfig does)")
		return
	}
	pageURL := signer.StripFragment(req.URL)
	sig := strings.ToLower(req.Signature)
	if signer.JSSDKSignature(ticket, req.NonceStr, ts, pageURL) == sig {
		writeJSON(w, http.StatusOK, checkResult{OK: true, ErrMsg: "config:ok"})
		return
	}
	hint := "the signature does not match this page's URL (without #fragment) and the current jsapi ticket"
	switch {
	case req.URL != pageURL && signer.JSSDKSignature(ticket, req.NonceStr, ts, req.URL) == sig:
		hint = "the signed URL kept its #fragment; sign location.href.split('#')[0]"
	case ts > 1e12:
		hint = "timestamp looks like milliseconds; wx.config wants seconds"
	}
	if card, ok := s.emu.Ticket(s.appID, "wx_card"); ok && signer.JSSDKSignature(card, req.NonceStr, ts, pageURL) == sig {
		hint = "signed with the card api_ticket (type wx_card); wx.config needs the jsapi ticket"
	}
	fail("config:invalid signature", hint)
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
	ts, ok := parseTimestamp(req.Timestamp)
	if !ok || req.NonceStr == "" || req.CardSign == "" {
		fail("timestamp, nonceStr and cardSign are required")
		return
	}
	if req.SignType != "" && !strings.EqualFold(req.SignType, "SHA1") {
		fail("signType must be SHA1")
		return
	}
	ticket, ok := s.emu.Ticket(s.appID, "wx_card")
	if !ok {
		fail("no card api_ticket is current: sign with getticket?type=wx_card (POST /v1/choosecard does)")
		return
	}
	sign := strings.ToLower(req.CardSign)
	if signer.ChooseCardSignature(ticket, s.appID, req.ShopID, ts, req.NonceStr, req.CardID, req.CardType) == sign {
		writeJSON(w, http.StatusOK, checkResult{OK: true, ErrMsg: "chooseCard:ok"})
		return
	}
	hint := "cardSign does not match appId, shopId, cardType, cardId, timestamp, nonceStr and the current card api_ticket"
	if js, ok := s.emu.Ticket(s.appID, "jsapi"); ok && signer.ChooseCardSignature(js, s.appID, req.ShopID, ts, req.NonceStr, req.CardID, req.CardType) == sign {
		hint = "signed with the jsapi ticket; cardSign needs the card api_ticket (type wx_card)"
	}
	fail(hint)
}

// loopbackOrigin accepts the origins of pages served from this machine.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.Host == "" {
		return false
	}
	return isLoopbackHost(u.Hostname())
}
