package emulator_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

func tokenQuery(appID, secret string) string {
	return "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}.Encode()
}

func (h *harness) fetchToken() string {
	h.t.Helper()
	r := h.do("GET", tokenQuery(testAppID, testSecret), nil, nil)
	require.Equal(h.t, 0, r.errcode(), string(r.raw))
	assert.EqualValues(h.t, 7200, r.body["expires_in"])
	assert.NotContains(h.t, r.body, "errcode", "WeChat's token answer has no errcode on success")
	return r.str("access_token")
}

// colorsWith calls an authenticated endpoint with token and returns the errcode.
func (h *harness) colorsWith(token string) int {
	h.t.Helper()
	return h.do("GET", withToken("/card/getcolors", token), nil, nil).errcode()
}

// TestTokenErrors covers both token routes: each refusal is a 200 with an
// errcode, and no answer repeats the secret.
func TestTokenErrors(t *testing.T) {
	h := newPersistedHarness(t)
	const stable = "/cgi-bin/stable_token"
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		errcode int
	}{
		{"unknown appid", "GET", tokenQuery("wxffffffffffffffff", testSecret), nil, emulator.ErrcodeInvalidAppID},
		{"wrong secret", "GET", tokenQuery(testAppID, "nope"), nil, emulator.ErrcodeInvalidAppSecret},
		{"missing appid", "GET", tokenQuery("", testSecret), nil, emulator.ErrcodeMissingAppID},
		{"missing secret", "GET", tokenQuery(testAppID, ""), nil, emulator.ErrcodeMissingSecret},
		{"bad grant_type", "GET", "/cgi-bin/token?grant_type=password&appid=" + testAppID + "&secret=" + testSecret, nil, emulator.ErrcodeInvalidGrantType},
		{"POST", "POST", tokenQuery(testAppID, testSecret), nil, emulator.ErrcodeRequireGET},

		{"stable GET", "GET", stable, nil, emulator.ErrcodeRequirePOST},
		{"stable empty body", "POST", stable, nil, emulator.ErrcodeEmptyPostData},
		{"stable not json", "POST", stable, "{", emulator.ErrcodeDataFormat},
		{"stable force_refresh not bool", "POST", stable, map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": testSecret, "force_refresh": "yes"}, emulator.ErrcodeDataFormat},
		{"stable bad grant_type", "POST", stable, map[string]any{"grant_type": "x", "appid": testAppID, "secret": testSecret}, emulator.ErrcodeInvalidGrantType},
		{"stable unknown appid", "POST", stable, map[string]any{"grant_type": "client_credential", "appid": "wx1", "secret": testSecret}, emulator.ErrcodeInvalidAppID},
		{"stable wrong secret", "POST", stable, map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": "x"}, emulator.ErrcodeInvalidAppSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.body, nil)
			assert.Equal(t, 200, r.status)
			assert.Equal(t, tt.errcode, r.errcode(), string(r.raw))
			assert.NotContains(t, string(r.raw), testSecret)
		})
	}
}

func TestTokenOverlapAndExpiry(t *testing.T) {
	h := newPersistedHarness(t)
	first := h.fetchToken()
	assert.Len(t, first, 136)
	assert.Equal(t, 0, h.colorsWith(first))
	second := h.fetchToken()
	require.NotEqual(t, first, second)
	// Both work for 5 minutes…
	require.NoError(t, h.emu.Advance(context.Background(), 4*time.Minute+59*time.Second))
	assert.Equal(t, 0, h.colorsWith(first))
	assert.Equal(t, 0, h.colorsWith(second))
	// …then the superseded one answers 40001.
	require.NoError(t, h.emu.Advance(context.Background(), time.Second))
	assert.Equal(t, emulator.ErrcodeInvalidCredential, h.colorsWith(first))
	assert.Equal(t, 0, h.colorsWith(second))
	// The current one expires after 7200 s: 42001.
	require.NoError(t, h.emu.Advance(context.Background(), 7200*time.Second-5*time.Minute))
	assert.Equal(t, emulator.ErrcodeAccessTokenExpired, h.colorsWith(second))
	assert.Equal(t, emulator.ErrcodeInvalidAccessToken, h.colorsWith("garbage"))
	assert.Equal(t, emulator.ErrcodeMissingAccessToken, h.do("GET", "/card/getcolors", nil, nil).errcode())
}

