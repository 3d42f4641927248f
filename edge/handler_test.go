package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/signer"
)

func TestNewHandlerRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	ok := newFakeTickets()
	tests := []struct {
		name string
		cfg  edge.Config
	}{
		{"no appid", edge.Config{Tickets: ok}},
		{"appid with control char", edge.Config{AppID: "wx\n1", Tickets: ok}},
		{"no tickets", edge.Config{AppID: testAppID}},
		{"negative body limit", edge.Config{AppID: testAppID, Tickets: ok, MaxBodyBytes: -1}},
		{"huge body limit", edge.Config{AppID: testAppID, Tickets: ok, MaxBodyBytes: edge.MaxMaxBodyBytes + 1}},
		{"negative max cards", edge.Config{AppID: testAppID, Tickets: ok, MaxCards: -1}},
		{"max cards over signer bound", edge.Config{AppID: testAppID, Tickets: ok, MaxCards: signer.MaxCardsPerAddCard + 1}},
		{"empty allowed card", edge.Config{AppID: testAppID, Tickets: ok, AllowedCardIDs: []string{"c1", ""}}},
		{"wildcard origin", edge.Config{AppID: testAppID, Tickets: ok, AllowedOrigins: []string{"*"}}},
		{"origin with path", edge.Config{AppID: testAppID, Tickets: ok, AllowedOrigins: []string{"https://shop.example.com/"}}},
		{"origin without scheme", edge.Config{AppID: testAppID, Tickets: ok, AllowedOrigins: []string{"shop.example.com"}}},
		{"origin upper case", edge.Config{AppID: testAppID, Tickets: ok, AllowedOrigins: []string{"https://Shop.example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Policy.Open = true // so the error is the one named
			h, err := edge.NewHandler(tt.cfg)
			require.Error(t, err)
			assert.Nil(t, h)
			assert.ErrorIs(t, err, edge.ErrInvalidConfig)
		})
	}
	h, err := edge.NewHandler(edge.Config{AppID: testAppID, Tickets: ok,
		AllowedOrigins: []string{"https://shop.example.com", "http://127.0.0.1:8080"}, Policy: edge.Policy{Open: true}})
	require.NoError(t, err)
	assert.NotNil(t, h)
}

