package emulator_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/oauth"
)

const testRedirect = "https://shop.example.com/wx/callback?from=menu"

// oauthClient is the real oauth package pointed at the harness.
func (h *harness) oauthClient(secret string) *oauth.Client {
	h.t.Helper()
	c, err := oauth.NewClient(testAppID, secret,
		oauth.WithBaseURL(h.srv.URL+"/"),
		oauth.WithAuthorizeURL(h.srv.URL+"/connect/oauth2/authorize"),
		oauth.WithClock(h.emu.Now))
	require.NoError(h.t, err)
	return c
}

// authorize opens the consent URL (plus extra query parameters) without
// following the redirect; it returns the status, Location and body.
func (h *harness) authorize(scope oauth.Scope, extra url.Values) (int, *url.URL, string) {
	h.t.Helper()
	raw, err := h.oauthClient(testSecret).AuthCodeURL(testRedirect, scope, "st4te")
	require.NoError(h.t, err)
	u, err := url.Parse(raw)
	require.NoError(h.t, err)
	q := u.Query()
	for k, v := range extra {
		q[k] = v
	}
	u.RawQuery, u.Fragment = q.Encode(), ""
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(u.String())
	require.NoError(h.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	var loc *url.URL
	if l := res.Header.Get("Location"); l != "" {
		loc, err = url.Parse(l)
		require.NoError(h.t, err)
	}
	return res.StatusCode, loc, string(body)
}

// code signs the user in and returns the code the redirect carries.
func (h *harness) code(scope oauth.Scope, extra url.Values) string {
	h.t.Helper()
	status, loc, body := h.authorize(scope, extra)
	require.Equal(h.t, http.StatusFound, status, body)
	require.Equal(h.t, "shop.example.com", loc.Host)
	assert.Equal(h.t, "st4te", loc.Query().Get("state"))
	assert.Equal(h.t, "menu", loc.Query().Get("from"), "the redirect URI's own query survives")
	require.NotEmpty(h.t, loc.Query().Get("code"))
	return loc.Query().Get("code")
}

func TestWebAuthBaseScopeSignsTheUserInOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	client := h.oauthClient(testSecret)
	code := h.code(oauth.ScopeBase, nil)

	tok, err := client.Exchange(t.Context(), code)
	require.NoError(t, err)
	want, err := h.emu.OAuthOpenID(testAppID, emulator.DefaultOAuthUser)
	require.NoError(t, err)
	assert.Equal(t, want, tok.OpenID)
	assert.Len(t, tok.OpenID, 28)
	assert.Equal(t, "snsapi_base", tok.Scope)
	assert.Equal(t, testEpoch.Add(2*time.Hour), tok.Expiry)

	_, err = client.Exchange(t.Context(), code)
	assert.ErrorIs(t, err, oauth.ErrCodeUsed, "a code works once")
	_, err = client.UserInfo(t.Context(), tok, "")
	assert.ErrorIs(t, err, oauth.ErrScopeUnauthorized, "snsapi_base cannot read the profile")
	assert.NoError(t, client.Check(t.Context(), tok))

	h.advance(2 * time.Hour)
	assert.ErrorIs(t, client.Check(t.Context(), tok), oauth.ErrAccessTokenExpired)
	renewed, err := client.Refresh(t.Context(), tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, tok.OpenID, renewed.OpenID)
	assert.NoError(t, client.Check(t.Context(), renewed))
}

func TestWebAuthUserInfoScopeAsksForConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, loc, page := h.authorize(oauth.ScopeUserInfo, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Nil(t, loc)
	assert.Contains(t, page, "shop.example.com")
	assert.Contains(t, page, `id="consent-allow"`)

	status, loc, _ = h.authorize(oauth.ScopeUserInfo, url.Values{"consent": {"deny"}})
	require.Equal(t, http.StatusFound, status)
	assert.Empty(t, loc.Query().Get("code"), "a user who refuses comes back without a code")
	assert.Equal(t, "st4te", loc.Query().Get("state"))

	client := h.oauthClient(testSecret)
	tok, err := client.Exchange(t.Context(), h.code(oauth.ScopeUserInfo, url.Values{"consent": {"allow"}, "emulator_user": {"alice"}}))
	require.NoError(t, err)
	info, err := client.UserInfo(t.Context(), tok, oauth.LangEnglish)
	require.NoError(t, err)
	assert.Equal(t, "alice", info.Nickname)
	assert.Equal(t, tok.OpenID, info.OpenID)

	bob, err := client.Exchange(t.Context(), h.code(oauth.ScopeUserInfo, url.Values{"consent": {"allow"}, "emulator_user": {"bob"}}))
	require.NoError(t, err)
	assert.NotEqual(t, tok.OpenID, bob.OpenID, "each simulated user has an openid of their own")
	again, err := client.Exchange(t.Context(), h.code(oauth.ScopeBase, url.Values{"emulator_user": {"alice"}}))
	require.NoError(t, err)
	assert.Equal(t, tok.OpenID, again.OpenID, "and keeps it")
}

