package emulator

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// Web authorization (网页授权) as WeChat serves it: the consent page on
// open.weixin.qq.com and the sns/ endpoints on api.weixin.qq.com. Codes and
// user tokens live in memory only (not in the snapshot): a code lasts five
// minutes anyway, and a restarted emulator asks its users to sign in again.

// Errcodes of web authorization, beside the shared ones in errcodes.go.
const (
	ErrcodeInvalidOAuthCode     = 40029
	ErrcodeInvalidRefreshToken  = 40030
	ErrcodeOAuthCodeUsed        = 40163
	ErrcodeMissingRefreshToken  = 41003
	ErrcodeMissingOAuthCode     = 41008
	ErrcodeRefreshTokenExpired  = 42002
	ErrcodeScopeUnauthorized    = 48001
	errcodeAuthorizeBadScope    = 10005 // shown on the consent page, never in JSON
	errcodeAuthorizeBadRedirect = 10003
)

// Lifetimes WeChat documents for web authorization.
const (
	OAuthCodeLifetime         = 5 * time.Minute
	OAuthTokenLifetime        = 2 * time.Hour
	OAuthRefreshTokenLifetime = 30 * 24 * time.Hour
	// DefaultOAuthUser names the simulated user who signs in when the
	// consent page is skipped (snsapi_base) and no emulator_user is given.
	DefaultOAuthUser = "demo-user"
	// maxOAuthEntries bounds each of the maps below: a client looping over
	// the authorize page cannot grow the emulator without limit.
	maxOAuthEntries = 10000
)

const (
	scopeBase     = "snsapi_base"
	scopeUserInfo = "snsapi_userinfo"
)

// validScope reports whether web authorization grants scope: the authorize
// page and OAuthCode accept the same two.
func validScope(scope string) bool { return scope == scopeBase || scope == scopeUserInfo }

// webAuth is the emulator's web authorization state; guarded by Emulator.mu.
type webAuth struct {
	// openIDs maps appid → simulated user name → openid. A user has one
	// openid per app, as in WeChat.
	openIDs map[string]map[string]string
	codes   map[string]*oauthCode
	tokens  map[string]*oauthToken
	refresh map[string]*oauthToken
}

type oauthCode struct {
	appID, openID, user, scope string
	expires                    time.Time
	used                       bool
}

type oauthToken struct {
	appID, openID, user, scope string
	expires                    time.Time
}

func newWebAuth() webAuth {
	return webAuth{
		openIDs: map[string]map[string]string{},
		codes:   map[string]*oauthCode{},
		tokens:  map[string]*oauthToken{},
		refresh: map[string]*oauthToken{},
	}
}

// openIDFor returns user's openid in app, creating it on first use: "o"
// and 27 URL-safe characters, the shape of a real one. Callers hold mu.
func (e *Emulator) openIDFor(appID, user string) string {
	users := e.auth.openIDs[appID]
	if users == nil {
		users = map[string]string{}
		e.auth.openIDs[appID] = users
	}
	if id, ok := users[user]; ok {
		return id
	}
	id := "o" + e.randString(urlSafe, 27)
	users[user] = id
	return id
}

// OAuthOpenID returns the openid the simulated user name has in appID, as
// web authorization will report it. For tests that sign a user in and then
// check what was issued to them.
func (e *Emulator) OAuthOpenID(appID, user string) (string, error) {
	if err := checkOAuthUser(user); err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st.Apps[appID] == nil {
		return "", ErrUnknownApp
	}
	return e.openIDFor(appID, user), nil
}

func checkOAuthUser(user string) error {
	if user == "" || len(user) > 64 {
		return fmt.Errorf("%w: user name must be 1..64 bytes", ErrInvalidArgument)
	}
	for _, r := range user {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%w: user name has a control character", ErrInvalidArgument)
		}
	}
	return nil
}

// pruneWebAuth drops expired codes and tokens. Callers hold mu.
func (e *Emulator) pruneWebAuth(now time.Time) {
	for k, c := range e.auth.codes {
		if !now.Before(c.expires) {
			delete(e.auth.codes, k)
		}
	}
	for k, t := range e.auth.tokens {
		if !now.Before(t.expires) {
			delete(e.auth.tokens, k)
		}
	}
	for k, t := range e.auth.refresh {
		// An expired refresh token is kept a day so that it answers 42002
		// (expired) rather than 40030 (unknown), as WeChat does.
		if now.Sub(t.expires) > 24*time.Hour {
			delete(e.auth.refresh, k)
		}
	}
}

