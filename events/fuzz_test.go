package events

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func addEventSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.xml"))
	require.NoError(f, err)
	for _, name := range files {
		raw, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(raw)
	}
}

// FuzzParse: no input makes Parse or CardEvent panic, and whatever parses
// has the fields deduplication needs.
func FuzzParse(f *testing.F) {
	addEventSeeds(f)
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>user_get_card</Event><OuterId>x</OuterId></xml>`))
	f.Add([]byte(`<xml><a><b><c>deep</c></b></a></xml>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := Parse(raw)
		if err != nil {
			assert.ErrorIs(t, err, ErrXML)
			return
		}
		assert.NotEmpty(t, msg.FromUserName)
		assert.NotEmpty(t, msg.MsgType)
		assert.NotEmpty(t, msg.DedupKey())
		_, _ = msg.CardEvent()
	})
}

// FuzzDecrypt: no ciphertext makes Decrypt panic; a failure is ErrDecrypt.
func FuzzDecrypt(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.Encrypt)
	}
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	c, err := NewCrypter(testToken, testAESKey, testAppID)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, encrypted string) {
		msg, appID, err := c.Decrypt(encrypted)
		if err != nil {
			assert.ErrorIs(t, err, ErrDecrypt)
			assert.Nil(t, msg)
			assert.Empty(t, appID)
		}
	})
}

// FuzzRoundTrip: whatever is sealed opens to the same bytes and app id.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("<xml/>"), "wx2c2769f8efd9abc2", "1409735669", "1320562132")
	f.Add([]byte{}, "a", "", "")
	f.Add(bytes.Repeat([]byte{0xff}, 33), "wx\x00", "0", "n")
	f.Fuzz(func(t *testing.T, msg []byte, appID, ts, nonce string) {
		if appID == "" {
			return
		}
		c, err := NewCrypter(testToken, testAESKey, appID)
		require.NoError(t, err)
		enc, err := c.Encrypt(msg)
		require.NoError(t, err)
		opened, err := c.Open(c.MsgSignature(ts, nonce, enc), ts, nonce, enc)
		require.NoError(t, err)
		assert.Equal(t, string(msg), string(opened))
	})
}

// FuzzPush: a correctly signed push with any body gets an answer, never a
// panic, and the callback sees only what parsed.
func FuzzPush(f *testing.F) {
	addEventSeeds(f)
	f.Add([]byte("<xml>"))
	f.Add([]byte{})
	wc := newWeChat(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		handled := false
		h, err := NewHandler(testToken, func(_ context.Context, msg *Message) error {
			handled = true
			assert.True(t, utf8.Valid([]byte(msg.FromUserName)))
			return nil
		}, WithClock(testClock))
		require.NoError(t, err)
		ts := strconv.Itoa(testNow)
		q := PlainQuery(wc.token, ts, "n")
		r := httptest.NewRequest(http.MethodPost, "/wechat?"+q.Encode(), bytes.NewReader(body))
		w := serve(h, r)
		require.NoError(t, h.Wait(t.Context()))
		switch w.Code {
		case http.StatusOK:
			assert.Equal(t, "success", w.Body.String())
			assert.True(t, handled)
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			assert.False(t, handled)
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
