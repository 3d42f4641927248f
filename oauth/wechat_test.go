package oauth

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

const (
	testAppID  = "wx520c15f417810387"
	testSecret = "s3cr3t-app-secret-never-shown"
)

var testNow = time.Unix(1700000000, 0)

// wechat is the offline emulator serving web authorization to the tests:
// the consent page and the sns/ endpoints with WeChat's errcodes, on the
// tests' clock. It is the emulator merchants develop against, so the
// client meets the same rules here as on their pages.
type wechat struct {
	t      testing.TB
	emu    *emulator.Emulator
	server *httptest.Server
}

func newWeChat(t testing.TB) *wechat {
	t.Helper()
	emu, err := emulator.New(emulator.WithApp(testAppID, testSecret), emulator.WithClock(func() time.Time { return testNow }))
	require.NoError(t, err)
	server := httptest.NewServer(emu)
	t.Cleanup(server.Close)
	return &wechat{t: t, emu: emu, server: server}
}

func (wc *wechat) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(testAppID, testSecret, append([]Option{
		WithBaseURL(wc.server.URL + "/"),
		WithAuthorizeURL(wc.server.URL + "/connect/oauth2/authorize"),
		WithHTTPClient(wc.server.Client()),
		WithClock(func() time.Time { return testNow }),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// issueCode is the code WeChat sends the browser back with once the
// simulated user consented to scope.
func (wc *wechat) issueCode(user string, scope Scope) string {
	wc.t.Helper()
	code, err := wc.emu.OAuthCode(testAppID, user, string(scope))
	require.NoError(wc.t, err)
	return code
}

// openID is the simulated user's openid in the test app.
func (wc *wechat) openID(user string) string {
	wc.t.Helper()
	id, err := wc.emu.OAuthOpenID(testAppID, user)
	require.NoError(wc.t, err)
	return id
}