type authorizeRequest struct {
	appID, redirectURI, scope, state, user string
}

// parseAuthorize checks connect/oauth2/authorize's query; on failure it
// returns the errcode and text WeChat's error page shows.
func parseAuthorize(q url.Values) (authorizeRequest, int, string) {
	req := authorizeRequest{
		appID: q.Get("appid"), redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"),
		state: q.Get("state"), user: q.Get("emulator_user"),
	}
	if req.user == "" {
		req.user = DefaultOAuthUser
	}
	switch {
	case req.appID == "":
		return req, ErrcodeMissingAppID, "appid missing"
	case q.Get("response_type") != "code":
		return req, errcodeAuthorizeBadScope, "response_type must be code"
	case !validScope(req.scope):
		return req, errcodeAuthorizeBadScope, "scope must be snsapi_base or snsapi_userinfo"
	case len(req.state) > 128 || !alnumOnly(req.state):
		return req, ErrcodeInvalidArgs, "state must be at most 128 letters and digits"
	case checkOAuthUser(req.user) != nil:
		return req, ErrcodeInvalidArgs, "emulator_user must be 1..64 printable bytes"
	}
	u, err := url.Parse(req.redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || len(req.redirectURI) > 2048 {
		return req, errcodeAuthorizeBadRedirect, "redirect_uri must be an absolute http(s) URL"
	}
	return req, 0, ""
}

func alnumOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// redirectBack is redirect_uri with code (when granted) and state added.
func redirectBack(redirectURI, code, state string) string {
	u, _ := url.Parse(redirectURI) // checked by parseAuthorize
	q := u.Query()
	if code != "" {
		q.Set("code", code)
	}
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

// GET connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state
//
// snsapi_base sends the simulated user straight back with a code;
// snsapi_userinfo shows the consent page first, whose buttons come back
// here with consent=allow or consent=deny. The simulated user is the
// emulator_user parameter (DefaultOAuthUser without one); the consent page
// lets the person at the browser choose another.
func (e *Emulator) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		e.authorizeError(w, http.StatusMethodNotAllowed, ErrcodeRequireGET, "GET required")
		return
	}
	q := r.URL.Query()
	req, errcode, msg := parseAuthorize(q)
	if errcode != 0 {
		e.authorizeError(w, http.StatusBadRequest, errcode, msg)
		return
	}
	consent := q.Get("consent")
	e.mu.Lock()
	a := e.st.Apps[req.appID]
	if a == nil {
		e.mu.Unlock()
		e.authorizeError(w, http.StatusBadRequest, ErrcodeInvalidAppID, "invalid appid")
		return
	}
	if req.scope == scopeUserInfo && consent != "allow" {
		e.mu.Unlock()
		if consent == "deny" {
			// WeChat sends a user who refuses back with the state only.
			http.Redirect(w, r, redirectBack(req.redirectURI, "", req.state), http.StatusFound)
			return
		}
		e.consentPage(w, q, req)
		return
	}
	code, ok := e.issueOAuthCode(req.appID, req.user, req.scope)
	e.mu.Unlock()
	if !ok {
		e.authorizeError(w, http.StatusServiceUnavailable, ErrcodeSystemBusy, "too many codes outstanding")
		return
	}
	http.Redirect(w, r, redirectBack(req.redirectURI, code, req.state), http.StatusFound)
}

// issueOAuthCode makes the code the browser carries back after user
// consented to scope in appID; ok is false when too many are outstanding.
// Callers hold mu and have checked the app.
func (e *Emulator) issueOAuthCode(appID, user, scope string) (code string, ok bool) {
	now := e.now()
	e.pruneWebAuth(now)
	if len(e.auth.codes) >= maxOAuthEntries {
		return "", false
	}
	code = e.randString(alnum, 32)
	e.auth.codes[code] = &oauthCode{
		appID: appID, openID: e.openIDFor(appID, user), user: user,
		scope: scope, expires: now.Add(OAuthCodeLifetime),
	}
	return code, true
}

// ErrBusy is returned by OAuthCode when as many codes are outstanding as
// the emulator bounds (where the authorize page answers -1, system busy).
var ErrBusy = errors.New("emulator: busy: too many OAuth codes outstanding")

