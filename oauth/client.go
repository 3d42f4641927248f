package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Scope is what the user is asked to allow.
type Scope string

const (
	// ScopeBase gets the openid silently, without a consent page.
	ScopeBase Scope = "snsapi_base"
	// ScopeUserInfo shows a consent page and allows sns/userinfo (nickname,
	// avatar, region).
	ScopeUserInfo Scope = "snsapi_userinfo"
)

// Default endpoints; WithBaseURL and WithAuthorizeURL point them elsewhere
// (an emulator, httptest).
const (
	DefaultBaseURL      = "https://api.weixin.qq.com/"
	DefaultAuthorizeURL = "https://open.weixin.qq.com/connect/oauth2/authorize"
)

// maxStateLen is WeChat's limit on state: up to 128 of [a-zA-Z0-9].
const maxStateLen = 128

// maxResponseBytes bounds what is read from WeChat.
const maxResponseBytes = 1 << 20

// Client is the web authorization client of one Official Account. It does
// no I/O when made, holds no per-user state and is safe for concurrent use.
type Client struct {
	appID        string
	appSecret    string
	hc           *http.Client
	baseURL      *url.URL
	authorizeURL *url.URL
	now          func() time.Time
}

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client (a Worker's fetch client, a proxy).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return fmt.Errorf("%w: http client is nil", ErrInvalidArgument)
		}
		c.hc = hc
		return nil
	}
}

// WithBaseURL sets where the sns/ endpoints live, ending in "/".
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := parseAbsolute(raw)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(u.Path, "/") {
			return fmt.Errorf("%w: base URL must end in /", ErrInvalidArgument)
		}
		c.baseURL = u
		return nil
	}
}

// WithAuthorizeURL sets the page users are sent to for consent.
func WithAuthorizeURL(raw string) Option {
	return func(c *Client) error {
		u, err := parseAbsolute(raw)
		if err != nil {
			return err
		}
		c.authorizeURL = u
		return nil
	}
}

// WithClock replaces time.Now for token expiry, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return fmt.Errorf("%w: clock is nil", ErrInvalidArgument)
		}
		c.now = now
		return nil
	}
}

func parseAbsolute(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an absolute http(s) URL", ErrInvalidArgument, raw)
	}
	if u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("%w: URL must have no user info or fragment", ErrInvalidArgument)
	}
	return u, nil
}

// NewClient returns the client for the account appID with its AppSecret.
func NewClient(appID, appSecret string, opts ...Option) (*Client, error) {
	if appID == "" || appSecret == "" {
		return nil, fmt.Errorf("%w: app id and app secret are required", ErrInvalidArgument)
	}
	base, _ := url.Parse(DefaultBaseURL)
	authorize, _ := url.Parse(DefaultAuthorizeURL)
	c := &Client{
		appID:        appID,
		appSecret:    appSecret,
		hc:           &http.Client{Timeout: 10 * time.Second},
		baseURL:      base,
		authorizeURL: authorize,
		now:          time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil option", ErrInvalidArgument)
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// AppID returns the account's app id.
func (c *Client) AppID() string { return c.appID }

// ValidState reports whether s can be WeChat's state parameter: up to 128
// letters and digits.
func ValidState(s string) bool {
	if len(s) > maxStateLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return false
		}
	}
	return true
}

