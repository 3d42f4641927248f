package emulator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wxcard/wxcard/emulator"
)

// BenchmarkPush is one card event from the state change to the answer of a
// loopback server URL: queueing under the lock, the XML, signing (and in
// safe mode AES-256-CBC sealing), the POST and the push log. The receiver
// only reads the body, so this is the emulator's side of a push.
func BenchmarkPush(b *testing.B) {
	for _, mode := range []emulator.PushMode{emulator.PushPlaintext, emulator.PushSafe} {
		b.Run(string(mode), func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, "success")
			}))
			defer srv.Close()
			be := newBenchEmulator(b)
			err := be.emu.SetPushConfig(b.Context(), testAppID, emulator.PushConfig{
				URL: srv.URL, Token: pushToken, EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Mode: mode,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := be.emu.Approve(b.Context(), testAppID, be.cardID); err != nil {
					b.Fatal(err)
				}
				if err := be.emu.WaitPushes(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