// OAuthCode returns the code WeChat would send the browser back with once
// the simulated user consented to scope (snsapi_base or snsapi_userinfo)
// in appID, without the browser: for tests of a merchant's callback or
// code exchange. It lasts OAuthCodeLifetime and is good for one exchange.
func (e *Emulator) OAuthCode(appID, user, scope string) (string, error) {
	if err := checkOAuthUser(user); err != nil {
		return "", err
	}
	if !validScope(scope) {
		return "", fmt.Errorf("%w: scope must be %s or %s", ErrInvalidArgument, scopeBase, scopeUserInfo)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st.Apps[appID] == nil {
		return "", ErrUnknownApp
	}
	code, ok := e.issueOAuthCode(appID, user, scope)
	if !ok {
		return "", ErrBusy
	}
	return code, nil
}

var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信授权 (emulated)</title>
<style>body{font:16px system-ui,sans-serif;max-width:28em;margin:2em auto;padding:0 1em;color:#222}
.box{border:1px solid #ddd;border-radius:8px;padding:1em}button{font-size:1em;padding:.5em 1.2em;margin:.5em .5em 0 0}
.allow{background:#07c160;color:#fff;border:0;border-radius:4px}.note{color:#888;font-size:.85em}</style></head>
<body><div class="box">
<h1>授权登录</h1>
<p>The page at <b>{{.Host}}</b> asks for your WeChat profile (nickname and avatar).</p>
<form method="get" action="">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label>Simulated user <input name="emulator_user" value="{{.User}}" maxlength="64" id="emulator-user"></label><br>
<button class="allow" name="consent" value="allow" id="consent-allow">允许 Allow</button>
<button name="consent" value="deny" id="consent-deny">拒绝 Deny</button>
</form>
<p class="note">wxcard emulator: this page stands in for WeChat's consent screen.</p>
</div></body></html>
`))

type hiddenField struct{ Name, Value string }

func (e *Emulator) consentPage(w http.ResponseWriter, q url.Values, req authorizeRequest) {
	var hidden []hiddenField
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "consent" && k != "emulator_user" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		hidden = append(hidden, hiddenField{k, q.Get(k)})
	}
	u, _ := url.Parse(req.redirectURI)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(http.StatusOK)
	consentTemplate.Execute(w, struct {
		Host, User string
		Hidden     []hiddenField
	}{u.Host, req.user, hidden})
}

var authorizeErrorTemplate = template.Must(template.New("authorize-error").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>授权失败</title></head>
<body><h1>Oops! Something went wrong:(</h1><p id="errcode">{{.Code}}</p><p>{{.Msg}}</p></body></html>
`))

// authorizeError is WeChat's error page for a bad authorize link: HTML,
// with the errcode (10003 redirect_uri, 10005 scope, …) on the page.
func (e *Emulator) authorizeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	authorizeErrorTemplate.Execute(w, struct {
		Code int
		Msg  string
	}{code, msg})
}

type oauthTokenAnswer struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	OpenID       string `json:"openid"`
	Scope        string `json:"scope"`
}

// issueOAuthToken makes a user access token for t's user and scope;
// callers hold mu.
func (c *call) issueOAuthToken(appID, openID, user, scope, refresh string) (oauthTokenAnswer, error) {
	e := c.e
	if len(e.auth.tokens) >= maxOAuthEntries || len(e.auth.refresh) >= maxOAuthEntries {
		return oauthTokenAnswer{}, wxErr(ErrcodeSystemBusy, "too many user tokens outstanding")
	}
	access := e.randString(urlSafe, 64)
	e.auth.tokens[access] = &oauthToken{appID: appID, openID: openID, user: user, scope: scope, expires: c.now.Add(OAuthTokenLifetime)}
	if refresh == "" {
		refresh = e.randString(urlSafe, 64)
		e.auth.refresh[refresh] = &oauthToken{appID: appID, openID: openID, user: user, scope: scope, expires: c.now.Add(OAuthRefreshTokenLifetime)}
	}
	return oauthTokenAnswer{access, int64(OAuthTokenLifetime / time.Second), refresh, openID, scope}, nil
}

// oauthApp checks appid (and, with a secret, the AppSecret) in the query.
func (c *call) oauthApp(withSecret bool) (*appState, error) {
	q := c.r.URL.Query()
	appID := q.Get("appid")
	if appID == "" {
		return nil, wxErr(ErrcodeMissingAppID, "")
	}
	a := c.e.st.Apps[appID]
	if a == nil {
		return nil, wxErr(ErrcodeInvalidAppID, "")
	}
	if withSecret {
		secret := q.Get("secret")
		if secret == "" {
			return nil, wxErr(ErrcodeMissingSecret, "")
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(a.Secret)) != 1 {
			return nil, wxErr(ErrcodeInvalidAppSecret, "")
		}
	}
	return a, nil
}

