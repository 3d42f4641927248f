package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/kv"
)

// secretPattern matches every secret the fake upstream hands out, and the
// app secret itself.
var secretPattern = regexp.MustCompile(`ACCESS_TOKEN_\d+|TICKET_(wx_card|jsapi)_\d+|` + regexp.QuoteMeta(testSecret) + `|THE_TICKET_IN_A_URL`)

// TestSecretsNeverInErrorsOrLogs drives every failure path that handles a
// URL or body carrying a secret, with debug logging on, and scans all error
// strings and log lines for the secret values.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	collect := func(err error) {
		t.Helper()
		require.Error(t, err)
		errs = append(errs, err)
	}

	t.Run("classic token, transport error", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger), WithTokenMode(TokenModeClassic))
		f.srv.Close() // connection refused: the *url.Error carries the URL with ?secret=
		_, err := c.AccessToken(t.Context())
		collect(err)
	})
	t.Run("classic token, timeout", func(t *testing.T) {
		f := newFakeWeChat(t)
		f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			<-r.Context().Done()
			return true
		})
		c := newTestClient(t, f, WithLogger(logger), WithTokenMode(TokenModeClassic))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := c.AccessToken(ctx)
		collect(err)
	})
	t.Run("classic token, success logged at debug", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger), WithTokenMode(TokenModeClassic))
		_, err := c.CardTicket(t.Context())
		require.NoError(t, err)
		_, err = c.JSAPITicket(t.Context())
		require.NoError(t, err)
	})
	t.Run("errmsg echoes the secret", func(t *testing.T) {
		f := newFakeWeChat(t)
		f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			writeErrcode(w, 40125, "invalid appsecret "+testSecret+" rid: 1")
			return true
		})
		c := newTestClient(t, f, WithLogger(logger))
		_, err := c.AccessToken(t.Context())
		collect(err)
		assert.ErrorIs(t, err, ErrInvalidAppSecret)
	})
	t.Run("errmsg echoes the token", func(t *testing.T) {
		f := newFakeWeChat(t)
		f.handle("POST card/get", func(w http.ResponseWriter, r *http.Request) {
			writeErrcode(w, 40001, "invalid credential "+r.URL.Query().Get("access_token"))
		})
		c := newTestClient(t, f, WithLogger(logger))
		collect(c.post(t.Context(), "card/get", struct{}{}, nil, readCall))
	})
	t.Run("ticket fetch, dropped connection", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger))
		_, err := c.AccessToken(t.Context())
		require.NoError(t, err)
		f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
			return true
		})
		_, err = c.CardTicket(t.Context())
		collect(err)
	})
	t.Run("api call, server gone", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger))
		_, err := c.AccessToken(t.Context())
		require.NoError(t, err)
		f.srv.Close()
		collect(c.get(t.Context(), "card/getcolors", nil, nil))
	})
	t.Run("raw fetch with ticket in the URL", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger))
		u := f.srv.URL + "/cgi-bin/showqrcode?" + url.Values{"ticket": {"THE_TICKET_IN_A_URL"}}.Encode()
		f.srv.Close()
		_, _, err := c.getRaw(t.Context(), "showqrcode", u)
		collect(err)
	})
	t.Run("store failure while refreshing", func(t *testing.T) {
		f := newFakeWeChat(t)
		c := newTestClient(t, f, WithLogger(logger), WithStore(failingStore{}))
		_, err := c.CardTicket(t.Context())
		require.NoError(t, err, "a failing store does not stop the client")
	})

	require.NotEmpty(t, errs)
	for _, err := range errs {
		assert.NotRegexp(t, secretPattern, err.Error())
	}
	out := logs.String()
	require.Contains(t, out, "REDACTED", "the logs did see secret-bearing URLs")
	require.Contains(t, out, "level=WARN")
	assert.NotRegexp(t, secretPattern, out)
	if t.Failed() {
		t.Logf("logs:\n%s", out)
	}
}

// failingStore fails every operation, as a store whose server is down.
type failingStore struct{}

var errStoreDown = &url.Error{Op: "dial", URL: "redis://127.0.0.1:1", Err: context.DeadlineExceeded}

func (failingStore) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errStoreDown
}
func (failingStore) Set(context.Context, string, []byte, time.Duration) error {
	return errStoreDown
}
func (failingStore) Delete(context.Context, string) error { return errStoreDown }

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://api.weixin.qq.com/card/get?access_token=abc", "https://api.weixin.qq.com/card/get?access_token=REDACTED"},
		{"https://x/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=s", "https://x/cgi-bin/token?appid=wx1&grant_type=client_credential&secret=REDACTED"},
		{"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQ%3D%3D", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=REDACTED"},
		{"https://user:pw@x/p?jsapi_ticket=1#frag", "https://x/p?jsapi_ticket=REDACTED"},
		{"https://x/p?type=wx_card", "https://x/p?type=wx_card"},
		{"http://[::1%zz/p?access_token=abc", "http://[::1%zz/p?REDACTED"},
		{"https://x/p?a=1;access_token=abc&ACCESS%5FTOKEN=def&b", "https://x/p?a=1;access_token=REDACTED&ACCESS%5FTOKEN=REDACTED&b"},
		{"https://x/p?secret", "https://x/p?secret=REDACTED"},
		{"https://u:secretpw@x/%zz?access_token=abc", "https://x/%zz?REDACTED"},
		{"//:@#%", "//?REDACTED"},
		{"u:pw@host/%zz", "u:host/%zz"},
		// An empty authority, then a path that would read back as one.
		{"//@//user:secret-pw@host/p?access_token=1", "//host/p?REDACTED"},
		{"//@//:@", "//"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, redactURL(tt.in), tt.in)
	}
}

// echoingStore fails every write with an error that quotes the key and
// value it was given, as a careless custom store might.
type echoingStore struct{ kv.Store }

func (echoingStore) Set(_ context.Context, key string, value []byte, _ time.Duration) error {
	return fmt.Errorf("store refused %s=%s (app secret %s)", key, value, testSecret)
}

// TestStoreErrorsAreScrubbed: a store error that quotes the credential it
// was asked to keep, or the app secret, is logged without them.
func TestStoreErrorsAreScrubbed(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, f, WithStore(echoingStore{kv.NewMemory()}), WithLogger(logger))
	tk, err := c.CardTicket(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, tk)
	out := logs.String()
	assert.Contains(t, out, "store write failed")
	assert.Contains(t, out, "REDACTED", "the echoed values were replaced")
	assert.Empty(t, secretPattern.FindAllString(out, -1), "no secret in the logs:\n%s", out)
}