func TestRoutesAndMethods(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, newFakeTickets(), nil)
	tests := []struct {
		method, target string
		status         int
		code, allow    string
	}{
		{http.MethodGet, "/nope", http.StatusNotFound, edge.CodeNotFound, ""},
		{http.MethodGet, "/v1/addcard", http.StatusMethodNotAllowed, edge.CodeMethodNotAllowed, "POST, OPTIONS"},
		{http.MethodPut, "/v1/choosecard", http.StatusMethodNotAllowed, edge.CodeMethodNotAllowed, "POST, OPTIONS"},
		{http.MethodPost, "/v1/jsconfig?url=https://a.example/", http.StatusMethodNotAllowed, edge.CodeMethodNotAllowed, "GET, HEAD, OPTIONS"},
		{http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, edge.CodeMethodNotAllowed, "GET, HEAD, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res := do(t, h, tt.method, tt.target, "")
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.code, decodeError(t, res).Error.Code)
			assert.Equal(t, tt.allow, res.header.Get("Allow"))
		})
	}
	res := do(t, h, http.MethodGet, "/healthz", "")
	assert.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"status":"ok"}`, res.body)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const allowed = "https://shop.example.com"
	h := newTestHandler(t, newFakeTickets(), func(c *edge.Config) { c.AllowedOrigins = []string{allowed} })

	t.Run("preflight from allowed origin", func(t *testing.T) {
		res := do(t, h, http.MethodOptions, "/v1/addcard", "",
			"Origin", allowed, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		assert.Equal(t, http.StatusNoContent, res.status)
		assert.Equal(t, allowed, res.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, res.header.Get("Access-Control-Allow-Methods"), "POST")
		assert.Equal(t, "Content-Type", res.header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "Origin", res.header.Get("Vary"))
	})
	t.Run("preflight from another origin", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example.com", "https://shop.example.com.evil.example", "http://shop.example.com", "null"} {
			res := do(t, h, http.MethodOptions, "/v1/addcard", "", "Origin", origin, "Access-Control-Request-Method", "POST")
			assert.Equal(t, http.StatusForbidden, res.status, origin)
			assert.Equal(t, edge.CodeOriginNotAllowed, decodeError(t, res).Error.Code)
			assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("actual request from allowed origin", func(t *testing.T) {
		res := do(t, h, http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape("https://shop.example.com/p"), "", "Origin", allowed)
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, allowed, res.header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("actual request from another origin gets no CORS grant", func(t *testing.T) {
		res := do(t, h, http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape("https://shop.example.com/p"), "", "Origin", "https://evil.example.com")
		assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("errors carry the grant too, so the page can read them", func(t *testing.T) {
		res := do(t, h, http.MethodPost, "/v1/addcard", `{}`, "Origin", allowed)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, allowed, res.header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("no origins configured refuses every preflight", func(t *testing.T) {
		h := newTestHandler(t, newFakeTickets(), nil)
		res := do(t, h, http.MethodOptions, "/v1/addcard", "", "Origin", allowed, "Access-Control-Request-Method", "POST")
		assert.Equal(t, http.StatusForbidden, res.status)
	})
	t.Run("plain OPTIONS lists methods", func(t *testing.T) {
		res := do(t, h, http.MethodOptions, "/v1/jsconfig", "")
		assert.Equal(t, http.StatusNoContent, res.status)
		assert.Equal(t, "GET, HEAD, OPTIONS", res.header.Get("Allow"))
	})
}

func TestJSConfigUsesJSAPITicketAndStripsFragment(t *testing.T) {
	t.Parallel()
	tickets := newFakeTickets()
	h := newTestHandler(t, tickets, nil)
	const page = "https://shop.example.com/card?id=7&from=timeline"
	res := do(t, h, http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape(page+"#/section/2"), "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	var cfg struct {
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.body), &cfg))
	assert.Equal(t, testAppID, cfg.AppID)
	assert.EqualValues(t, testNow, cfg.Timestamp)
	assert.Equal(t, signer.JSSDKSignature(testJSAPITicket, cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)
	assert.NotEqual(t, signer.JSSDKSignature(testCardTicket, cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)
	assert.EqualValues(t, 1, tickets.jsapiCalls.Load())
	assert.Zero(t, tickets.cardCalls.Load())
}

func TestJSConfigRejectsBadURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, query, code string }{
		{"missing", "", edge.CodeInvalidURL},
		{"empty", "?url=", edge.CodeInvalidURL},
		{"relative", "?url=" + url.QueryEscape("/card"), edge.CodeInvalidURL},
		{"ftp", "?url=" + url.QueryEscape("ftp://a.example/"), edge.CodeInvalidURL},
		{"javascript", "?url=" + url.QueryEscape("javascript:alert(1)"), edge.CodeInvalidURL},
		{"twice", "?url=https://a.example/&url=https://b.example/", edge.CodeInvalidURL},
		{"typo", "?URL=https://a.example/", edge.CodeUnknownField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tickets := newFakeTickets()
			h := newTestHandler(t, tickets, nil)
			res := do(t, h, http.MethodGet, "/v1/jsconfig"+tt.query, "")
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, tt.code, decodeError(t, res).Error.Code)
			assert.Zero(t, tickets.jsapiCalls.Load())
		})
	}
}

func TestChooseCard(t *testing.T) {
	t.Parallel()
	tickets := newFakeTickets()
	h := newTestHandler(t, tickets, func(c *edge.Config) { c.AllowedCardIDs = []string{"pCard1"} })
	res := do(t, h, http.MethodPost, "/v1/choosecard", `{"shop_id":"1234","card_type":"GROUPON","card_id":"pCard1"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	var p signer.ChooseCardParams
	require.NoError(t, json.Unmarshal([]byte(res.body), &p))
	assert.Equal(t, "SHA1", p.SignType)
	assert.Equal(t, "1234", p.ShopID)
	assert.Equal(t, signer.ChooseCardSignature(testCardTicket, testAppID, "1234", p.Timestamp, p.NonceStr, "pCard1", "GROUPON"), p.CardSign)

	res = do(t, h, http.MethodPost, "/v1/choosecard", `{}`)
	require.Equal(t, http.StatusOK, res.status, "every field is optional")
	require.NoError(t, json.Unmarshal([]byte(res.body), &p))
	assert.Equal(t, signer.ChooseCardSignature(testCardTicket, testAppID, "", p.Timestamp, p.NonceStr, "", ""), p.CardSign)

	for body, code := range map[string]string{
		`{"card_id":"other"}`:    edge.CodeCardNotAllowed,
		`{"location_id":"1"}`:    edge.CodeUnknownField,
		`{"shop_id":1234}`:       edge.CodeInvalidJSON,
		`{"card_type":"a\tb"}`:   edge.CodeInvalidField,
		`{"card_id":"pCard1"} x`: edge.CodeInvalidJSON,
	} {
		res := do(t, h, http.MethodPost, "/v1/choosecard", body)
		assert.Equal(t, code, decodeError(t, res).Error.Code, body)
	}
}

