package oauth

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answerWith is a transport that answers every request with body: a stub
// for fuzzing the one function that decodes WeChat's answers.
type answerWith []byte

func (a answerWith) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(a)), Header: http.Header{}, Request: r}, nil
}

// FuzzDecodeAnswer: no answer makes Exchange panic, and whatever it
// returns is a token with an openid or an error without the secret.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"access_token":"A","expires_in":7200,"refresh_token":"R","openid":"o","scope":"snsapi_base","is_snapshotuser":1}`))
	f.Add([]byte(`{"errcode":40163,"errmsg":"code been used"}`))
	f.Add([]byte(`{"errcode":"40029"}`))
	f.Add([]byte(`{"openid":"o","access_token":"a","expires_in":"-5"}`))
	f.Add([]byte(`{"openid":"o","access_token":"a","expires_in":99999999999999999999}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := NewClient(testAppID, testSecret, WithHTTPClient(&http.Client{Transport: answerWith(body)}),
			WithClock(func() time.Time { return testNow }))
		require.NoError(t, err)
		tok, err := c.Exchange(t.Context(), "code")
		if err != nil {
			assert.NotContains(t, err.Error(), testSecret)
			return
		}
		assert.NotEmpty(t, tok.OpenID)
		assert.True(t, tok.Expiry.After(testNow))
	})
}

// FuzzCallback: no cookie, state or next makes the LoginHandler panic, and
// no callback reaches OnLogin without a cookie this handler signed.
func FuzzCallback(f *testing.F) {
	f.Add("AAAAAGVT8QAAAAAAAAAAAAAAAAAAAAAALw.bWFj", "0123456789abcdef0123456789abcdef", "/next")
	f.Add("", "", "//evil")
	f.Add("..", "x", "/\\x")
	f.Fuzz(func(t *testing.T, cookie, state, next string) {
		c, err := NewClient(testAppID, testSecret, WithHTTPClient(&http.Client{Transport: answerWith(`{"openid":"o","access_token":"a"}`)}))
		require.NoError(t, err)
		h, err := NewLoginHandler(c, LoginConfig{Scope: ScopeBase, CallbackURL: "https://shop.example/cb", StateKey: testStateKey,
			Now: func() time.Time { return testNow },
			OnLogin: func(http.ResponseWriter, *http.Request, *Login) {
				t.Fatalf("OnLogin reached with a cookie this handler never issued")
			}})
		require.NoError(t, err)

		r, err := http.NewRequest(http.MethodGet, "/cb?code=c&state="+url.QueryEscape(state), nil)
		require.NoError(t, err)
		r.Header.Set("Cookie", "wxcard_oauth="+cookie)
		h.ServeHTTP(discard{}, r)

		r, err = http.NewRequest(http.MethodGet, "/start?next="+url.QueryEscape(next), nil)
		require.NoError(t, err)
		h.ServeHTTP(discard{}, r)
		if got, ok := localPath(next); ok {
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Empty(t, u.Host, "next %q leaves the site", next)
			assert.True(t, strings.HasPrefix(got, "/") && !strings.HasPrefix(got, "//"))
		}
	})
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
