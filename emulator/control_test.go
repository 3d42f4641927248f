package emulator_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestControlRoutesDisabled(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithControlRoutes(false))
	for _, p := range []string{"/emulator/v1/state", "/emulator/v1/wallet/add", "/emulator/v1/clock", "/emulator"} {
		r := h.do("GET", p, nil, nil)
		assert.Equal(t, http.StatusNotFound, r.status, p)
		assert.Equal(t, "not_found", r.body["error"].(map[string]any)["code"])
	}
	// WeChat paths still work.
	h.accessToken()
}

func TestControlCORS(t *testing.T) {
	h := newPersistedHarness(t)
	for _, origin := range []string{"http://127.0.0.1:5173", "http://localhost:8080", "http://[::1]:3000"} {
		r := h.do("OPTIONS", "/emulator/v1/wallet/add", nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"})
		assert.Equal(t, http.StatusNoContent, r.status, origin)
		assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, r.header.Get("Access-Control-Allow-Methods"), "POST")
		assert.Contains(t, r.header.Get("Access-Control-Allow-Headers"), "Content-Type")
		r = h.do("GET", "/emulator/v1/state", nil, map[string]string{"Origin": origin})
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
	}
	for _, origin := range []string{"https://evil.example", "http://127.0.0.1.evil.example", "null", "http://10.0.0.1"} {
		r := h.do("OPTIONS", "/emulator/v1/wallet/add", nil, map[string]string{"Origin": origin})
		assert.Equal(t, http.StatusForbidden, r.status, origin)
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "forbidden_origin", r.body["error"].(map[string]any)["code"])
	}
	// No Origin header (curl, Go clients): no CORS headers, served.
	r := h.do("GET", "/emulator/v1/state", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
}

func TestControlErrors(t *testing.T) {
	h := newPersistedHarness(t)
	tests := []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"GET", "/emulator/v1/nope", nil, http.StatusNotFound, "not_found"},
		{"GET", "/emulator/v1/wallet/add", nil, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"POST", "/emulator/v1/state", nil, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"POST", "/emulator/v1/cards/pNope/approve", nil, http.StatusNotFound, "unknown_card"},
		{"POST", "/emulator/v1/cards/x/approve", "[", http.StatusBadRequest, "invalid_json"},
		{"GET", "/emulator/v1/state?appid=wx00", nil, http.StatusNotFound, "unknown_app"},
		{"POST", "/emulator/v1/clock", map[string]any{"advance": "soon"}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/clock", map[string]any{"advance": "-1h"}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/clock", map[string]any{}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/faults", map[string]any{"busy_rate": 2}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/faults", map[string]any{"latency_ms": -1}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/faults", map[string]any{"rules": []any{map[string]any{"path": "card/get", "count": 1}}}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/faults", map[string]any{"rules": []any{map[string]any{"path": "card/get", "count": 0, "errcode": 1}}}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/faults", map[string]any{"rules": []any{map[string]any{"path": "card/get", "count": 1, "http_status": 404}}}, http.StatusBadRequest, "invalid_request"},
		{"POST", "/emulator/v1/encrypt", strings.Repeat("x", 2<<20), http.StatusRequestEntityTooLarge, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.body, nil)
			assert.Equal(t, tt.status, r.status, string(r.raw))
			e := r.body["error"].(map[string]any)
			assert.Equal(t, tt.code, e["code"])
			assert.NotEmpty(t, e["message"])
		})
	}
}

// Thirty advances of ten years once wrapped the clock back to 1742: the
// offset is bounded, and time never goes backwards.
func TestControlClockIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	last := h.emu.Now()
	refused := 0
	for i := 0; i < 30; i++ {
		r := h.do("POST", "/emulator/v1/clock", map[string]any{"advance": "87600h"}, nil)
		if r.status != http.StatusOK {
			refused++
			e, _ := r.body["error"].(map[string]any)
			assert.Equal(t, "clock_bound", e["code"])
		}
		now := h.emu.Now()
		assert.False(t, now.Before(last), "the clock went back to %s", now)
		last = now
	}
	assert.Equal(t, 20, refused, "ten advances of ten years reach the bound")
	assert.ErrorIs(t, h.emu.Advance(t.Context(), time.Hour), emulator.ErrClockBound)
	assert.Equal(t, http.StatusBadRequest, h.do("POST", "/emulator/v1/clock", map[string]any{"advance_seconds": int64(1) << 62}, nil).status)
	assert.Equal(t, testEpoch.Add(emulator.MaxClockOffset), h.emu.Now())
}

