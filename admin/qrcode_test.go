package admin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real ticket ends in "==" and may hold "+" and "/".
const tQRTicket = "gQHB8DoAAAAAAAAAASxodHRwOi8v+d2VpeGluLnFxLmNvbS9xL0JIV3lh/AAIEsNnKVQMEIAMAAA=="

func TestQRCodeURL(t *testing.T) {
	t.Parallel()
	const encoded = "gQHB8DoAAAAAAAAAASxodHRwOi8v%2Bd2VpeGluLnFxLmNvbS9xL0JIV3lh%2FAAIEsNnKVQMEIAMAAA%3D%3D"
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"default host", nil, "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + encoded},
		{"explicit", []Option{WithMPBaseURL("http://127.0.0.1:9/mp")}, "http://127.0.0.1:9/mp/cgi-bin/showqrcode?ticket=" + encoded},
		{"follows a custom base URL", []Option{WithBaseURL("http://127.0.0.1:8081/wechat/")}, "http://127.0.0.1:8081/wechat/cgi-bin/showqrcode?ticket=" + encoded},
		{"explicit wins over base URL", []Option{WithBaseURL("http://127.0.0.1:8081/"), WithMPBaseURL("https://mp.example.com/")}, "https://mp.example.com/cgi-bin/showqrcode?ticket=" + encoded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(testAppID, testSecret, tt.opts...)
			require.NoError(t, err)
			got, err := c.Card.QRCodeURL(tQRTicket)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	_, err = c.Card.QRCodeURL("")
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = c.Card.QRCodeURL(strings.Repeat("A", 1025))
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestWithMPBaseURLValidation(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "mp.weixin.qq.com", "ftp://mp.weixin.qq.com/", "https://mp.weixin.qq.com/?a=b", "https://u:p@mp.weixin.qq.com/"} {
		_, err := NewClient(testAppID, testSecret, WithMPBaseURL(raw))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, raw)
		assert.Equal(t, "mp_base_url", ve.Field)
	}
}

// mpServer stands in for mp.weixin.qq.com under a non-empty base path.
func mpServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/mpbase/cgi-bin/showqrcode", h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/mpbase/"
}

func TestQRCodeImage(t *testing.T) {
	t.Parallel()
	png := fixture(t, "showqrcode.png")
	var gotMethod, gotRawQuery string
	mp := mpServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotRawQuery = r.Method, r.URL.RawQuery
		if r.URL.Query().Get("ticket") != tQRTicket {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	f := newFakeWeChat(t)
	c := newTestClient(t, f, WithMPBaseURL(mp))

	img, ct, err := c.Card.QRCode(t.Context(), tQRTicket)
	require.NoError(t, err)
	assert.Equal(t, png, img)
	assert.Equal(t, "image/png", ct)
	assert.Equal(t, http.MethodGet, gotMethod)
	assert.Equal(t, "ticket=gQHB8DoAAAAAAAAAASxodHRwOi8v%2Bd2VpeGluLnFxLmNvbS9xL0JIV3lh%2FAAIEsNnKVQMEIAMAAA%3D%3D", gotRawQuery,
		"the ticket is URL-encoded and no access_token is sent")
	assert.Zero(t, f.tokenFetches(), "showqrcode needs no access token")
}

func TestQRCodeImageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		serve http.HandlerFunc
		check func(t *testing.T, err error)
	}{
		{"unknown ticket", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, func(t *testing.T, err error) {
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, http.StatusNotFound, he.StatusCode)
		}},
		{"errcode body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"errcode":40097,"errmsg":"invalid args"}`))
		}, func(t *testing.T, err error) {
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 40097, ae.Code)
			assert.Equal(t, "cgi-bin/showqrcode", ae.Op)
		}},
		{"empty image", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
		}, func(t *testing.T, err error) {
			var de *DecodeError
			require.ErrorAs(t, err, &de)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := mpServer(t, tt.serve)
			c := newTestClient(t, newFakeWeChat(t), WithMPBaseURL(mp))
			img, ct, err := c.Card.QRCode(t.Context(), tQRTicket)
			assert.Nil(t, img)
			assert.Empty(t, ct)
			tt.check(t, err)
			assert.NotContains(t, err.Error(), "gQHB8Do", "the ticket never appears in an error")
		})
	}
}

// A transport failure names the URL, with the ticket redacted.
func TestQRCodeImageNetworkErrorRedactsTicket(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + "/"
	srv.Close()
	c := newTestClient(t, newFakeWeChat(t), WithMPBaseURL(base))
	_, _, err := c.Card.QRCode(t.Context(), tQRTicket)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrInvalidInput))
	assert.NotContains(t, err.Error(), "gQHB8Do")
}