func TestTokenDailyQuota(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithTokenDailyQuota(3))
	for i := 0; i < 3; i++ {
		h.fetchToken()
	}
	r := h.do("GET", tokenQuery(testAppID, testSecret), nil, nil)
	assert.Equal(t, emulator.ErrcodeDailyQuota, r.errcode())
	// testEpoch is 18:00 in Beijing; the quota resets at midnight there.
	require.NoError(t, h.emu.Advance(context.Background(), 5*time.Hour+59*time.Minute))
	assert.Equal(t, emulator.ErrcodeDailyQuota, h.do("GET", tokenQuery(testAppID, testSecret), nil, nil).errcode())
	require.NoError(t, h.emu.Advance(context.Background(), time.Minute))
	h.fetchToken()
}

func stableBody(force bool) map[string]any {
	return map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": testSecret, "force_refresh": force}
}

func (h *harness) stable(force bool) (string, int64) {
	h.t.Helper()
	r := h.do("POST", "/cgi-bin/stable_token", stableBody(force), nil)
	require.Equal(h.t, 0, r.errcode(), string(r.raw))
	return r.str("access_token"), int64(r.body["expires_in"].(float64))
}

func TestStableToken(t *testing.T) {
	h := newPersistedHarness(t)
	tok, exp := h.stable(false)
	assert.EqualValues(t, 7200, exp)
	// The same token while it is valid, with a shrinking expires_in.
	require.NoError(t, h.emu.Advance(context.Background(), time.Hour))
	again, exp := h.stable(false)
	assert.Equal(t, tok, again)
	assert.EqualValues(t, 3600, exp)
	// In its last 5 minutes a new one is issued; the old one lives on.
	require.NoError(t, h.emu.Advance(context.Background(), 56*time.Minute))
	renewed, exp := h.stable(false)
	assert.NotEqual(t, tok, renewed)
	assert.EqualValues(t, 7200, exp)
	assert.Equal(t, 0, h.colorsWith(tok))
	require.NoError(t, h.emu.Advance(context.Background(), 4*time.Minute))
	assert.Equal(t, emulator.ErrcodeAccessTokenExpired, h.colorsWith(tok))
	// stable_token and cgi-bin/token do not invalidate each other.
	h.fetchToken()
	assert.Equal(t, 0, h.colorsWith(renewed))
}

func TestStableTokenForceRefresh(t *testing.T) {
	h := newPersistedHarness(t)
	tok, _ := h.stable(false)
	forced, _ := h.stable(true)
	require.NotEqual(t, tok, forced)
	// Within 30 s of a forced refresh another one changes nothing.
	require.NoError(t, h.emu.Advance(context.Background(), 29*time.Second))
	same, _ := h.stable(true)
	assert.Equal(t, forced, same)
	// The superseded token keeps 5 minutes.
	require.NoError(t, h.emu.Advance(context.Background(), 4*time.Minute))
	assert.Equal(t, 0, h.colorsWith(tok))
	require.NoError(t, h.emu.Advance(context.Background(), 31*time.Second))
	assert.Equal(t, emulator.ErrcodeInvalidCredential, h.colorsWith(tok))
	// 20 forced refreshes a day (the first one counted above).
	for i := 0; i < 19; i++ {
		require.NoError(t, h.emu.Advance(context.Background(), 30*time.Second))
		h.stable(true)
	}
	require.NoError(t, h.emu.Advance(context.Background(), 30*time.Second))
	r := h.do("POST", "/cgi-bin/stable_token", stableBody(true), nil)
	assert.Equal(t, emulator.ErrcodeDailyQuota, r.errcode())
	// Normal mode still works.
	h.stable(false)
}

