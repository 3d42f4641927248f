package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

type cardGetResult struct {
	Card struct {
		CardType string `json:"card_type"`
	} `json:"card"`
}

func TestPostSendsUnescapedJSONWithToken(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var gotBody, gotCT string
	f.handle("POST card/get", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		gotBody = readAll(t, r.Body)
		gotCT = r.Header.Get("Content-Type")
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "card": map[string]any{"card_type": "GROUPON"}})
	})
	c := newTestClient(t, f)
	var out cardGetResult
	err := c.post(t.Context(), "card/get", map[string]string{"card_id": "p<1>&"}, &out, readCall)
	require.NoError(t, err)
	assert.Equal(t, "GROUPON", out.Card.CardType)
	assert.Equal(t, `{"card_id":"p<1>&"}`, gotBody)
	assert.Equal(t, "application/json; charset=utf-8", gotCT)
	assert.EqualValues(t, 1, f.tokenFetches())
}

func TestGetAddsQueryAndToken(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var gotQuery url.Values
	f.handle("GET card/getcolors", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		gotQuery = r.URL.Query()
		writeJSON(w, map[string]any{"errcode": "0", "errmsg": "ok"})
	})
	c := newTestClient(t, f)
	require.NoError(t, c.get(t.Context(), "card/getcolors", url.Values{"a": {"b c"}}, nil))
	assert.Equal(t, "b c", gotQuery.Get("a"))
	assert.NotEmpty(t, gotQuery.Get("access_token"))
}

func TestErrcodeForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		code    int // 0: success
		decodeE bool
	}{
		{"number zero", `{"errcode":0,"errmsg":"ok"}`, 0, false},
		{"missing", `{"x":1}`, 0, false},
		{"string zero", `{"errcode":"0","errmsg":"ok"}`, 0, false},
		{"number", `{"errcode":40073,"errmsg":"invalid card id"}`, 40073, false},
		{"numeric string", `{"errcode":"40073","errmsg":"invalid card id"}`, 40073, false},
		{"busy", `{"errcode":-1,"errmsg":"system error"}`, -1, false},
		{"non-numeric string", `{"errcode":"abc"}`, 0, true},
		{"html", `<html><body>502 Bad Gateway</body></html>`, 0, true},
		{"truncated", `{"errcode":0,"errmsg":"o`, 0, true},
		{"array", `[1,2]`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeWeChat(t)
			f.handle("POST card/x", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			})
			c := newTestClient(t, f, WithBusyRetry(0, 0))
			err := c.post(t.Context(), "card/x", struct{}{}, nil, writeCall)
			switch {
			case tt.decodeE:
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, "card/x", de.Op)
			case tt.code == 0:
				require.NoError(t, err)
			default:
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.code, ae.Code)
				assert.Equal(t, "card/x", ae.Op)
				assert.True(t, errors.Is(err, &APIError{Code: tt.code}))
			}
		})
	}
}

func TestAPIErrorIs(t *testing.T) {
	t.Parallel()
	err := error(&APIError{Op: "card/code/consume", Code: 45009, Msg: "quota"})
	assert.ErrorIs(t, err, ErrQuotaExceeded)
	assert.NotErrorIs(t, err, ErrInvalidCredential)
	assert.Equal(t, "wxcard: card/code/consume: errcode=45009 errmsg=quota", err.Error())
	var ve error = invalidArg("card_id", "is required")
	assert.ErrorIs(t, ve, ErrInvalidInput)
	assert.EqualError(t, ve, "wxcard: invalid card_id: is required")
}

func TestRejectedTokenRefreshesOnceAndRetries(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var calls int
	f.handle("POST card/code/consume", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if !f.authorized(w, r) {
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "o1"})
	})
	c := newTestClient(t, f)
	first, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	f.revoke(first) // WeChat no longer accepts it; stable_token issues a new one

	var out struct {
		OpenID string `json:"openid"`
	}
	require.NoError(t, c.post(t.Context(), "card/code/consume", map[string]string{"code": "1"}, &out, writeCall))
	assert.Equal(t, "o1", out.OpenID)
	assert.Equal(t, 2, calls, "one rejected call, one retry")
	assert.EqualValues(t, 2, f.tokenFetches())
	second, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
}

func TestRejectedTwiceReturnsError(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var calls int
	f.handle("POST card/code/consume", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeErrcode(w, 40001, "invalid credential")
	})
	c := newTestClient(t, f)
	err := c.post(t.Context(), "card/code/consume", map[string]string{"code": "1"}, nil, writeCall)
	require.ErrorIs(t, err, ErrInvalidCredential)
	assert.Equal(t, 2, calls, "one retry, not a loop")
	assert.EqualValues(t, 2, f.tokenFetches())
}

func TestBusyRetriedForReadsOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind  callKind
		calls int
	}{{readCall, 3}, {writeCall, 1}} {
		f := newFakeWeChat(t)
		calls := 0
		f.handle("POST card/y", func(w http.ResponseWriter, r *http.Request) {
			calls++
			writeErrcode(w, -1, "system error")
		})
		c := newTestClient(t, f)
		err := c.post(t.Context(), "card/y", struct{}{}, nil, tt.kind)
		require.ErrorIs(t, err, ErrSystemBusy)
		assert.Equal(t, tt.calls, calls)
	}
}

