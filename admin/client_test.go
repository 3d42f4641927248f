package admin

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		appID  string
		secret string
		opts   []Option
		field  string
	}{
		{"empty app id", "", "s", nil, "app_id"},
		{"empty secret", "wx1", "", nil, "app_secret"},
		{"space in app id", "wx 1", "s", nil, "app_id"},
		{"newline in secret", "wx1", "s\n", nil, "app_secret"},
		{"huge app id", string(make([]byte, 200)), "s", nil, "app_id"},
		{"nil option", "wx1", "s", []Option{nil}, ""},
		{"relative base", "wx1", "s", []Option{WithBaseURL("/api/")}, "base_url"},
		{"ftp base", "wx1", "s", []Option{WithBaseURL("ftp://x/")}, "base_url"},
		{"base with query", "wx1", "s", []Option{WithBaseURL("https://x/?a=1")}, "base_url"},
		{"base with user", "wx1", "s", []Option{WithBaseURL("https://u:p@x/")}, "base_url"},
		{"unparsable base", "wx1", "s", []Option{WithBaseURL("http://[::1")}, "base_url"},
		{"nil http client", "wx1", "s", []Option{WithHTTPClient(nil)}, "http_client"},
		{"nil store", "wx1", "s", []Option{WithStore(nil)}, "store"},
		{"bad token mode", "wx1", "s", []Option{WithTokenMode(TokenMode(7))}, "token_mode"},
		{"nil logger", "wx1", "s", []Option{WithLogger(nil)}, "logger"},
		{"nil clock", "wx1", "s", []Option{WithClock(nil)}, "clock"},
		{"nil signer", "wx1", "s", []Option{WithSigner(nil)}, "signer"},
		{"tiny body limit", "wx1", "s", []Option{WithMaxResponseBytes(10, 1<<20)}, "max_response_bytes"},
		{"negative margin", "wx1", "s", []Option{WithRefreshMargin(-time.Second)}, "refresh_margin"},
		{"huge margin", "wx1", "s", []Option{WithRefreshMargin(2 * time.Hour)}, "refresh_margin"},
		{"tiny lock ttl", "wx1", "s", []Option{WithRefreshLock(time.Millisecond, time.Second)}, "lock_ttl"},
		{"negative lock wait", "wx1", "s", []Option{WithRefreshLock(time.Second, -1)}, "lock_wait"},
		{"too many retries", "wx1", "s", []Option{WithBusyRetry(11, 0)}, "busy_retries"},
		{"negative backoff", "wx1", "s", []Option{WithBusyRetry(1, -1)}, "busy_backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.appID, tt.secret, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			if tt.field != "" {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.field, ve.Field)
				assert.ErrorIs(t, err, ErrInvalidInput)
			}
			assert.NotContains(t, err.Error(), "u:p")
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient("wx1234", "secret")
	require.NoError(t, err)
	assert.Equal(t, "wx1234", c.AppID())
	assert.Equal(t, DefaultBaseURL, c.baseURL.String())
	assert.Equal(t, TokenModeStable, c.tokenMode)
	assert.NotNil(t, c.locker, "the default memory store coordinates goroutines too")
	for _, s := range []any{c.Card, c.Code, c.GeneralCard, c.MemberCard, c.SubMerchant, c.BoardingPass, c.MeetingTicket, c.MovieTicket, c.JSSDK} {
		assert.NotNil(t, s)
	}
	assert.Same(t, c, c.Card.client)
	assert.Same(t, c, c.JSSDK.client)

	c, err = NewClient("wx1234", "secret", WithBaseURL("http://127.0.0.1:9/emulator"), WithHTTPClient(http.DefaultClient))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9/emulator/", c.baseURL.String(), "a trailing slash is added")
}

func TestTokenModeString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "stable", TokenModeStable.String())
	assert.Equal(t, "classic", TokenModeClassic.String())
	assert.Equal(t, "TokenMode(9)", TokenMode(9).String())
}

func TestNilContext(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	//lint:ignore SA1012 a nil ctx is what this test checks
	_, err := c.AccessToken(nil)
	assert.ErrorIs(t, err, ErrInvalidInput)
	//lint:ignore SA1012 a nil ctx is what this test checks
	_, err = c.CardTicket(nil)
	assert.ErrorIs(t, err, ErrInvalidInput)
	//lint:ignore SA1012 a nil ctx is what this test checks
	assert.ErrorIs(t, c.get(nil, "x", nil, nil), ErrInvalidInput)
	assert.EqualValues(t, 0, f.tokenFetches())
}

func TestAbsolutePathIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	for _, p := range []string{"/card/get", "https://evil.example/card/get", "card/get?x=1"} {
		err := c.get(t.Context(), p, nil, nil)
		require.Error(t, err, p)
		assert.Contains(t, err.Error(), "relative")
	}
}