func TestControlClock(t *testing.T) {
	h := newPersistedHarness(t)
	r := h.do("GET", "/emulator/v1/clock", nil, nil)
	assert.EqualValues(t, testEpoch.Unix(), r.body["unix"])
	r = h.do("POST", "/emulator/v1/clock", map[string]any{"advance": "1h", "advance_seconds": 60}, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.EqualValues(t, testEpoch.Add(time.Hour+time.Minute).Unix(), r.body["unix"])
	assert.Equal(t, testEpoch.Add(time.Hour+time.Minute), h.emu.Now())
	assert.Error(t, h.emu.Advance(context.Background(), -time.Second))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, h.emu.Advance(canceled, time.Second), context.Canceled)
	_, err := h.emu.FillActivationForm(canceled, testAppID, "p", "o", nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, h.emu.RemoveFromWallet(canceled, testAppID, "p", "c"), context.Canceled)
}

func TestControlApproveReject(t *testing.T) {
	const otherApp = "wxfedcba9876543210"
	h := newPersistedHarness(t, emulator.WithApp(otherApp, "s3cr3t-other-app"))
	id := h.createCard(couponBody(nil))
	r := h.do("POST", "/emulator/v1/cards/"+id+"/approve", map[string]any{"reject": true}, nil)
	assert.Equal(t, emulator.StatusVerifyFail, r.str("status"))
	// The card belongs to the dev app, not the other one.
	r = h.do("POST", "/emulator/v1/cards/"+id+"/approve?appid="+otherApp, nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	r = h.do("POST", "/emulator/v1/cards/"+id+"/approve", map[string]any{"appid": testAppID}, nil)
	assert.Equal(t, emulator.StatusVerifyOK, r.str("status"))
}

// TestNoSecretsInResponses walks a whole flow and checks that no response
// body, state dump or error message carries the AppSecret, an access token
// or a ticket, except the endpoints whose job is to hand them out.
func TestNoSecretsInResponses(t *testing.T) {
	h := newPersistedHarness(t)
	token := h.accessToken()
	cardTicket := h.ticket("wx_card")
	jsapi := h.ticket("jsapi")
	secrets := []string{testSecret, token, cardTicket, jsapi}
	id := h.approvedCoupon(nil)
	var bodies []string
	collect := func(r resp) { bodies = append(bodies, string(r.raw)) }
	collect(h.wx("card/get", map[string]any{"card_id": id}))
	collect(h.wx("card/code/get", map[string]any{"code": "x"}))
	collect(h.do("GET", withToken("/card/getcolors", token+"x"), nil, nil))
	collect(h.do("GET", tokenQuery(testAppID, testSecret+"x"), nil, nil))
	collect(h.do("POST", "/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": "wrong"}, nil))
	out := h.walletAdd("oA", h.signCards(jsapi, signer.Card{CardID: id}))
	bodies = append(bodies, out.CardList[0].Errmsg)
	collect(h.do("POST", "/emulator/v1/wallet/add", map[string]any{"openid": "oA", "cardList": h.signCards(cardTicket, signer.Card{CardID: id})}, nil))
	collect(h.do("GET", "/emulator/v1/state", nil, nil))
	collect(h.do("GET", "/emulator/v1/faults", nil, nil))
	for _, b := range bodies {
		for _, s := range secrets {
			assert.NotContains(t, b, s)
		}
	}
}

func TestStateView(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"S1", "S2"}})
	h.addOne("oS", signer.Card{CardID: id, Code: "S1", OuterStr: "o"})
	r := h.do("GET", "/emulator/v1/state?appid="+testAppID, nil, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, testAppID, r.body["dev_app"])
	apps := r.body["apps"].([]any)
	require.Len(t, apps, 1)
	app := apps[0].(map[string]any)
	assert.EqualValues(t, 1, app["token_calls_today"])
	assert.EqualValues(t, 2000, app["token_daily_quota"])
	assert.Contains(t, app["tickets"], "wx_card")
	card := app["cards"].([]any)[0].(map[string]any)
	assert.Equal(t, id, card["card_id"])
	assert.EqualValues(t, 2, card["deposited_codes"])
	assert.EqualValues(t, 1, card["unclaimed_codes"])
	assert.EqualValues(t, 99, card["quantity"])
	uc := card["user_cards"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"code": "S1", "openid": "oS", "status": "NORMAL", "outer_str": "o",
		"begin_time": uc["begin_time"], "end_time": uc["end_time"]}, uc)
}