// AuthCodeURL returns the consent page to send the user's browser to.
// WeChat sends the user back to redirectURI (whose domain must be the
// account's authorized domain) with ?code=…&state=…. state must be
// letters and digits, and the caller must check that it comes back
// unchanged and bound to this browser ([LoginHandler] does).
//
// WeChat reads the parameters in this order and needs #wechat_redirect.
func (c *Client) AuthCodeURL(redirectURI string, scope Scope, state string) (string, error) {
	if _, err := parseAbsolute(redirectURI); err != nil {
		return "", fmt.Errorf("redirect URI: %w", err)
	}
	if scope != ScopeBase && scope != ScopeUserInfo {
		return "", fmt.Errorf("%w: scope %q is neither snsapi_base nor snsapi_userinfo", ErrInvalidArgument, scope)
	}
	if !ValidState(state) {
		return "", fmt.Errorf("%w: state must be up to %d letters and digits", ErrInvalidArgument, maxStateLen)
	}
	u := *c.authorizeURL
	u.RawQuery = "appid=" + url.QueryEscape(c.appID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=" + string(scope) +
		"&state=" + state
	u.Fragment = "wechat_redirect"
	return u.String(), nil
}

// Token is what a code or refresh token is exchanged for. AccessToken and
// RefreshToken are the user's credentials: keep them server-side. String
// and LogValue print only the openid and scope.
type Token struct {
	OpenID       string
	AccessToken  string
	RefreshToken string // valid for 30 days
	Scope        string // as granted, e.g. "snsapi_userinfo"
	UnionID      string // set when the account is bound to an Open Platform account
	Expiry       time.Time
	// IsSnapshotUser is true for the virtual user of WeChat's page snapshot
	// mode (a user who has not opened the page for real); its openid is not
	// a real user's.
	IsSnapshotUser bool
}

// String describes the token without its secrets.
func (t *Token) String() string {
	if t == nil {
		return "oauth.Token(nil)"
	}
	return "oauth.Token{openid=" + t.OpenID + " scope=" + t.Scope + "}"
}

// GoString is String, so that %#v does not print the secrets either.
func (t *Token) GoString() string { return t.String() }

// Valid reports whether the access token has not expired at now.
func (t *Token) Valid(now time.Time) bool {
	return t != nil && t.AccessToken != "" && now.Before(t.Expiry)
}

type tokenResponse struct {
	apiStatus
	AccessToken    string      `json:"access_token"`
	ExpiresIn      json.Number `json:"expires_in"`
	RefreshToken   string      `json:"refresh_token"`
	OpenID         string      `json:"openid"`
	Scope          string      `json:"scope"`
	UnionID        string      `json:"unionid"`
	IsSnapshotUser json.Number `json:"is_snapshotuser"`
}

type apiStatus struct {
	ErrCode json.Number `json:"errcode"`
	ErrMsg  string      `json:"errmsg"`
}

func (s apiStatus) err(op string, redact func(string) string) error {
	if s.ErrCode == "" || s.ErrCode == "0" {
		return nil
	}
	code, err := strconv.Atoi(string(s.ErrCode))
	if err != nil {
		return &HTTPError{Op: op, Status: http.StatusOK, Reason: "errcode is not a number"}
	}
	return &APIError{Op: op, Code: code, Msg: redact(s.ErrMsg)}
}

// Exchange trades the code WeChat sent to the redirect URI for the user's
// openid and access token. A code works once and for five minutes:
// [ErrCodeUsed] and [ErrInvalidCode] say which went wrong.
//
// GET sns/oauth2/access_token
func (c *Client) Exchange(ctx context.Context, code string) (*Token, error) {
	const op = "sns/oauth2/access_token"
	if code == "" || len(code) > 512 {
		return nil, fmt.Errorf("%w: code is empty or too long", ErrInvalidArgument)
	}
	q := url.Values{}
	q.Set("appid", c.appID)
	q.Set("secret", c.appSecret)
	q.Set("code", code)
	q.Set("grant_type", "authorization_code")
	return c.token(ctx, op, q, code)
}

// Refresh renews the access token with the refresh token (which lasts 30
// days). [ErrRefreshTokenExpired] means the user must authorize again.
//
// GET sns/oauth2/refresh_token
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	const op = "sns/oauth2/refresh_token"
	if refreshToken == "" || len(refreshToken) > 1024 {
		return nil, fmt.Errorf("%w: refresh token is empty or too long", ErrInvalidArgument)
	}
	q := url.Values{}
	q.Set("appid", c.appID)
	q.Set("grant_type", "refresh_token")
	q.Set("refresh_token", refreshToken)
	return c.token(ctx, op, q, refreshToken)
}

func (c *Client) token(ctx context.Context, op string, q url.Values, credential string) (*Token, error) {
	var res tokenResponse
	if err := c.get(ctx, op, q, &res, credential); err != nil {
		return nil, err
	}
	if res.OpenID == "" || res.AccessToken == "" {
		return nil, &HTTPError{Op: op, Status: http.StatusOK, Reason: "no openid or access_token in the answer"}
	}
	expiresIn, err := strconv.ParseInt(string(res.ExpiresIn), 10, 64)
	if err != nil || expiresIn <= 0 {
		expiresIn = 7200 // WeChat's documented lifetime, for an answer without one
	}
	return &Token{
		OpenID:         res.OpenID,
		AccessToken:    res.AccessToken,
		RefreshToken:   res.RefreshToken,
		Scope:          res.Scope,
		UnionID:        res.UnionID,
		Expiry:         c.now().Add(time.Duration(min(expiresIn, 30*24*3600)) * time.Second),
		IsSnapshotUser: res.IsSnapshotUser == "1",
	}, nil
}

