package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gzipLen(tb testing.TB, b []byte) int {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(tb, err)
	_, err = zw.Write(b)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Len()
}

func TestAppendStringMatchesJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "tab\tnl\ncr\r", "\x00\x01\x1f", "卡券 é", "<&>", "\u2028"} {
		var back string
		require.NoError(t, json.Unmarshal(appendString(nil, s), &back), "%q", s)
		assert.Equal(t, s, back)
	}
}

// FuzzRequest feeds arbitrary bytes to every operation: the answer is
// always one JSON object with either "ok" or a coded "error", never a panic,
// and never an error message quoting the input's ticket.
func FuzzRequest(f *testing.F) {
	gen := newCaseGen(1)
	for range 40 {
		_, req := gen.next()
		f.Add(uint8(gen.r.IntN(10)), req)
	}
	f.Add(uint8(1), []byte(`{"api_ticket":"SECRETTICKET","card_id":"x","card_id":"y"}`))
	f.Add(uint8(6), []byte(`{"api_ticket":"SECRETTICKET","card_id":"x","card_ext":"{\"timestamp\":1e99}"}`))
	f.Add(uint8(4), []byte(`{"jsapi_ticket":"SECRETTICKET","app_id":"a","url":"http://[::1"}`))
	f.Add(uint8(2), []byte("{\"cards\":[{\"balance\":\"-0\"}],\"nonces\":null}"))
	f.Add(uint8(7), []byte(`{"jsapi_ticket":"SECRETTICKET","api_ticket":"SECRETTICKET","url":"http://h/#f","timestamp":1e3,"nonce_str":null,"signature":"S"}`))
	f.Add(uint8(8), []byte(`{"api_ticket":"SECRETTICKET","app_id":"a","card_id":null,"timestamp":"0017","sign_type":"MD5","card_sign":"x"}`))
	var h handler
	f.Fuzz(func(t *testing.T, which uint8, req []byte) {
		resp := h.handle(op(which%10), req)
		require.True(t, utf8.Valid(resp), "%q", resp)
		var r map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(resp, &r), "%s", resp)
		require.Len(t, r, 1)
		if raw, ok := r["error"]; ok {
			var e struct{ Code, Message string }
			require.NoError(t, json.Unmarshal(raw, &e))
			require.NotEmpty(t, e.Code)
			require.NotEmpty(t, e.Message)
			require.NotContains(t, e.Message, "SECRETTICKET")
		} else {
			require.Contains(t, r, "ok")
		}
	})
}