// oauthGrant reads what both token grants send: the app (with its secret
// when withSecret), grant_type, which must be grantType, and the credential
// in param, which missingErrcode refuses when empty. The stored codes and
// tokens are pruned before the caller looks the credential up.
func (c *call) oauthGrant(withSecret bool, grantType, param string, missingErrcode int) (*appState, string, error) {
	a, err := c.oauthApp(withSecret)
	if err != nil {
		return nil, "", err
	}
	q := c.r.URL.Query()
	if q.Get("grant_type") != grantType {
		return nil, "", wxErr(ErrcodeInvalidGrantType, "")
	}
	v := q.Get(param)
	if v == "" {
		return nil, "", wxErr(missingErrcode, "missing "+param)
	}
	c.e.pruneWebAuth(c.now)
	return a, v, nil
}

// GET sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
func (c *call) oauthAccessToken() (any, error) {
	a, code, err := c.oauthGrant(true, "authorization_code", "code", ErrcodeMissingOAuthCode)
	if err != nil {
		return nil, err
	}
	oc := c.e.auth.codes[code]
	switch {
	case oc == nil || oc.appID != a.AppID || !c.now.Before(oc.expires):
		return nil, wxErr(ErrcodeInvalidOAuthCode, "invalid code")
	case oc.used:
		return nil, wxErr(ErrcodeOAuthCodeUsed, "code been used")
	}
	oc.used = true
	return c.issueOAuthToken(a.AppID, oc.openID, oc.user, oc.scope, "")
}

// GET sns/oauth2/refresh_token?appid&grant_type=refresh_token&refresh_token
// A new access token; the refresh token stays the same, as WeChat's does.
func (c *call) oauthRefresh() (any, error) {
	a, rt, err := c.oauthGrant(false, "refresh_token", "refresh_token", ErrcodeMissingRefreshToken)
	if err != nil {
		return nil, err
	}
	t := c.e.auth.refresh[rt]
	switch {
	case t == nil || t.appID != a.AppID:
		return nil, wxErr(ErrcodeInvalidRefreshToken, "invalid refresh_token")
	case !c.now.Before(t.expires):
		return nil, wxErr(ErrcodeRefreshTokenExpired, "refresh_token expired")
	}
	return c.issueOAuthToken(a.AppID, t.openID, t.user, t.scope, rt)
}

// userToken checks access_token and openid in the query.
func (c *call) userToken() (*oauthToken, error) {
	q := c.r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		return nil, wxErr(ErrcodeMissingAccessToken, "")
	}
	t := c.e.auth.tokens[tok]
	switch {
	case t == nil:
		return nil, wxErr(ErrcodeInvalidCredential, "")
	case !c.now.Before(t.expires):
		return nil, wxErr(ErrcodeAccessTokenExpired, "")
	case q.Get("openid") != t.openID:
		return nil, wxErr(ErrcodeInvalidOpenID, "")
	}
	return t, nil
}

// GET sns/userinfo?access_token&openid&lang
func (c *call) oauthUserInfo() (any, error) {
	t, err := c.userToken()
	if err != nil {
		return nil, err
	}
	if t.scope != scopeUserInfo {
		return nil, wxErr(ErrcodeScopeUnauthorized, "api unauthorized")
	}
	switch lang := c.r.URL.Query().Get("lang"); lang {
	case "", "zh_CN", "zh_TW", "en":
	default:
		return nil, wxErr(ErrcodeInvalidArgs, "lang must be zh_CN, zh_TW or en")
	}
	return struct {
		OpenID     string   `json:"openid"`
		Nickname   string   `json:"nickname"`
		Sex        int      `json:"sex"`
		Province   string   `json:"province"`
		City       string   `json:"city"`
		Country    string   `json:"country"`
		HeadImgURL string   `json:"headimgurl"`
		Privilege  []string `json:"privilege"`
	}{OpenID: t.openID, Nickname: t.user, Privilege: []string{}}, nil
}

// GET sns/auth?access_token&openid → errcode 0 while the token is valid.
func (c *call) oauthCheck() (any, error) {
	if _, err := c.userToken(); err != nil {
		return nil, err
	}
	return success(), nil
}
