package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wxcard/wxcard/oauth"
)

// The demo merchant signs its page's user in through web authorization,
// against the emulator (emulator mode only): a real merchant page learns
// the user's openid this way, never by making one up in the browser.
//
//	GET  /demo/auth/login?next=/demo/          silent sign-in (snsapi_base)
//	GET  /demo/auth/callback                   its callback
//	GET  /demo/auth-profile/login?next=/demo/  sign-in with consent (snsapi_userinfo): pick a simulated user
//	GET  /demo/auth-profile/callback           its callback
//	GET  /demo/api/me                          {"signed_in":true,"openid","nickname"} or {"signed_in":false}
//	POST /demo/api/signout {}                  forget the session
//
// The session is a cookie holding the openid and nickname, signed with a
// key made at start-up: a restart signs everyone out.

const (
	sessionCookie = "wxcard_demo_session"
	sessionTTL    = 12 * time.Hour
	maxNickname   = 64
)

// demoSession is what the session cookie holds.
type demoSession struct {
	OpenID   string `json:"openid"`
	Nickname string `json:"nickname,omitempty"`
	Expires  int64  `json:"exp"`
}

// signIn holds the sign-in handlers and the session key.
type signIn struct {
	key   []byte
	base  *oauth.LoginHandler
	inner *oauth.LoginHandler // snsapi_userinfo
}

// newSignIn wires both login handlers to the emulator at baseURL/wechat/.
func (s *server) newSignIn() (*signIn, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	client, err := oauth.NewClient(s.appID, s.secret,
		oauth.WithBaseURL(s.baseURL+"/wechat/"),
		oauth.WithAuthorizeURL(s.baseURL+"/wechat/connect/oauth2/authorize"),
		oauth.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("oauth client: %w", err)
	}
	si := &signIn{key: key}
	onLogin := func(w http.ResponseWriter, r *http.Request, l *oauth.Login) {
		sess := demoSession{OpenID: l.Token.OpenID, Expires: time.Now().Add(sessionTTL).Unix()}
		if l.Token.Scope == string(oauth.ScopeUserInfo) {
			if info, err := client.UserInfo(r.Context(), l.Token, oauth.LangEnglish); err == nil {
				sess.Nickname = truncate(info.Nickname, maxNickname)
			} else {
				s.log.WarnContext(r.Context(), "sign-in: user info unavailable", "error", err.Error())
			}
		}
		http.SetCookie(w, &http.Cookie{
			Name: sessionCookie, Value: si.seal(sess), Path: "/demo/",
			HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL / time.Second),
		})
		http.Redirect(w, r, l.Next, http.StatusFound)
	}
	for _, h := range []struct {
		scope  oauth.Scope
		prefix string
		cookie string
		dst    **oauth.LoginHandler
	}{
		{oauth.ScopeBase, "/demo/auth/", "wxcard_oauth", &si.base},
		{oauth.ScopeUserInfo, "/demo/auth-profile/", "wxcard_oauth_profile", &si.inner},
	} {
		lh, err := oauth.NewLoginHandler(client, oauth.LoginConfig{
			Scope:       h.scope,
			CallbackURL: s.baseURL + h.prefix + "callback",
			StateKey:    key,
			CookieName:  h.cookie,
			OnLogin:     onLogin,
			Logger:      s.log,
		})
		if err != nil {
			return nil, fmt.Errorf("login handler: %w", err)
		}
		*h.dst = lh
	}
	return si, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (si *signIn) mac(payload string) string {
	m := hmac.New(sha256.New, si.key)
	m.Write([]byte("wxcard demo session\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (si *signIn) seal(sess demoSession) string {
	raw, _ := json.Marshal(sess) // a struct of strings and an int
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + si.mac(payload)
}

// session returns the request's signed-in user, if any.
func (si *signIn) session(r *http.Request) (demoSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 2048 {
		return demoSession{}, false
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(si.mac(payload))) {
		return demoSession{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return demoSession{}, false
	}
	var sess demoSession
	if json.Unmarshal(raw, &sess) != nil || sess.OpenID == "" || time.Now().Unix() >= sess.Expires {
		return demoSession{}, false
	}
	return sess, true
}

func (s *server) signInRoutes(mux *http.ServeMux) {
	si := s.signin
	mux.Handle("/demo/auth/", s.hosts.Wrap(si.base))
	mux.Handle("/demo/auth-profile/", s.hosts.Wrap(si.inner))
	mux.Handle("/demo/api/me", s.guarded(http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		sess, ok := si.session(r)
		if !ok {
			// A 200: a page asking who its user is expects "nobody yet",
			// and its console stays clean.
			writeJSON(w, http.StatusOK, map[string]any{"signed_in": false, "sign_in": "/demo/auth/login?next=/demo/"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"signed_in": true, "openid": sess.OpenID, "nickname": sess.Nickname})
	}))
	mux.Handle("/demo/api/signout", s.guarded(http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		var req struct{}
		if !decodeDemo(w, r, &req) {
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/demo/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, http.StatusOK, map[string]bool{"signed_out": true})
	}))
}