func TestEncodeJSONNoHTMLEscape(t *testing.T) {
	t.Parallel()
	b, err := encodeJSON(map[string]string{"t": "<a>&中文"})
	require.NoError(t, err)
	assert.Equal(t, `{"t":"<a>&中文"}`, string(b))
	assert.True(t, json.Valid(b))
}

// nilContextCalls calls every method that takes a context with nil and
// otherwise valid arguments, keyed "Service.Method" ("Client.Method" for
// the credentials).
func nilContextCalls() map[string]func(c *Client) error {
	var ctx context.Context // nil
	first := func(_ any, err error) error { return err }
	return map[string]func(c *Client) error{
		"Client.AccessToken":           func(c *Client) error { return first(c.AccessToken(ctx)) },
		"Client.CardTicket":            func(c *Client) error { return first(c.CardTicket(ctx)) },
		"Client.JSAPITicket":           func(c *Client) error { return first(c.JSAPITicket(ctx)) },
		"Client.RefreshCardTicket":     func(c *Client) error { return first(c.RefreshCardTicket(ctx)) },
		"Client.RefreshJSAPITicket":    func(c *Client) error { return first(c.RefreshJSAPITicket(ctx)) },
		"Client.InvalidateAccessToken": func(c *Client) error { return first(c.InvalidateAccessToken(ctx, "ACCESS_TOKEN_0001")) },

		"Card.Colors":     func(c *Client) error { return first(c.Card.Colors(ctx)) },
		"Card.Categories": func(c *Client) error { return first(c.Card.Categories(ctx)) },
		"Card.Create":     func(c *Client) error { return first(c.Card.Create(ctx, CardTypeGeneralCoupon, testCoupon())) },
		"Card.Get":        func(c *Client) error { return first(c.Card.Get(ctx, tCardID)) },
		"Card.List":       func(c *Client) error { return first(c.Card.List(ctx, 0, 10)) },
		"Card.Update": func(c *Client) error {
			return first(c.Card.Update(ctx, tCardID, CardTypeGeneralCoupon, map[string]any{"base_info": map[string]any{"title": "x"}}))
		},
		"Card.Delete": func(c *Client) error { return c.Card.Delete(ctx, tCardID) },
		"Card.HTML":   func(c *Client) error { return first(c.Card.HTML(ctx, tCardID)) },
		"Card.SetTestWhitelist": func(c *Client) error {
			return c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: []string{tOpenID}})
		},
		"Card.UserCards":          func(c *Client) error { return first(c.Card.UserCards(ctx, UserCardsRequest{OpenID: tOpenID})) },
		"Card.SetPayCell":         func(c *Client) error { return c.Card.SetPayCell(ctx, tCardID, true) },
		"Card.SetSelfConsumeCell": func(c *Client) error { return c.Card.SetSelfConsumeCell(ctx, tCardID, SelfConsumeCell{IsOpen: true}) },
		"Card.IncreaseStock":      func(c *Client) error { return c.Card.IncreaseStock(ctx, tCardID, 1) },
		"Card.ReduceStock":        func(c *Client) error { return c.Card.ReduceStock(ctx, tCardID, 1) },
		"Card.CreateQRCode": func(c *Client) error {
			return first(c.Card.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCodeCard{CardID: tCardID}}))
		},
		"Card.QRCode": func(c *Client) error { _, _, err := c.Card.QRCode(ctx, "gQH98DoAAAAAAAAAASxodHRw"); return err },
		"Card.CreateLandingPage": func(c *Client) error {
			return first(c.Card.CreateLandingPage(ctx, LandingPage{Banner: "http://mmbiz.qpic.cn/b", PageTitle: "t", Scene: SceneH5,
				Cards: []LandingCard{{CardID: tCardID, ThumbURL: "http://mmbiz.qpic.cn/t"}}}))
		},

		"Code.Deposit":        func(c *Client) error { return first(c.Code.Deposit(ctx, tCardID, []string{tCode})) },
		"Code.DepositedCount": func(c *Client) error { return first(c.Code.DepositedCount(ctx, tCardID)) },
		"Code.Check":          func(c *Client) error { return first(c.Code.Check(ctx, tCardID, []string{tCode})) },
		"Code.Get":            func(c *Client) error { return first(c.Code.Get(ctx, GetCodeRequest{Code: tCode})) },
		"Code.Consume":        func(c *Client) error { return first(c.Code.Consume(ctx, ConsumeCodeRequest{Code: tCode})) },
		"Code.Decrypt": func(c *Client) error {
			return first(c.Code.Decrypt(ctx, "XXIzTtMqCxwOaawoE91+VJdsFmv7b8g0VZIZkqf4GWA60Fzpc8ksZ/5ZZ0DVkXdE"))
		},
		"Code.Update":  func(c *Client) error { return c.Code.Update(ctx, UpdateCodeRequest{Code: tCode, NewCode: tCode + "9"}) },
		"Code.Disable": func(c *Client) error { return c.Code.Disable(ctx, DisableCodeRequest{Code: tCode, Reason: "refunded"}) },

		"MemberCard.Activate": func(c *Client) error {
			return c.MemberCard.Activate(ctx, ActivateInfo{MembershipNumber: "VIP0001", Code: tCode})
		},
		"MemberCard.SetActivationForm": func(c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, tCardID, ActivationForm{RequiredForm: &FormFields{CanModify: true}})
		},
		"MemberCard.User": func(c *Client) error {
			return first(c.MemberCard.User(ctx, MemberUserRequest{CardID: tCardID, Code: tCode}))
		},
		"MemberCard.UpdateUser": func(c *Client) error {
			return first(c.MemberCard.UpdateUser(ctx, UpdateUserInfo{Code: tCode, CardID: tCardID}))
		},
		"MemberCard.ActivationTempInfo": func(c *Client) error { return first(c.MemberCard.ActivationTempInfo(ctx, "abcTicket")) },
		"MemberCard.ActivateURL": func(c *Client) error {
			return first(c.MemberCard.ActivateURL(ctx, ActivateURLRequest{CardID: tCardID}))
		},

		"GeneralCard.Activate": func(c *Client) error {
			return c.GeneralCard.Activate(ctx, ActivateInfo{CardNumber: "G0001", Code: tCode})
		},
		"GeneralCard.Deactivate": func(c *Client) error {
			return c.GeneralCard.Deactivate(ctx, DeactivateGeneralCardRequest{CardID: tCardID, Code: tCode})
		},
		"GeneralCard.UpdateUser": func(c *Client) error {
			return first(c.GeneralCard.UpdateUser(ctx, UpdateUserInfo{Code: tCode, CardID: tCardID}))
		},

		"SubMerchant.Create": func(c *Client) error {
			return first(c.SubMerchant.Create(ctx, SubMerchantInfo{BrandName: "b", LogoURL: "http://l", Protocol: "m",
				EndTime: 1, PrimaryCategoryID: 1, SecondaryCategoryID: 101}))
		},
		"SubMerchant.Update": func(c *Client) error {
			return first(c.SubMerchant.Update(ctx, 1, SubMerchantInfo{LogoURL: "http://l"}))
		},
		"SubMerchant.Get":  func(c *Client) error { return first(c.SubMerchant.Get(ctx, 1)) },
		"SubMerchant.List": func(c *Client) error { return first(c.SubMerchant.List(ctx, 0, 10, "")) },

		"BoardingPass.Checkin":     func(c *Client) error { return c.BoardingPass.Checkin(ctx, BoardingPassCheckin{Code: tCode}) },
		"MeetingTicket.UpdateUser": func(c *Client) error { return c.MeetingTicket.UpdateUser(ctx, MeetingTicketUpdate{Code: tCode}) },
		"MovieTicket.UpdateUser":   func(c *Client) error { return c.MovieTicket.UpdateUser(ctx, MovieTicketUpdate{Code: tCode}) },

		"JSSDK.AddCard": func(c *Client) error { return first(c.JSSDK.AddCard(ctx, []signer.Card{{CardID: tCardID}})) },
		"JSSDK.Config": func(c *Client) error {
			return first(c.JSSDK.Config(ctx, signer.JSConfigRequest{URL: "https://shop.example.com/"}))
		},
		"JSSDK.ChooseCard": func(c *Client) error { return first(c.JSSDK.ChooseCard(ctx, signer.ChooseCardRequest{})) },
	}
}