func TestGetTicket(t *testing.T) {
	h := newPersistedHarness(t)
	card := h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {"wx_card"}})
	require.Equal(t, 0, card.errcode())
	assert.Equal(t, "ok", card.str("errmsg"))
	assert.EqualValues(t, 7200, card.body["expires_in"])
	jsapi := h.ticket("jsapi")
	assert.NotEqual(t, card.str("ticket"), jsapi)
	// The same ticket while valid, even with another access token.
	require.NoError(t, h.emu.Advance(context.Background(), time.Hour))
	h.token = ""
	h.fetchToken()
	again := h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {"wx_card"}})
	assert.Equal(t, card.str("ticket"), again.str("ticket"))
	assert.EqualValues(t, 3600, again.body["expires_in"])

	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {"card"}}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wxGet("cgi-bin/ticket/getticket", nil).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidAccessToken, h.do("GET", "/cgi-bin/ticket/getticket?type=jsapi&access_token=x", nil, nil).errcode())
	assert.Equal(t, emulator.ErrcodeRequireGET, h.wx("cgi-bin/ticket/getticket?type=jsapi", nil).errcode())

	_, ok := h.emu.Ticket("wxffffffffffffffff", "wx_card")
	assert.False(t, ok)
	require.NoError(t, h.emu.Advance(context.Background(), 2*time.Hour))
	_, ok = h.emu.Ticket(testAppID, "wx_card")
	assert.False(t, ok, "expired tickets are not returned")
}

func TestTokensAreIsolatedPerApp(t *testing.T) {
	const otherApp, otherSecret = "wxfedcba9876543210", "other-secret-0000000000000000000"
	h := newPersistedHarness(t, emulator.WithApp(otherApp, otherSecret))
	r := h.do("GET", tokenQuery(otherApp, otherSecret), nil, nil)
	require.Equal(t, 0, r.errcode())
	other := r.str("access_token")
	id := h.createCard(couponBody(nil))
	// The other app's token does not see this app's card.
	got := h.do("POST", withToken("/card/get", other), map[string]any{"card_id": id}, nil)
	assert.Equal(t, emulator.ErrcodeInvalidCardID, got.errcode())
	// A secret of one app does not open the other.
	assert.Equal(t, emulator.ErrcodeInvalidAppSecret, h.do("GET", tokenQuery(otherApp, testSecret), nil, nil).errcode())
}

func TestLongGoneTokensAreForgotten(t *testing.T) {
	h := newPersistedHarness(t)
	old := h.fetchToken()
	h.advance(2 * time.Hour)
	assert.Equal(t, emulator.ErrcodeAccessTokenExpired, h.colorsWith(old))
	// A day after expiry the token is forgotten (pruned when another is
	// issued) and reads as never issued.
	h.advance(25 * time.Hour)
	h.fetchToken()
	assert.Equal(t, emulator.ErrcodeInvalidAccessToken, h.colorsWith(old))
}

func TestTicketLifetimeAndPerCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        []emulator.Option
		wantExpires float64
		wantSame    bool
	}{
		{"default", nil, 7200, true},
		{"short lifetime renews every call", []emulator.Option{emulator.WithTicketLifetime(4 * time.Second)}, 4, false},
		{"per call", []emulator.Option{emulator.WithTicketPerCall(true)}, 7200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newPersistedHarness(t, tt.opts...)
			first := h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {"wx_card"}})
			require.Equal(t, 0, first.errcode(), string(first.raw))
			assert.Equal(t, tt.wantExpires, first.body["expires_in"])
			second := h.ticket("wx_card")
			assert.Equal(t, tt.wantSame, first.str("ticket") == second)
			current, ok := h.emu.Ticket(testAppID, "wx_card")
			require.True(t, ok)
			assert.Equal(t, second, current)
		})
	}
}

func TestSetTicketLifetime(t *testing.T) {
	t.Parallel()
	h := newPersistedHarness(t)
	require.NoError(t, h.emu.SetTicketLifetime(90*time.Second))
	r := h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {"jsapi"}})
	assert.EqualValues(t, 90, r.body["expires_in"])
	for _, d := range []time.Duration{0, time.Millisecond, 7201 * time.Second} {
		assert.ErrorIs(t, h.emu.SetTicketLifetime(d), emulator.ErrInvalidArgument, d)
		_, err := emulator.New(emulator.WithTicketLifetime(d))
		assert.Error(t, err, d)
	}
}
