package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkOpen: verify msg_signature and decrypt one user_get_card push.
func BenchmarkOpen(b *testing.B) {
	c, err := NewCrypter(testToken, testAESKey, testAppID)
	require.NoError(b, err)
	enc, err := c.Encrypt([]byte(userGetCard("111")))
	require.NoError(b, err)
	sig := c.MsgSignature("1700000000", "n", enc)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Open(sig, "1700000000", "n", enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse: the plaintext XML into a Message and its typed event.
func BenchmarkParse(b *testing.B) {
	raw := []byte(userGetCard("111"))
	b.ReportAllocs()
	for b.Loop() {
		msg, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := msg.CardEvent(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServePush: a whole safe-mode push through the Handler with the
// in-memory dedup store, each push a new one.
func BenchmarkServePush(b *testing.B) {
	wc := newWeChat(b)
	h, err := NewHandler(testToken, func(context.Context, *Message) error { return nil },
		WithSafeMode(testAESKey, testAppID), WithClock(testClock))
	require.NoError(b, err)
	sealed := make([]*Sealed, 1024)
	for i := range sealed {
		sealed[i], err = wc.crypter.Seal([]byte(userGetCard(strconv.Itoa(i))), "gh_test", strconv.Itoa(testNow), "n")
		require.NoError(b, err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := sealed[i%len(sealed)]
		if i%len(sealed) == 0 && i > 0 {
			b.StopTimer()
			h, err = NewHandler(testToken, func(context.Context, *Message) error { return nil },
				WithSafeMode(testAESKey, testAppID), WithClock(testClock))
			require.NoError(b, err)
			b.StartTimer()
		}
		i++
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/wechat?"+s.Query.Encode(), strings.NewReader(string(s.Body))))
		if w.Body.String() != "success" {
			b.Fatal(w.Body.String())
		}
	}
}
