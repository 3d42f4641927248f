package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type cardGetResult struct {
	Card struct {
		CardType string `json:"card_type"`
	} `json:"card"`
}

func TestPostSendsUnescapedJSONWithToken(t *testing.T) {
	f := newFakeWeChat(t)
	var gotBody, gotCT string
	f.handle("POST card/get", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		gotBody = readAll(t, r.Body)
		gotCT = r.Header.Get("Content-Type")
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "card": map[string]any{"card_type": "GROUPON"}})
	})
	c := newTestClient(t, f)
	var out cardGetResult
	err := c.post(t.Context(), "card/get", map[string]string{"card_id": "p<1>&"}, &out, readCall)
	require.NoError(t, err)
	assert.Equal(t, "GROUPON", out.Card.CardType)
	assert.Equal(t, `{"card_id":"p<1>&"}`, gotBody)
	assert.Equal(t, "application/json; charset=utf-8", gotCT)
	assert.EqualValues(t, 1, f.tokenFetches())
}

func TestGetAddsQueryAndToken(t *testing.T) {
	f := newFakeWeChat(t)
	var gotQuery url.Values
	f.handle("GET card/getcolors", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		gotQuery = r.URL.Query()
		writeJSON(w, map[string]any{"errcode": "0", "errmsg": "ok"})
	})
	c := newTestClient(t, f)
	require.NoError(t, c.get(t.Context(), "card/getcolors", url.Values{"a": {"b c"}}, nil))
	assert.Equal(t, "b c", gotQuery.Get("a"))
	assert.NotEmpty(t, gotQuery.Get("access_token"))
}

func TestErrcodeForms(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		code    int // 0: success
		decodeE bool
	}{
		{"number zero", `{"errcode":0,"errmsg":"ok"}`, 0, false},
		{"missing", `{"x":1}`, 0, false},
		{"string zero", `{"errcode":"0","errmsg":"ok"}`, 0, false},
		{"number", `{"errcode":40073,"errmsg":"invalid card id"}`, 40073, false},
		{"numeric string", `{"errcode":"40073","errmsg":"invalid card id"}`, 40073, false},
		{"busy", `{"errcode":-1,"errmsg":"system error"}`, -1, false},
		{"non-numeric string", `{"errcode":"abc"}`, 0, true},
		{"html", `<html><body>502 Bad Gateway</body></html>`, 0, true},
		{"truncated", `{"errcode":0,"errmsg":"o`, 0, true},
		{"array", `[1,2]`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeWeChat(t)
			f.handle("POST card/x", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			})
			c := newTestClient(t, f, WithBusyRetry(0, 0))
			err := c.post(t.Context(), "card/x", struct{}{}, nil, writeCall)
			switch {
			case tt.decodeE:
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, "card/x", de.Op)
			case tt.code == 0:
				require.NoError(t, err)
			default:
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.code, ae.Code)
				assert.Equal(t, "card/x", ae.Op)
				assert.True(t, errors.Is(err, &APIError{Code: tt.code}))
			}
		})
	}
}

func TestAPIErrorIs(t *testing.T) {
	err := error(&APIError{Op: "card/code/consume", Code: 45009, Msg: "quota"})
	assert.ErrorIs(t, err, ErrQuotaExceeded)
	assert.NotErrorIs(t, err, ErrInvalidCredential)
	assert.Equal(t, "wxcard: card/code/consume: errcode=45009 errmsg=quota", err.Error())
	var ve error = invalidArg("card_id", "is required")
	assert.ErrorIs(t, ve, ErrInvalidInput)
	assert.EqualError(t, ve, "wxcard: invalid card_id: is required")
}

func TestRejectedTokenRefreshesOnceAndRetries(t *testing.T) {
	f := newFakeWeChat(t)
	var calls int
	f.handle("POST card/code/consume", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if !f.authorized(w, r) {
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "o1"})
	})
	c := newTestClient(t, f)
	first, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	f.revoke(first) // WeChat no longer accepts it; stable_token issues a new one

	var out struct {
		OpenID string `json:"openid"`
	}
	require.NoError(t, c.post(t.Context(), "card/code/consume", map[string]string{"code": "1"}, &out, writeCall))
	assert.Equal(t, "o1", out.OpenID)
	assert.Equal(t, 2, calls, "one rejected call, one retry")
	assert.EqualValues(t, 2, f.tokenFetches())
	second, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
}

func TestRejectedTwiceReturnsError(t *testing.T) {
	f := newFakeWeChat(t)
	var calls int
	f.handle("POST card/code/consume", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeErrcode(w, 40001, "invalid credential")
	})
	c := newTestClient(t, f)
	err := c.post(t.Context(), "card/code/consume", map[string]string{"code": "1"}, nil, writeCall)
	require.ErrorIs(t, err, ErrInvalidCredential)
	assert.Equal(t, 2, calls, "one retry, not a loop")
	assert.EqualValues(t, 2, f.tokenFetches())
}

func TestBusyRetriedForReadsOnly(t *testing.T) {
	for _, tt := range []struct {
		kind  callKind
		calls int
	}{{readCall, 3}, {writeCall, 1}} {
		f := newFakeWeChat(t)
		calls := 0
		f.handle("POST card/y", func(w http.ResponseWriter, r *http.Request) {
			calls++
			writeErrcode(w, -1, "system error")
		})
		c := newTestClient(t, f)
		err := c.post(t.Context(), "card/y", struct{}{}, nil, tt.kind)
		require.ErrorIs(t, err, ErrSystemBusy)
		assert.Equal(t, tt.calls, calls)
	}
}

func TestEncodeJSONNoHTMLEscape(t *testing.T) {
	b, err := encodeJSON(map[string]string{"t": "<a>&中文"})
	require.NoError(t, err)
	assert.Equal(t, `{"t":"<a>&中文"}`, string(b))
	assert.True(t, json.Valid(b))
}