// The lifetimes WeChat documents: a code lasts five minutes, a refresh
// token thirty days. (Each errcode of the sns/ endpoints is checked through
// the real client in oauth's tests, which run against this emulator.)
func TestWebAuthLifetimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	client := h.oauthClient(testSecret)

	stale := h.code(oauth.ScopeBase, nil)
	h.advance(emulator.OAuthCodeLifetime)
	_, err := client.Exchange(t.Context(), stale)
	assert.ErrorIs(t, err, oauth.ErrInvalidCode, "a code lasts five minutes")

	tok, err := client.Exchange(t.Context(), h.code(oauth.ScopeBase, nil))
	require.NoError(t, err)
	h.advance(emulator.OAuthRefreshTokenLifetime - time.Second)
	_, err = client.Refresh(t.Context(), tok.RefreshToken)
	require.NoError(t, err, "a refresh token lasts thirty days")
	h.advance(time.Second)
	_, err = client.Refresh(t.Context(), tok.RefreshToken)
	assert.ErrorIs(t, err, oauth.ErrRefreshTokenExpired)
}

func TestAuthorizeRefusesBadLinks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	good := url.Values{
		"appid": {testAppID}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"scope": {"snsapi_base"}, "state": {"s"},
	}
	cases := []struct {
		name, key, value, errcode string
	}{
		{"unknown app", "appid", "wxnope", "40013"},
		{"no appid", "appid", "", "41002"},
		{"bad scope", "scope", "snsapi_login", "10005"},
		{"bad response_type", "response_type", "token", "10005"},
		{"relative redirect", "redirect_uri", "/callback", "10003"},
		{"javascript redirect", "redirect_uri", "javascript:alert(1)", "10003"},
		{"state with symbols", "state", "a<b", "40097"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range good {
				q[k] = v
			}
			q.Set(tc.key, tc.value)
			r := h.do("GET", "/connect/oauth2/authorize?"+q.Encode(), nil, nil)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.True(t, strings.Contains(string(r.raw), `<p id="errcode">`+tc.errcode+`</p>`), string(r.raw))
		})
	}
}

// OAuthCode is the code the consent page would send back, without the
// browser: it names the same user, carries its scope and works once.
func TestOAuthCodeSkipsTheBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	client := h.oauthClient(testSecret)

	code, err := h.emu.OAuthCode(testAppID, "alice", "snsapi_userinfo")
	require.NoError(t, err)
	tok, err := client.Exchange(t.Context(), code)
	require.NoError(t, err)
	want, err := h.emu.OAuthOpenID(testAppID, "alice")
	require.NoError(t, err)
	assert.Equal(t, want, tok.OpenID)
	assert.Equal(t, "snsapi_userinfo", tok.Scope)
	info, err := client.UserInfo(t.Context(), tok, "")
	require.NoError(t, err)
	assert.Equal(t, "alice", info.Nickname)
	_, err = client.Exchange(t.Context(), code)
	assert.ErrorIs(t, err, oauth.ErrCodeUsed)

	stale, err := h.emu.OAuthCode(testAppID, "alice", "snsapi_base")
	require.NoError(t, err)
	h.advance(emulator.OAuthCodeLifetime)
	_, err = client.Exchange(t.Context(), stale)
	assert.ErrorIs(t, err, oauth.ErrInvalidCode, "it lasts as long as a browser's")

	for name, tc := range map[string]struct {
		appID, user, scope string
		want               error
	}{
		"unknown app":     {"wxnope", "alice", "snsapi_base", emulator.ErrUnknownApp},
		"no user":         {testAppID, "", "snsapi_base", emulator.ErrInvalidArgument},
		"control in user": {testAppID, "a\nb", "snsapi_base", emulator.ErrInvalidArgument},
		"login scope":     {testAppID, "alice", "snsapi_login", emulator.ErrInvalidArgument},
	} {
		_, err := h.emu.OAuthCode(tc.appID, tc.user, tc.scope)
		assert.ErrorIs(t, err, tc.want, name)
	}

	// The codes outstanding are bounded, as the authorize page's are.
	issued := 0
	for ; issued <= 10000; issued++ {
		if _, err = h.emu.OAuthCode(testAppID, "alice", "snsapi_base"); err != nil {
			break
		}
	}
	assert.ErrorIs(t, err, emulator.ErrBusy)
	assert.Equal(t, 10000, issued)
}
