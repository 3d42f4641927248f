package oauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/errorbody"
)

// Stable codes of the JSON error bodies LoginHandler answers with:
// {"error":{"code":"…","message":"…"}}.
const (
	CodeMethodNotAllowed = "method_not_allowed"
	CodeBadNext          = "bad_next"
	CodeMissingCode      = "missing_code"
	CodeNoLoginCookie    = "no_login_cookie"
	CodeBadState         = "bad_state"
	CodeStateExpired     = "state_expired"
	CodeInvalidCode      = "invalid_code"
	CodeExchangeFailed   = "exchange_failed"
	CodeInternal         = "internal"
)

// Login is a completed web authorization.
type Login struct {
	Token *Token
	// Next is the local path the login was started for (the start
	// request's ?next=), or "/".
	Next string
}

// LoginConfig configures a LoginHandler.
type LoginConfig struct {
	// Scope is ScopeBase (silent, openid only) or ScopeUserInfo (consent).
	Scope Scope
	// CallbackURL is the absolute URL WeChat sends the user back to; its
	// host must be the account's authorized web domain. The handler takes
	// requests for its path as the callback, so mount it where requests
	// arrive with that path (not under http.StripPrefix).
	CallbackURL string
	// StateKey signs the state and the login cookie: at least 32 random
	// bytes, the same on every server of a cluster.
	StateKey []byte
	// StateTTL is how long a started login may take; 10 minutes if zero.
	StateTTL time.Duration
	// CookieName defaults to "wxcard_oauth".
	CookieName string
	// OnLogin receives the user's token and writes the response: typically
	// it starts the merchant's own session and redirects to login.Next. It
	// is called only for a verified callback.
	OnLogin func(w http.ResponseWriter, r *http.Request, login *Login)
	// Logger logs refused callbacks (never a token or code); none if nil.
	Logger *slog.Logger
	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// LoginHandler runs web authorization for a merchant's H5 pages. Mount it
// on a path prefix that includes the callback's path:
//
//   - GET {any path but the callback}?next=/local/path starts a login: it
//     sets a short-lived, signed, HttpOnly cookie and redirects to WeChat's
//     consent page with a state derived from that cookie;
//   - GET {callback path}?code=…&state=… checks that the state is the one
//     this browser's cookie was issued with (so a code obtained by someone
//     else cannot be planted: login CSRF), that it has not expired, clears
//     the cookie, exchanges the code and calls OnLogin.
//
// Only one login per browser is in flight at a time: starting another
// replaces the cookie, and the first one's callback is then refused.
type LoginHandler struct {
	client       *Client
	scope        Scope
	callbackURL  string
	callbackPath string
	secure       bool
	key          []byte
	ttl          time.Duration
	cookieName   string
	onLogin      func(http.ResponseWriter, *http.Request, *Login)
	log          *slog.Logger
	now          func() time.Time
}

const (
	minStateKeyLen  = 32
	defaultStateTTL = 10 * time.Minute
	nonceLen        = 16
	maxNextLen      = 1024
	// stateLen is 32 hex digits: 128 bits of HMAC, inside WeChat's limit of
	// 128 letters and digits.
	stateLen = 32
)

// NewLoginHandler checks cfg and returns the handler.
func NewLoginHandler(client *Client, cfg LoginConfig) (*LoginHandler, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: client is nil", ErrInvalidArgument)
	}
	if cfg.Scope != ScopeBase && cfg.Scope != ScopeUserInfo {
		return nil, fmt.Errorf("%w: scope %q", ErrInvalidArgument, cfg.Scope)
	}
	cb, err := parseAbsolute(cfg.CallbackURL)
	if err != nil {
		return nil, fmt.Errorf("callback URL: %w", err)
	}
	if len(cfg.StateKey) < minStateKeyLen {
		return nil, fmt.Errorf("%w: state key must be at least %d bytes", ErrInvalidArgument, minStateKeyLen)
	}
	if cfg.OnLogin == nil {
		return nil, fmt.Errorf("%w: OnLogin is nil", ErrInvalidArgument)
	}
	if cfg.StateTTL < 0 {
		return nil, fmt.Errorf("%w: negative state TTL", ErrInvalidArgument)
	}
	h := &LoginHandler{
		client:       client,
		scope:        cfg.Scope,
		callbackURL:  cb.String(),
		callbackPath: cb.EscapedPath(),
		secure:       cb.Scheme == "https",
		key:          append([]byte(nil), cfg.StateKey...),
		ttl:          cfg.StateTTL,
		cookieName:   cfg.CookieName,
		onLogin:      cfg.OnLogin,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	if h.callbackPath == "" {
		h.callbackPath = "/"
	}
	if h.ttl == 0 {
		h.ttl = defaultStateTTL
	}
	if h.cookieName == "" {
		h.cookieName = "wxcard_oauth"
	}
	if !validCookieName(h.cookieName) {
		return nil, fmt.Errorf("%w: cookie name %q", ErrInvalidArgument, h.cookieName)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

func validCookieName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return name != ""
}

// ServeHTTP starts a login, or finishes one on the callback path.
func (h *LoginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Not HEAD either: a HEAD of the callback would spend the code.
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		errorbody.Write(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" is not allowed")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.EscapedPath() == h.callbackPath {
		h.callback(w, r)
		return
	}
	h.start(w, r)
}

// localPath accepts only a path on this site, so that ?next= cannot send
// the user elsewhere after login (an open redirect).
func localPath(next string) (string, bool) {
	if next == "" {
		return "/", true
	}
	if len(next) > maxNextLen || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "", false
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "", false
	}
	return next, true
}

func (h *LoginHandler) start(w http.ResponseWriter, r *http.Request) {
	next, ok := localPath(r.URL.Query().Get("next"))
	if !ok {
		errorbody.Write(w, http.StatusBadRequest, CodeBadNext, "next must be a path on this site")
		return
	}
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		errorbody.Write(w, http.StatusInternalServerError, CodeInternal, "no randomness")
		return
	}
	expires := h.now().Add(h.ttl)
	cookie := h.sealCookie(expires, nonce, next)
	authURL, err := h.client.AuthCodeURL(h.callbackURL, h.scope, h.state(cookie))
	if err != nil { // the inputs were checked in NewLoginHandler
		errorbody.Write(w, http.StatusInternalServerError, CodeInternal, "cannot build the authorize URL")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName,
		Value:    cookie,
		Path:     h.callbackPath,
		MaxAge:   int(h.ttl / time.Second),
		HttpOnly: true,
		Secure:   h.secure,
		// Lax: sent on WeChat's top-level redirect back to the callback,
		// never on a cross-site subrequest.
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, authURL, http.StatusFound)
}

