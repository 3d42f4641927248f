package oauth

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/internal/testclock"
)

var testStateKey = bytes.Repeat([]byte("k"), 32)

// merchant is a merchant's backend with the LoginHandler mounted under
// /wx/, behind a real HTTP server, and the logins it completed.
type merchant struct {
	server  *httptest.Server
	handler *LoginHandler
	clock   *testclock.Clock

	mu     sync.Mutex
	logins []*Login
}

func newMerchant(t *testing.T, wc *wechat, scope Scope) *merchant {
	t.Helper()
	m := &merchant{clock: testclock.At(testNow)}
	mux := http.NewServeMux()
	m.server = httptest.NewServer(mux)
	t.Cleanup(m.server.Close)
	h, err := NewLoginHandler(wc.client(t), LoginConfig{
		Scope:       scope,
		CallbackURL: m.server.URL + "/wx/callback",
		StateKey:    testStateKey,
		Now:         m.clock.Now,
		OnLogin: func(w http.ResponseWriter, r *http.Request, login *Login) {
			m.mu.Lock()
			m.logins = append(m.logins, login)
			m.mu.Unlock()
			w.Write([]byte("hello " + login.Token.OpenID + ", back to " + login.Next))
		},
	})
	require.NoError(t, err)
	m.handler = h
	mux.Handle("/wx/", h)
	return m
}

func (m *merchant) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.logins)
}

// browser follows redirects and keeps cookies, like the WeChat in-app
// browser does, and its user taps Allow on the consent page that
// snsapi_userinfo shows.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/connect/oauth2/authorize" {
			q := req.URL.Query()
			q.Set("consent", "allow")
			req.URL.RawQuery = q.Encode()
		}
		return nil
	}}
}

func get(t *testing.T, c *http.Client, rawURL string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b.String()
}

func errorCodeOf(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	return e.Error.Code
}

func TestLoginFlowHandsTheOpenIDToTheMerchant(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	for _, scope := range []Scope{ScopeBase, ScopeUserInfo} {
		t.Run(string(scope), func(t *testing.T) {
			m := newMerchant(t, wc, scope)
			status, body := get(t, browser(t), m.server.URL+"/wx/login?next=/cards%3Fid%3D7")
			require.Equal(t, http.StatusOK, status, body)
			assert.Equal(t, "hello "+wc.openID(emulator.DefaultOAuthUser)+", back to /cards?id=7", body)
			require.Equal(t, 1, m.count())
			assert.Equal(t, string(scope), m.logins[0].Token.Scope)
		})
	}
}

func TestLoginStartSetsABoundCookieAndRedirects(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	m := newMerchant(t, wc, ScopeBase)
	w := httptest.NewRecorder()
	m.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wx/login", nil))
	require.Equal(t, http.StatusFound, w.Code)
	loc, err := url.Parse(w.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "wechat_redirect", loc.Fragment)
	assert.Equal(t, m.server.URL+"/wx/callback", loc.Query().Get("redirect_uri"))
	state := loc.Query().Get("state")
	assert.Len(t, state, stateLen)
	assert.True(t, ValidState(state))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/wx/callback", c.Path)
	assert.Equal(t, 600, c.MaxAge)
	assert.False(t, c.Secure, "the test callback is http")
	assert.Equal(t, state, m.handler.state(c.Value))
}

// attackerCode is a code and state from a login the attacker ran in their
// own browser, stopped before the callback.
func attackerCode(t *testing.T, m *merchant) (code, state string) {
	t.Helper()
	attacker := browser(t)
	attacker.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/wx/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, m.server.URL+"/wx/login", nil)
	require.NoError(t, err)
	res, err := attacker.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	return back.Query().Get("code"), back.Query().Get("state")
}

func TestLoginCallbackRefusals(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	m := newMerchant(t, wc, ScopeBase)

	// victimWithCookie has started a login of its own: it holds a cookie.
	victimWithCookie := func(t *testing.T) *http.Client {
		b := browser(t)
		b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if strings.Contains(req.URL.Path, "authorize") {
				return http.ErrUseLastResponse
			}
			return nil
		}
		status, _ := get(t, b, m.server.URL+"/wx/login")
		require.Equal(t, http.StatusFound, status)
		return b
	}

	t.Run("login CSRF: the attacker's code in the victim's browser", func(t *testing.T) {
		code, state := attackerCode(t, m)
		status, body := get(t, victimWithCookie(t), m.server.URL+"/wx/callback?code="+code+"&state="+state)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, CodeBadState, errorCodeOf(t, body))
	})
	t.Run("login CSRF: a browser with no login started", func(t *testing.T) {
		code, state := attackerCode(t, m)
		status, body := get(t, browser(t), m.server.URL+"/wx/callback?code="+code+"&state="+state)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, CodeNoLoginCookie, errorCodeOf(t, body))
	})
	t.Run("no code", func(t *testing.T) {
		status, body := get(t, browser(t), m.server.URL+"/wx/callback?state=abc")
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, CodeMissingCode, errorCodeOf(t, body))
	})
	t.Run("open redirect in next", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "/a\r\nSet-Cookie: x=1"} {
			status, body := get(t, browser(t), m.server.URL+"/wx/login?next="+url.QueryEscape(next))
			assert.Equal(t, http.StatusBadRequest, status, next)
			assert.Equal(t, CodeBadNext, errorCodeOf(t, body))
		}
	})
	t.Run("POST, and HEAD which would spend the code", func(t *testing.T) {
		for _, target := range []struct{ method, path string }{
			{http.MethodPost, "/wx/login"},
			{http.MethodHead, "/wx/callback?code=" + wc.issueCode("o", ScopeBase) + "&state=x"},
		} {
			req, err := http.NewRequestWithContext(t.Context(), target.method, m.server.URL+target.path, nil)
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, target.method)
		}
	})
	assert.Zero(t, m.count(), "no refused callback reached OnLogin")
}

