package admin

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/jsonlite"
)

// The js/wasm build decodes the credential path with wire_lite.go; these
// hold it to encoding/json, which native builds use, on the same inputs.

var wireSeeds = []string{
	``, `null`, `[]`, `"x"`, `7`, `{}`, `{"errcode":0,"errmsg":"ok"}`, `{"errcode":40001,"errmsg":"invalid credential"}`,
	`{"errcode":"45009","errmsg":"quota"}`, `{"errcode":" -1 ","errmsg":"busy"}`, `{"errcode":null}`, `{"errcode":true}`,
	`{"errcode":1.5}`, `{"errcode":{}}`, `{"errmsg":7}`, `{"ERRCODE":42001,"ErrMsg":"expired"}`, `{"errcode":1,"errcode":2}`,
	`{"errmsg":"a","errmsg":null}`, `{"errcode":"\u0034\u0030"}`, `{"errcode":1} x`, `{"errcode":`, "{\"errmsg\":\"\xff\"}",
	`{"access_token":"ACCESS","expires_in":7200}`, `{"access_token":"A","expires_in":"7200"}`, `{"access_token":"A","expires_in":null}`,
	`{"access_token":"A","expires_in":"x"}`, `{"access_token":5,"expires_in":7200}`, `{"Access_Token":"A","EXPIRES_IN":1}`,
	`{"ticket":"T","expires_in":7200,"errcode":0,"errmsg":"ok"}`, `{"ticket":"T\u003c","expires_in":1e3}`,
	`{"v":"TICKET","exp":1700007200,"iat":1700000000,"gen":"0123456789abcdef"}`, `{"v":"T","exp":1.5}`, `{"v":"T","exp":"1"}`,
	`{"v":"T","exp":9223372036854775808}`, `{"v":"T","exp":-1,"iat":null,"gen":null}`, `{"ſ":"x","V":"y"}`,
}

// FuzzWireLite holds wire_lite to encoding/json; plain go test runs it on
// wireSeeds.
func FuzzWireLite(f *testing.F) {
	for _, s := range wireSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(assertWireLite)
}

func assertWireLite(t *testing.T, raw []byte) {
	t.Helper()
	code, msg, ok := peekErrcodeLite(raw)
	stdCode, stdMsg, stdOK := peekErrcode(raw)
	assert.Equal(t, []any{stdCode, stdMsg, stdOK}, []any{code, msg, ok}, "peekErrcode %q", raw)

	var tok, stdTok tokenResponse
	err, stdErr := tok.decodeLite(raw), json.Unmarshal(raw, &stdTok)
	assert.Equal(t, stdErr == nil, err == nil, "token %q: %v / %v", raw, stdErr, err)
	if stdErr == nil {
		assert.Equal(t, stdTok, tok, "token %q", raw)
	}

	var tic, stdTic ticketResponse
	err, stdErr = tic.decodeLite(raw), json.Unmarshal(raw, &stdTic)
	assert.Equal(t, stdErr == nil, err == nil, "ticket %q: %v / %v", raw, stdErr, err)
	if stdErr == nil {
		assert.Equal(t, stdTic, tic, "ticket %q", raw)
	}

	var e, stdE entry
	err, stdErr = decodeEntryLite(raw, &e), json.Unmarshal(raw, &stdE)
	assert.Equal(t, stdErr == nil, err == nil, "entry %q: %v / %v", raw, stdErr, err)
	if stdErr == nil {
		assert.Equal(t, stdE, e, "entry %q", raw)
		// What the cache writes, it reads back; and it writes as Marshal.
		want, merr := json.Marshal(stdE)
		require.NoError(t, merr)
		assert.Equal(t, string(want), string(appendEntryJSON(nil, stdE)))
		var back entry
		require.NoError(t, decodeEntryLite(appendEntryJSON(nil, stdE), &back))
		assert.Equal(t, stdE, back)
	}
	assert.Equal(t, json.Valid(raw), jsonlite.Check(raw) == nil, "valid %q", raw)
}

func TestStableTokenRequestJSON(t *testing.T) {
	t.Parallel()
	for _, r := range []stableTokenRequest{
		{GrantType: "client_credential", AppID: "wx0123456789abcdef", Secret: "0123456789abcdef0123456789abcdef"},
		{GrantType: "client_credential", AppID: "wx<&>", Secret: "s\"\\\u2028\xff", ForceRefresh: true},
	} {
		want, err := encodeJSON(r)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(r.appendJSON(nil)))
	}
}