func (h *LoginHandler) mac(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}

// sealCookie returns base64url(expiry | nonce | next) "." base64url(mac).
func (h *LoginHandler) sealCookie(expires time.Time, nonce [nonceLen]byte, next string) string {
	payload := binary.BigEndian.AppendUint64(nil, uint64(expires.Unix()))
	payload = append(payload, nonce[:]...)
	payload = append(payload, next...)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(h.mac("wxcard oauth cookie", payload))
}

// state derives the state sent to WeChat from this browser's cookie: only
// a request carrying that cookie can present it back.
func (h *LoginHandler) state(cookie string) string {
	return hex.EncodeToString(h.mac("wxcard oauth state", []byte(cookie)))[:stateLen]
}

var (
	errBadCookie     = errors.New("login cookie is not one this server issued")
	errCookieExpired = errors.New("login cookie has expired")
)

// openCookie verifies the cookie and returns the next path it carries.
func (h *LoginHandler) openCookie(cookie string) (string, error) {
	enc := base64.RawURLEncoding
	payloadText, macText, ok := strings.Cut(cookie, ".")
	if !ok {
		return "", errBadCookie
	}
	payload, err1 := enc.DecodeString(payloadText)
	mac, err2 := enc.DecodeString(macText)
	if err1 != nil || err2 != nil || len(payload) < 8+nonceLen {
		return "", errBadCookie
	}
	if !hmac.Equal(mac, h.mac("wxcard oauth cookie", payload)) {
		return "", errBadCookie
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0)
	if !h.now().Before(expires) {
		return "", errCookieExpired
	}
	return string(payload[8+nonceLen:]), nil
}

func (h *LoginHandler) callback(w http.ResponseWriter, r *http.Request) {
	// The cookie is single-use whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: h.cookieName, Value: "", Path: h.callbackPath, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	if code == "" {
		// A user who declines snsapi_userinfo is not sent back at all; an
		// empty code is someone opening the callback by hand.
		errorbody.Write(w, http.StatusBadRequest, CodeMissingCode, "no code: the user did not authorize")
		return
	}
	cookie, err := r.Cookie(h.cookieName)
	if err != nil || cookie.Value == "" {
		h.refused(r, CodeNoLoginCookie)
		errorbody.Write(w, http.StatusForbidden, CodeNoLoginCookie, "no login in progress in this browser; start again")
		return
	}
	next, err := h.openCookie(cookie.Value)
	switch {
	case errors.Is(err, errCookieExpired):
		h.refused(r, CodeStateExpired)
		errorbody.Write(w, http.StatusForbidden, CodeStateExpired, "the login took too long; start again")
		return
	case err != nil:
		h.refused(r, CodeBadState)
		errorbody.Write(w, http.StatusForbidden, CodeBadState, "state does not match this browser's login")
		return
	}
	if !hmac.Equal([]byte(state), []byte(h.state(cookie.Value))) {
		h.refused(r, CodeBadState)
		errorbody.Write(w, http.StatusForbidden, CodeBadState, "state does not match this browser's login")
		return
	}
	tok, err := h.client.Exchange(r.Context(), code)
	if err != nil {
		h.log.WarnContext(r.Context(), "oauth: code exchange failed", "error", err.Error())
		if errors.Is(err, ErrInvalidCode) || errors.Is(err, ErrCodeUsed) || errors.Is(err, ErrInvalidArgument) {
			errorbody.Write(w, http.StatusBadRequest, CodeInvalidCode, "the code is invalid, expired or used; start again")
			return
		}
		errorbody.Write(w, http.StatusBadGateway, CodeExchangeFailed, "WeChat did not exchange the code")
		return
	}
	h.onLogin(w, r, &Login{Token: tok, Next: next})
}

func (h *LoginHandler) refused(r *http.Request, code string) {
	h.log.InfoContext(r.Context(), "oauth: callback refused", "code", code)
}