func TestLoginCallbackChecksTheCookie(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	m := newMerchant(t, wc, ScopeBase)
	// start returns the cookie and state of a fresh login.
	start := func(t *testing.T) (*http.Cookie, string) {
		w := httptest.NewRecorder()
		m.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wx/login?next=/x", nil))
		loc, err := url.Parse(w.Header().Get("Location"))
		require.NoError(t, err)
		return w.Result().Cookies()[0], loc.Query().Get("state")
	}
	callback := func(cookie *http.Cookie, code, state string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/wx/callback?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		m.handler.ServeHTTP(w, r)
		return w
	}

	t.Run("tampered cookie", func(t *testing.T) {
		cookie, state := start(t)
		payload, mac, _ := strings.Cut(cookie.Value, ".")
		forged := []byte(payload)
		forged[len(forged)-1] ^= 1
		w := callback(&http.Cookie{Name: cookie.Name, Value: string(forged) + "." + mac}, wc.issueCode("o", ScopeBase), state)
		assert.Equal(t, CodeBadState, errorCodeOf(t, w.Body.String()))
	})
	t.Run("garbage cookie", func(t *testing.T) {
		_, state := start(t)
		w := callback(&http.Cookie{Name: "wxcard_oauth", Value: "not-a-cookie"}, wc.issueCode("o", ScopeBase), state)
		assert.Equal(t, CodeBadState, errorCodeOf(t, w.Body.String()))
	})
	t.Run("wrong state", func(t *testing.T) {
		cookie, _ := start(t)
		w := callback(cookie, wc.issueCode("o", ScopeBase), strings.Repeat("0", stateLen))
		assert.Equal(t, CodeBadState, errorCodeOf(t, w.Body.String()))
	})
	t.Run("expired", func(t *testing.T) {
		cookie, state := start(t)
		m.clock.Advance(11 * time.Minute)
		defer m.clock.Advance(-11 * time.Minute)
		w := callback(cookie, wc.issueCode("o", ScopeBase), state)
		assert.Equal(t, CodeStateExpired, errorCodeOf(t, w.Body.String()))
	})
	t.Run("code used twice", func(t *testing.T) {
		cookie, state := start(t)
		code := wc.issueCode("o", ScopeBase)
		w := callback(cookie, code, state)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		// The cookie is cleared on the first callback…
		cleared := w.Result().Cookies()
		require.Len(t, cleared, 1)
		assert.Equal(t, -1, cleared[0].MaxAge)
		// …and a replay that kept it is refused by WeChat's single-use code.
		w = callback(cookie, code, state)
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, CodeInvalidCode, errorCodeOf(t, w.Body.String()))
	})
	assert.Equal(t, 1, m.count())
}

func TestLoginExchangeFailureIsABadGateway(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var logs bytes.Buffer
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	client := wc.client(t, WithBaseURL(down.URL+"/"))
	h, err := NewLoginHandler(client, LoginConfig{Scope: ScopeBase, CallbackURL: "https://shop.example/wx/cb", StateKey: testStateKey,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return testNow },
		OnLogin: func(http.ResponseWriter, *http.Request, *Login) { t.Error("OnLogin called") }})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wx/start", nil))
	cookie := w.Result().Cookies()[0]
	assert.True(t, cookie.Secure, "https callback, Secure cookie")
	r := httptest.NewRequest(http.MethodGet, "/wx/cb?code=secret-code-1&state="+h.state(cookie.Value), nil)
	r.AddCookie(cookie)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Equal(t, CodeExchangeFailed, errorCodeOf(t, w.Body.String()))
	assert.Contains(t, logs.String(), "code exchange failed")
	for _, secret := range []string{testSecret, "secret-code-1", cookie.Value} {
		assert.NotContains(t, logs.String(), secret)
		assert.NotContains(t, w.Body.String(), secret)
	}
}

func TestNewLoginHandlerValidates(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	good := LoginConfig{Scope: ScopeBase, CallbackURL: "https://shop.example/cb", StateKey: testStateKey,
		OnLogin: func(http.ResponseWriter, *http.Request, *Login) {}}
	_, err = NewLoginHandler(c, good)
	require.NoError(t, err)
	tests := map[string]func(*LoginConfig){
		"bad scope":       func(cfg *LoginConfig) { cfg.Scope = "snsapi_login" },
		"relative URL":    func(cfg *LoginConfig) { cfg.CallbackURL = "/cb" },
		"short key":       func(cfg *LoginConfig) { cfg.StateKey = []byte("short") },
		"no OnLogin":      func(cfg *LoginConfig) { cfg.OnLogin = nil },
		"negative TTL":    func(cfg *LoginConfig) { cfg.StateTTL = -time.Second },
		"bad cookie name": func(cfg *LoginConfig) { cfg.CookieName = "a b;" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			mutate(&cfg)
			_, err := NewLoginHandler(c, cfg)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
	_, err = NewLoginHandler(nil, good)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}
