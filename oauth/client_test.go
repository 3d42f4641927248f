package oauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

func TestAuthCodeURLIsWhatWeChatReads(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	got, err := c.AuthCodeURL("https://shop.example.com/wx/callback?from=menu", ScopeUserInfo, "abc123")
	require.NoError(t, err)
	assert.Equal(t, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387"+
		"&redirect_uri=https%3A%2F%2Fshop.example.com%2Fwx%2Fcallback%3Ffrom%3Dmenu"+
		"&response_type=code&scope=snsapi_userinfo&state=abc123#wechat_redirect", got)
	assert.NotContains(t, got, testSecret)
}

func TestAuthCodeURLRefusesBadInput(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	tests := []struct {
		name, redirect string
		scope          Scope
		state          string
	}{
		{"relative redirect", "/callback", ScopeBase, "s"},
		{"javascript redirect", "javascript:alert(1)", ScopeBase, "s"},
		{"redirect with fragment", "https://a.example/cb#x", ScopeBase, "s"},
		{"unknown scope", "https://a.example/cb", "snsapi_login", "s"},
		{"state with symbols", "https://a.example/cb", ScopeBase, "a&b=c"},
		{"state too long", "https://a.example/cb", ScopeBase, strings.Repeat("a", 129)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.AuthCodeURL(tt.redirect, tt.scope, tt.state)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestExchangeRefreshUserInfo(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	c := wc.client(t)
	ctx := t.Context()

	tok, err := c.Exchange(ctx, wc.issueCode("小明", ScopeUserInfo))
	require.NoError(t, err)
	assert.Equal(t, wc.openID("小明"), tok.OpenID)
	assert.Equal(t, "snsapi_userinfo", tok.Scope)
	assert.Equal(t, testNow.Add(2*time.Hour), tok.Expiry)
	assert.True(t, tok.Valid(testNow))
	assert.False(t, tok.Valid(testNow.Add(2*time.Hour)))
	require.NoError(t, c.Check(ctx, tok))

	info, err := c.UserInfo(ctx, tok, "")
	require.NoError(t, err)
	assert.Equal(t, tok.OpenID, info.OpenID)
	assert.Equal(t, "小明", info.Nickname)

	renewed, err := c.Refresh(ctx, tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, tok.OpenID, renewed.OpenID)
	assert.NotEqual(t, tok.AccessToken, renewed.AccessToken)
}

// The emulator's apps are bound to no Open Platform account, so its
// answers carry no unionid; WeChat's do when the account is bound.
func TestTokenAndUserInfoKeepTheUnionID(t *testing.T) {
	t.Parallel()
	answer := func(body string) *Client {
		c, err := NewClient(testAppID, testSecret, WithHTTPClient(&http.Client{Transport: answerWith(body)}),
			WithClock(func() time.Time { return testNow }))
		require.NoError(t, err)
		return c
	}
	tok, err := answer(`{"access_token":"A","expires_in":7200,"refresh_token":"R","openid":"oUser","scope":"snsapi_userinfo","unionid":"uUnion"}`).
		Exchange(t.Context(), "code")
	require.NoError(t, err)
	assert.Equal(t, "uUnion", tok.UnionID)
	info, err := answer(`{"openid":"oUser","nickname":"小明","privilege":[],"unionid":"uUnion"}`).UserInfo(t.Context(), tok, "")
	require.NoError(t, err)
	assert.Equal(t, "uUnion", info.UnionID)
}

func TestWeChatErrcodes(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	c := wc.client(t)
	ctx := t.Context()
	code := wc.issueCode("alice", ScopeBase)
	_, err := c.Exchange(ctx, code)
	require.NoError(t, err)
	base, err := c.Exchange(ctx, wc.issueCode("alice", ScopeBase))
	require.NoError(t, err)
	wrongSecret, err := NewClient(testAppID, "wrong-secret", WithBaseURL(wc.server.URL+"/"))
	require.NoError(t, err)
	otherUser := *base
	otherUser.OpenID = wc.openID("bob")

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"a code used twice", func() error { _, err := c.Exchange(ctx, code); return err }, ErrCodeUsed},
		{"an invalid code", func() error { _, err := c.Exchange(ctx, "never-issued"); return err }, ErrInvalidCode},
		{"userinfo with snsapi_base", func() error { _, err := c.UserInfo(ctx, base, LangEnglish); return err }, ErrScopeUnauthorized},
		{"an unknown refresh token", func() error { _, err := c.Refresh(ctx, "REFRESH-none"); return err }, ErrInvalidRefreshToken},
		{"a wrong secret", func() error { _, err := wrongSecret.Exchange(ctx, "c"); return err }, ErrInvalidAppSecret},
		{"check of a forged token", func() error { return c.Check(ctx, &Token{OpenID: base.OpenID, AccessToken: "nope"}) }, ErrInvalidAccessToken},
		{"check of another user's openid", func() error { return c.Check(ctx, &otherUser) }, ErrInvalidOpenID},
		// Last: it moves the emulator's clock to the refresh token's expiry.
		{"an expired refresh token", func() error {
			require.NoError(t, wc.emu.Advance(ctx, emulator.OAuthRefreshTokenLifetime))
			_, err := c.Refresh(ctx, base.RefreshToken)
			return err
		}, ErrRefreshTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.want)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.NotEmpty(t, apiErr.Op)
			assert.NotContains(t, err.Error(), testSecret)
			assert.NotContains(t, err.Error(), "wrong-secret")
		})
	}
}

func TestArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"empty code":          func() error { _, err := c.Exchange(ctx, ""); return err },
		"huge code":           func() error { _, err := c.Exchange(ctx, strings.Repeat("c", 600)); return err },
		"empty refresh token": func() error { _, err := c.Refresh(ctx, ""); return err },
		"nil token":           func() error { _, err := c.UserInfo(ctx, nil, ""); return err },
		"bad lang":            func() error { _, err := c.UserInfo(ctx, &Token{OpenID: "o", AccessToken: "a"}, "fr"); return err },
		"check nil token":     func() error { return c.Check(ctx, nil) },
		"nil context": func() error {
			//lint:ignore SA1012 a nil ctx is what this case checks
			_, err := c.Exchange(nil, "c")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.ErrorIs(t, call(), ErrInvalidArgument)
		})
	}
	for name, opts := range map[string][]Option{
		"nil http client":    {WithHTTPClient(nil)},
		"relative base":      {WithBaseURL("/sns/")},
		"base without slash": {WithBaseURL("https://api.example.com/v")},
		"base with userinfo": {WithBaseURL("https://u:p@api.example.com/")},
		"bad authorize URL":  {WithAuthorizeURL("ftp://x")},
		"nil clock":          {WithClock(nil)},
		"nil option":         {nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(testAppID, testSecret, opts...)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
	_, err = NewClient("", testSecret)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(testAppID, "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

// cannedServer answers every request with status and body.
func cannedServer(t *testing.T, status int, body string) *Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testAppID, testSecret, WithBaseURL(srv.URL+"/"))
	require.NoError(t, err)
	return c
}

func TestUnusableAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, err error)
	}{
		{"HTTP 502", http.StatusBadGateway, "upstream", isHTTPError},
		{"not JSON", http.StatusOK, "<html>", isHTTPError},
		{"no openid", http.StatusOK, `{"access_token":"a"}`, isHTTPError},
		{"errcode as a string", http.StatusOK, `{"errcode":"40029","errmsg":"invalid code"}`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrInvalidCode)
		}},
		{"errcode not a number", http.StatusOK, `{"errcode":"x"}`, isHTTPError},
		{"over 1 MiB", http.StatusOK, `{"openid":"` + strings.Repeat("o", 1<<20) + `"}`, isHTTPError},
		{"errmsg echoing the secret", http.StatusOK, `{"errcode":40125,"errmsg":"bad secret ` + testSecret + `"}`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrInvalidAppSecret)
			assert.Contains(t, err.Error(), "REDACTED")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := cannedServer(t, tt.status, tt.body).Exchange(t.Context(), "the-code")
			require.Error(t, err)
			tt.check(t, err)
			assert.NotContains(t, err.Error(), testSecret)
		})
	}
}

func isHTTPError(t *testing.T, err error) {
	var httpErr *HTTPError
	assert.ErrorAs(t, err, &httpErr)
}

func TestTransportErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + "/"
	srv.Close() // nothing listens there now

	c, err := NewClient(testAppID, testSecret, WithBaseURL(base))
	require.NoError(t, err)
	_, err = c.Exchange(t.Context(), "the-code-123")
	require.Error(t, err)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	for _, s := range []string{err.Error(), ue.URL, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", ue)} {
		assert.NotContains(t, s, testSecret)
		assert.NotContains(t, s, "the-code-123")
	}

	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	c, err = NewClient(testAppID, testSecret, WithBaseURL(hang.URL+"/"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Refresh(ctx, "REFRESH-secret-token")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "REFRESH-secret-token")
}

func TestTokenPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	tok := &Token{OpenID: "oUser", AccessToken: "ACCESS-xyz", RefreshToken: "REFRESH-xyz", Scope: "snsapi_base"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, tok)
		assert.Contains(t, out, "oUser")
		assert.NotContains(t, out, "ACCESS-xyz")
		assert.NotContains(t, out, "REFRESH-xyz")
	}
	assert.Equal(t, "oauth.Token(nil)", (*Token)(nil).String())
}
