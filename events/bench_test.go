package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
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

// BenchmarkServePush: a whole safe-mode push through the Handler, each
// push a new one, deduplicated in memory or in a real redis-server.
func BenchmarkServePush(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		benchServePush(b, func() Option { return WithStore(kv.NewMemory()) })
	})
	b.Run("redis", func(b *testing.B) {
		srv := kvtest.StartRedis(b)
		store, err := kv.NewRedis(srv.URL())
		require.NoError(b, err)
		b.Cleanup(func() { _ = store.Close() })
		benchServePush(b, func() Option {
			require.NoError(b, srv.FlushAll(b.Context()))
			return WithStore(store)
		})
	})
}

// benchServePush replays 1024 distinct pushes, with a fresh store each
// round so that none is a duplicate.
func benchServePush(b *testing.B, freshStore func() Option) {
	wc := newWeChat(b)
	sealed := make([]*Sealed, 1024)
	for i := range sealed {
		var err error
		sealed[i], err = wc.crypter.Seal([]byte(userGetCard(strconv.Itoa(i))), "gh_test", strconv.Itoa(testNow), "n")
		require.NoError(b, err)
	}
	newHandler := func() *Handler {
		h, err := NewHandler(testToken, func(context.Context, *Message) error { return nil },
			WithSafeMode(testAESKey, testAppID), WithClock(testClock), freshStore())
		require.NoError(b, err)
		return h
	}
	h := newHandler()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(sealed) == 0 && i > 0 {
			b.StopTimer()
			h = newHandler()
			b.StartTimer()
		}
		s := sealed[i%len(sealed)]
		i++
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/wechat?"+s.Query.Encode(), strings.NewReader(string(s.Body))))
		if w.Body.String() != "success" {
			b.Fatal(w.Body.String())
		}
	}
}