// The nil context is refused in the request core, after the arguments
// are checked; the table uses valid arguments, so every method must name
// ctx, and nothing may reach the network.
func TestNilContextIsRefusedByEveryMethod(t *testing.T) {
	t.Parallel()
	calls := nilContextCalls()
	var cases []validationCase
	for name, call := range calls {
		cases = append(cases, validationCase{name: name, field: "ctx", call: func(_ context.Context, c *Client) error { return call(c) }})
	}
	runValidation(t, cases)

	// Every method that takes a context is in the table.
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	ctxType := reflect.TypeFor[context.Context]()
	takesCtx := func(m reflect.Method) bool { return m.Type.NumIn() > 1 && m.Type.In(1) == ctxType }
	clientType := reflect.TypeOf(c)
	for i := 0; i < clientType.NumMethod(); i++ {
		if m := clientType.Method(i); takesCtx(m) {
			assert.Contains(t, calls, "Client."+m.Name)
		}
	}
	services := reflect.ValueOf(c).Elem()
	for i := 0; i < services.NumField(); i++ {
		field := services.Type().Field(i)
		if !field.IsExported() || !strings.HasSuffix(field.Type.String(), "Service") {
			continue
		}
		for j := 0; j < field.Type.NumMethod(); j++ {
			if m := field.Type.Method(j); takesCtx(m) {
				assert.Contains(t, calls, field.Name+"."+m.Name)
			}
		}
	}
}
