package oauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testAppID  = "wx520c15f417810387"
	testSecret = "s3cr3t-app-secret-never-shown"
)

var testNow = time.Unix(1700000000, 0)

// fakeWeChat plays WeChat's sns endpoints and its consent page, with the
// documented errcodes for bad, reused and out-of-scope requests.
type fakeWeChat struct {
	t      testing.TB
	server *httptest.Server

	mu       sync.Mutex
	codes    map[string]grant // issued, not yet exchanged
	used     map[string]bool
	tokens   map[string]grant // access token → grant
	refresh  map[string]grant
	expired  map[string]bool // refresh tokens past their 30 days
	issued   int
	lastCode string
}

type grant struct {
	openID string
	scope  Scope
}

func newFakeWeChat(t testing.TB) *fakeWeChat {
	f := &fakeWeChat{t: t, codes: map[string]grant{}, used: map[string]bool{}, tokens: map[string]grant{},
		refresh: map[string]grant{}, expired: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connect/oauth2/authorize", f.authorize)
	mux.HandleFunc("GET /sns/oauth2/access_token", f.accessToken)
	mux.HandleFunc("GET /sns/oauth2/refresh_token", f.refreshToken)
	mux.HandleFunc("GET /sns/userinfo", f.userInfo)
	mux.HandleFunc("GET /sns/auth", f.auth)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeWeChat) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(testAppID, testSecret, append([]Option{
		WithBaseURL(f.server.URL + "/"),
		WithAuthorizeURL(f.server.URL + "/connect/oauth2/authorize"),
		WithHTTPClient(f.server.Client()),
		WithClock(func() time.Time { return testNow }),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// issueCode is what WeChat does when the user consents.
func (f *fakeWeChat) issueCode(openID string, scope Scope) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued++
	code := "code" + strings.Repeat("x", f.issued)
	f.codes[code] = grant{openID, scope}
	f.lastCode = code
	return code
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func errcode(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + " rid: 6552c3f1-0d2f1b2c"})
}

// authorize checks the consent URL as WeChat does and sends the browser
// back with a code for user "oUser".
func (f *fakeWeChat) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != testAppID || q.Get("response_type") != "code" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := f.issueCode("oUser", Scope(q.Get("scope")))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeWeChat) accessToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != testAppID {
		errcode(w, 40013, "invalid appid")
		return
	}
	if q.Get("secret") != testSecret {
		errcode(w, 40125, "invalid appsecret")
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		errcode(w, 40002, "invalid grant_type")
		return
	}
	code := q.Get("code")
	f.mu.Lock()
	defer f.mu.Unlock()
	if code == "" {
		errcode(w, 41008, "missing code")
		return
	}
	if f.used[code] {
		errcode(w, 40163, "code been used")
		return
	}
	g, ok := f.codes[code]
	if !ok {
		errcode(w, 40029, "invalid code")
		return
	}
	delete(f.codes, code)
	f.used[code] = true
	f.grantTokens(w, g)
}

// grantTokens answers with a fresh token pair; f.mu is held.
func (f *fakeWeChat) grantTokens(w http.ResponseWriter, g grant) {
	f.issued++
	access := "ACCESS" + strings.Repeat("a", f.issued)
	refresh := "REFRESH" + strings.Repeat("r", f.issued)
	f.tokens[access] = g
	f.refresh[refresh] = g
	writeJSON(w, map[string]any{"access_token": access, "expires_in": 7200, "refresh_token": refresh,
		"openid": g.openID, "scope": string(g.scope), "unionid": "uUnion"})
}

func (f *fakeWeChat) refreshToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != testAppID || q.Get("grant_type") != "refresh_token" {
		errcode(w, 40002, "invalid grant_type")
		return
	}
	if q.Has("secret") {
		errcode(w, 40001, "refresh takes no secret")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rt := q.Get("refresh_token")
	if f.expired[rt] {
		errcode(w, 42002, "refresh_token expired")
		return
	}
	g, ok := f.refresh[rt]
	if !ok {
		errcode(w, 40030, "invalid refresh_token")
		return
	}
	f.grantTokens(w, g)
}

func (f *fakeWeChat) grantFor(r *http.Request) (grant, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.tokens[r.URL.Query().Get("access_token")]
	return g, ok && g.openID == r.URL.Query().Get("openid")
}

func (f *fakeWeChat) userInfo(w http.ResponseWriter, r *http.Request) {
	g, ok := f.grantFor(r)
	switch {
	case !ok:
		errcode(w, 40001, "invalid credential, access_token is invalid or not latest")
	case g.scope != ScopeUserInfo:
		errcode(w, 48001, "api unauthorized")
	default:
		writeJSON(w, map[string]any{"openid": g.openID, "nickname": "小明", "sex": 0, "province": "", "city": "",
			"country": "", "headimgurl": "https://thirdwx.qlogo.cn/mmopen/x/132", "privilege": []string{}, "unionid": "uUnion"})
	}
}

func (f *fakeWeChat) auth(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.grantFor(r); !ok {
		errcode(w, 40003, "invalid openid")
		return
	}
	errcode(w, 0, "ok")
}