// UserInfo is the profile sns/userinfo returns for a snsapi_userinfo token.
type UserInfo struct {
	OpenID     string   `json:"openid"`
	Nickname   string   `json:"nickname"`
	Sex        int      `json:"sex"` // 0 unknown; WeChat no longer fills it in
	Province   string   `json:"province"`
	City       string   `json:"city"`
	Country    string   `json:"country"`
	HeadImgURL string   `json:"headimgurl"`
	Privilege  []string `json:"privilege"`
	UnionID    string   `json:"unionid"`
}

// Lang is the language of UserInfo's place names.
type Lang string

const (
	LangSimplifiedChinese  Lang = "zh_CN"
	LangTraditionalChinese Lang = "zh_TW"
	LangEnglish            Lang = "en"
)

// UserInfo fetches the user's profile. It needs a token of scope
// snsapi_userinfo; with a snsapi_base token WeChat answers
// [ErrScopeUnauthorized].
//
// GET sns/userinfo
func (c *Client) UserInfo(ctx context.Context, tok *Token, lang Lang) (*UserInfo, error) {
	const op = "sns/userinfo"
	if tok == nil || tok.AccessToken == "" || tok.OpenID == "" {
		return nil, fmt.Errorf("%w: a token with an access token and openid is required", ErrInvalidArgument)
	}
	switch lang {
	case "":
		lang = LangSimplifiedChinese
	case LangSimplifiedChinese, LangTraditionalChinese, LangEnglish:
	default:
		return nil, fmt.Errorf("%w: lang %q", ErrInvalidArgument, lang)
	}
	q := url.Values{}
	q.Set("access_token", tok.AccessToken)
	q.Set("openid", tok.OpenID)
	q.Set("lang", string(lang))
	var res struct {
		apiStatus
		UserInfo
	}
	if err := c.get(ctx, op, q, &res, tok.AccessToken); err != nil {
		return nil, err
	}
	if res.OpenID == "" {
		return nil, &HTTPError{Op: op, Status: http.StatusOK, Reason: "no openid in the answer"}
	}
	return &res.UserInfo, nil
}

// Check asks WeChat whether the user's access token is still valid; nil
// means it is.
//
// GET sns/auth
func (c *Client) Check(ctx context.Context, tok *Token) error {
	const op = "sns/auth"
	if tok == nil || tok.AccessToken == "" || tok.OpenID == "" {
		return fmt.Errorf("%w: a token with an access token and openid is required", ErrInvalidArgument)
	}
	q := url.Values{}
	q.Set("access_token", tok.AccessToken)
	q.Set("openid", tok.OpenID)
	var res apiStatus
	return c.get(ctx, op, q, &res, tok.AccessToken)
}

// statusHolder is every response type: each embeds apiStatus.
type statusHolder interface{ status() apiStatus }

func (s apiStatus) status() apiStatus { return s }

// get calls op with q and decodes the JSON answer into out. Neither the
// secret nor the given credential appears in any error it returns: errors
// name the endpoint, never the URL.
func (c *Client) get(ctx context.Context, op string, q url.Values, out statusHolder, credential string) error {
	if ctx == nil {
		return fmt.Errorf("%w: nil context", ErrInvalidArgument)
	}
	redact := c.redactor(credential)
	u := c.baseURL.JoinPath(op)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("oauth: %s: %w", op, err)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauth: %s: %w", op, scrubTransportError(err, op, redact))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("oauth: %s: reading the answer: %w", op, scrubTransportError(err, op, redact))
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &HTTPError{Op: op, Status: res.StatusCode, Reason: http.StatusText(res.StatusCode)}
	}
	if len(body) > maxResponseBytes {
		return &HTTPError{Op: op, Status: res.StatusCode, Reason: "answer larger than 1 MiB"}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &HTTPError{Op: op, Status: res.StatusCode, Reason: "answer is not the expected JSON"}
	}
	return out.status().err(op, redact)
}

// redactor replaces the app secret and a credential wherever they appear.
func (c *Client) redactor(credential string) func(string) string {
	return func(s string) string {
		for _, secret := range []string{c.appSecret, credential} {
			if secret != "" {
				s = strings.ReplaceAll(s, secret, "REDACTED")
			}
		}
		return s
	}
}

// scrubTransportError keeps the error's kind (errors.Is still finds
// context.DeadlineExceeded, errors.As a *url.Error) but drops the request
// URL, which carries the secret or a token in its query.
func scrubTransportError(err error, op string, redact func(string) string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: op, Err: scrubbed{ue.Err, redact}}
	}
	return scrubbed{err, redact}
}

// scrubbed is an error whose message is redacted but which still unwraps
// to its cause.
type scrubbed struct {
	err    error
	redact func(string) string
}

func (s scrubbed) Error() string { return s.redact(s.err.Error()) }
func (s scrubbed) Unwrap() error { return s.err }