func TestNewValidatesOptions(t *testing.T) {
	bad := []emulator.Option{
		nil,
		emulator.WithApp("", "s"),
		emulator.WithApp("wx1", ""),
		emulator.WithApp("wx 1", "s"),
		emulator.WithClock(nil),
		emulator.WithSnapshotFile(" "),
		emulator.WithPublicURL("ftp://x"),
		emulator.WithPublicURL("http://x/?q=1"),
		emulator.WithPublicURL("http://x/?"),
		emulator.WithPublicURL("http://x/#"),
		emulator.WithPublicURL("http://user@x/"),
		emulator.WithPublicURL("/relative"),
		emulator.WithTokenDailyQuota(0),
		emulator.WithCardExtWindow(0, 0),
		emulator.WithLatency(2 * time.Minute),
		emulator.WithHTTP5xxRate(1.5),
		emulator.WithBusyRate(-0.1),
		emulator.WithDisconnectRate(2),
		emulator.WithFailNext("", 1, 40001),
		emulator.WithFailNext("card/get", 0, 40001),
	}
	for i, opt := range bad {
		_, err := emulator.New(opt)
		assert.Error(t, err, "option %d", i)
	}
	_, err := emulator.New(emulator.WithApp("wx1", "a"), emulator.WithApp("wx1", "b"))
	assert.Error(t, err, "duplicate app")

	emu, err := emulator.New()
	require.NoError(t, err)
	appID, secret := emu.DevApp()
	assert.Regexp(t, `^wx[0-9a-f]{16}$`, appID)
	assert.Len(t, secret, 32)
}

// cardStatus reads a coupon's review status through card/get.
func (h *harness) cardStatus(cardID string) string {
	h.t.Helper()
	card := h.wxOK("card/get", map[string]any{"card_id": cardID}).body["card"].(map[string]any)
	return card["general_coupon"].(map[string]any)["base_info"].(map[string]any)["status"].(string)
}

func TestReviewFromGo(t *testing.T) {
	t.Parallel()
	h := newPersistedHarness(t)
	ctx := t.Context()
	approved := h.createCard(couponBody(nil))
	require.NoError(t, h.emu.Approve(ctx, testAppID, approved))
	assert.Equal(t, emulator.StatusVerifyOK, h.cardStatus(approved))
	rejected := h.createCard(couponBody(nil))
	require.NoError(t, h.emu.Reject(ctx, testAppID, rejected))
	assert.Equal(t, emulator.StatusVerifyFail, h.cardStatus(rejected))
	deleted := h.approvedCoupon(nil)
	h.wxOK("card/delete", map[string]any{"card_id": deleted})

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		appID  string
		cardID string
		want   error
	}{
		{"unknown app", ctx, "wxffffffffffffffff", approved, emulator.ErrUnknownApp},
		{"unknown card", ctx, testAppID, "pNoSuchCard", emulator.ErrNotFound},
		{"deleted card", ctx, testAppID, deleted, emulator.ErrCardDeleted},
		{"canceled", canceled, testAppID, approved, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, h.emu.Approve(tt.ctx, tt.appID, tt.cardID), tt.want)
		})
	}
}

// TestControlPostsTakeJSONOnly: a page on another site can send text/plain,
// a form or multipart without a CORS preflight; every state-changing
// control route refuses them, with or without a body.
func TestControlPostsTakeJSONOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"/emulator/v1/wallet/add", "/emulator/v1/encrypt", "/emulator/v1/clock", "/emulator/v1/faults", "/emulator/v1/cards/pAny/approve"} {
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx"} {
			r := h.do("POST", path, `{"advance":"1h"}`, map[string]string{"Content-Type": ct})
			assert.Equal(t, http.StatusUnsupportedMediaType, r.status, "%s %q", path, ct)
			assert.Equal(t, "unsupported_media_type", r.body["error"].(map[string]any)["code"], "%s %q", path, ct)
		}
	}
	clock := h.do("GET", "/emulator/v1/clock", nil, nil)
	assert.Equal(t, "0s", clock.body["offset"], "no refused request moved the clock")
}