// leakyError is what a careless upstream wrapper might return: it must not
// reach the response.
type leakyError struct{ error }

// wechatError and busyError are the two kinds of failure the handler tells
// apart (edge.WeChatError, edge.BusyError), as a ticket provider of any
// package reports them; cmd/localserver checks admin's own errors.
type wechatError struct {
	code int
	msg  string
}

func (e *wechatError) Error() string      { return "errcode " + strconv.Itoa(e.code) + " " + e.msg }
func (e *wechatError) WeChatErrcode() int { return e.code }

type busyError struct{ busy bool }

func (busyError) Error() string { return "another process is refreshing the ticket" }
func (e busyError) Busy() bool  { return e.busy }

func TestUpstreamFailures(t *testing.T) {
	t.Parallel()
	leak := errors.New("GET https://api.weixin.qq.com/cgi-bin/ticket/getticket?access_token=ACCESS-TOKEN-123 secret=SECRET-abc: connection refused")
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		retry  string
	}{
		{"busy", fmt.Errorf("getticket: %w", &wechatError{code: -1, msg: "system busy SECRET-x"}), http.StatusServiceUnavailable, edge.CodeUpstreamBusy, "1"},
		{"refresh in progress elsewhere", fmt.Errorf("getticket: %w", busyError{busy: true}), http.StatusServiceUnavailable, edge.CodeUpstreamBusy, "1"},
		{"quota", &wechatError{code: 45009, msg: "reach max api daily quota limit"}, http.StatusServiceUnavailable, edge.CodeUpstreamQuota, "3600"},
		{"minute quota", &wechatError{code: 45011, msg: "api minute-quota reach limit"}, http.StatusServiceUnavailable, edge.CodeUpstreamQuota, "3600"},
		{"invalid credential after retry", &wechatError{code: 40001, msg: "invalid credential ACCESS-TOKEN-1"}, http.StatusBadGateway, edge.CodeUpstreamRejected, ""},
		{"bad secret", &wechatError{code: 40125, msg: "invalid appsecret"}, http.StatusBadGateway, edge.CodeUpstreamRejected, ""},
		{"ip not whitelisted", &wechatError{code: 40164, msg: "invalid ip 104.28.1.1"}, http.StatusBadGateway, edge.CodeUpstreamRejected, ""},
		{"http 500", errors.New("ticket/getticket: unexpected HTTP status 500"), http.StatusBadGateway, edge.CodeUpstreamUnavailable, ""},
		{"not busy after all", busyError{busy: false}, http.StatusBadGateway, edge.CodeUpstreamUnavailable, ""},
		{"transport", leakyError{leak}, http.StatusBadGateway, edge.CodeUpstreamUnavailable, ""},
		{"deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), http.StatusGatewayTimeout, edge.CodeTimeout, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			tickets := &fakeTickets{cardErr: tt.err, jsapiErr: tt.err}
			h := newTestHandler(t, tickets, func(c *edge.Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			for _, req := range []struct{ method, target, body string }{
				{http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`},
				{http.MethodPost, "/v1/choosecard", `{}`},
				{http.MethodGet, "/v1/jsconfig?url=https://a.example/", ""},
			} {
				res := do(t, h, req.method, req.target, req.body)
				assert.Equal(t, tt.status, res.status, req.target)
				e := decodeError(t, res)
				assert.Equal(t, tt.code, e.Error.Code)
				assert.Equal(t, tt.retry, res.header.Get("Retry-After"))
				assert.NotContains(t, res.body, "connection refused", "upstream text stays out of the response")
			}
			if code, ok := errcodeOf(tt.err); ok && tt.code == edge.CodeUpstreamRejected {
				res := do(t, h, http.MethodPost, "/v1/choosecard", `{}`)
				msg := decodeError(t, res).Error.Message
				assert.Contains(t, msg, "errcode "+strconv.Itoa(code))
				if code == 40164 {
					assert.Contains(t, msg, "IP whitelist")
				}
			}
			assert.NotEmpty(t, logs.String(), "upstream failures are logged")
		})
	}
}

func errcodeOf(err error) (int, bool) {
	var wechatErr edge.WeChatError
	if errors.As(err, &wechatErr) {
		return wechatErr.WeChatErrcode(), true
	}
	return 0, false
}

func TestUnusableTicketIsAnUpstreamError(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "ticket\nwith newline"} {
		h := newTestHandler(t, &fakeTickets{card: bad, jsapi: bad}, nil)
		res := do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`)
		assert.Equal(t, http.StatusBadGateway, res.status)
		assert.Equal(t, edge.CodeUpstreamUnavailable, decodeError(t, res).Error.Code)
		res = do(t, h, http.MethodGet, "/v1/jsconfig?url=https://a.example/", "")
		assert.Equal(t, http.StatusBadGateway, res.status)
	}
}

func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := newTestHandler(t, &fakeTickets{panicOnCall: true}, func(c *edge.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	res := do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`)
	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Equal(t, edge.CodeInternal, decodeError(t, res).Error.Code)
	assert.Contains(t, logs.String(), "panic")
}

// A client that hangs up while the ticket is fetched is not an upstream
// failure: nothing is logged at warning level.
func TestClientHangUpIsNotAWarning(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := newTestHandler(t, &fakeTickets{cardErr: context.Canceled, jsapiErr: context.Canceled}, func(c *edge.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) // info and above
	})
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(`{"cards":[{"card_id":"c1"}]}`)),
		httptest.NewRequest(http.MethodGet, "/v1/jsconfig?url=https://a.example/", nil),
	} {
		req.Header.Set("Content-Type", "application/json")
		ctx, cancel := context.WithCancel(req.Context())
		cancel()
		h.ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
	}
	assert.Empty(t, logs.String())

	// The same failure with the client still there is a warning.
	h = newTestHandler(t, &fakeTickets{cardErr: errors.New("store down")}, func(c *edge.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`)
	assert.Contains(t, logs.String(), "level=WARN")
}

func TestLogsNeverCarryTickets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	tickets := newFakeTickets()
	h := newTestHandler(t, tickets, func(c *edge.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`)
	do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{}]}`)
	do(t, h, http.MethodGet, "/v1/jsconfig?url=https://a.example/", "")
	h = newTestHandler(t, &fakeTickets{card: "x\x01" + testCardTicket}, func(c *edge.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`)
	assert.NotContains(t, logs.String(), testCardTicket)
	assert.NotContains(t, logs.String(), testJSAPITicket)
}

// Server.Serve limits a body itself when no net/http adapter does: the
// Worker's way in, where the length may be unknown.
func TestServerLimitsTheBodyItself(t *testing.T) {
	t.Parallel()
	srv, err := edge.NewServer(edge.Config{AppID: testAppID, Tickets: newFakeTickets(), Policy: edge.Policy{Open: true}})
	require.NoError(t, err)
	serve := func(body io.Reader) (*edge.Response, string) {
		res := srv.Serve(context.Background(), &edge.Request{Method: http.MethodPost, Path: "/v1/addcard",
			ContentType: "application/json", ContentLength: -1, Body: body})
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal(res.Body, &e)
		return res, e.Error.Code
	}
	big := `{"cards":[{"card_id":"` + strings.Repeat("x", edge.DefaultMaxBodyBytes) + `"}]}`
	res, code := serve(strings.NewReader(big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	assert.Equal(t, edge.CodeBodyTooLarge, code)
	res, code = serve(nil)
	assert.Equal(t, http.StatusBadRequest, res.Status)
	assert.Equal(t, edge.CodeInvalidJSON, code)
	res, _ = serve(strings.NewReader(`{"cards":[{"card_id":"c1"}]}`))
	assert.Equal(t, http.StatusOK, res.Status)
	assert.Equal(t, "no-store", res.Get("Cache-Control"))
}
