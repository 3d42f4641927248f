package signer_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

// ParseCardExt reads JSON with its own small scanner (encoding/json is too
// large for the WebAssembly build); encoding/json is the reference it must
// agree with.

type stdCardExt struct {
	Code      *string `json:"code"`
	OpenID    *string `json:"openid"`
	NonceStr  *string `json:"nonce_str"`
	Signature *string `json:"signature"`
	OuterStr  *string `json:"outer_str"`
}

func checkAgainstEncodingJSON(t *testing.T, doc string) {
	t.Helper()
	parsed, err := signer.ParseCardExt(doc)
	trimmed := strings.TrimLeft(doc, " \t\r\n")
	isObject := json.Valid([]byte(doc)) && strings.HasPrefix(trimmed, "{")
	if err != nil {
		msg := err.Error()
		syntax := strings.Contains(msg, "not valid JSON") || strings.Contains(msg, "not a JSON object") || strings.Contains(msg, "data after")
		if syntax && isObject {
			t.Fatalf("rejected valid JSON %q: %v", doc, err)
		}
		return
	}
	if !isObject {
		t.Fatalf("accepted invalid JSON or a non-object: %q", doc)
	}
	// Keys match exactly, as in JavaScript; encoding/json's struct decoding
	// would also match "Code" to code.
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(doc), &raw))
	var std stdCardExt
	for name, dst := range map[string]**string{"code": &std.Code, "openid": &std.OpenID, "nonce_str": &std.NonceStr, "signature": &std.Signature, "outer_str": &std.OuterStr} {
		if v, ok := raw[name]; ok {
			var s *string
			if json.Unmarshal(v, &s) != nil {
				return // a type mismatch is checked elsewhere
			}
			*dst = s
		}
	}
	for _, f := range []struct {
		name      string
		ours, std *string
	}{{"code", &parsed.Code, std.Code}, {"openid", &parsed.OpenID, std.OpenID}, {"nonce_str", &parsed.NonceStr, std.NonceStr}, {"signature", &parsed.Signature, std.Signature}, {"outer_str", &parsed.OuterStr, std.OuterStr}} {
		if f.std != nil && *f.ours != *f.std {
			t.Fatalf("%s: %q, encoding/json says %q (doc %q)", f.name, *f.ours, *f.std, doc)
		}
	}
}

func TestParseCardExtAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{}`, ` { } `, `{"code":"a\"b\\c\/d\b\f\n\r\t"}`, `{"code":"\u4e2d\u6587"}`, `{"code":"\ud83d\ude00"}`,
		`{"code":"\ud83d"}`, `{"code":"\ude00x"}`, `{"code":"\ud83d\u0041"}`, "{\"code\":\"\xff\xfe\"}", `{"code":"a","code":"b"}`,
		`{"x":[1,{"y":[true,false,null,-0.5e+3]}],"code":"z"}`, `{"timestamp":01}`, `{"timestamp":-}`, `{"timestamp":1.}`,
		`{"timestamp":1e}`, `{"code":"\x"}`, `{"code":"\u12"}`, "{\"code\":\"a\nb\"}", `{"code" "a"}`, `{"code":"a",}`,
		`{,}`, `{"a":1 "b":2}`, `[1]`, `"str"`, `{"a":tru}`, `{"a":nul}`, `{} x`, `{"a":{}}`, `{"a":[]}`, `{"a":[1,]}`,
		`{"timestamp":"1404896688","nonce_str":"123","signature":"abc","openid":null}`,
	}
	for _, d := range docs {
		checkAgainstEncodingJSON(t, d)
	}
	_, err := signer.ParseCardExt(`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`)
	require.ErrorIs(t, err, signer.ErrInvalidInput)
	assert.Contains(t, err.Error(), "nests too deeply")
	p, err := signer.ParseCardExt(`{"code":"\ud83d\ude00","balance":"12","fixed_begintimestamp":5,"timestamp":"7"}`)
	require.NoError(t, err)
	assert.Equal(t, "😀", p.Code)
	assert.Equal(t, int64(12), *p.Balance)
	assert.Equal(t, int64(5), p.FixedBeginTimestamp)
	assert.Equal(t, int64(7), p.TimestampValue)
}

func FuzzParseCardExt(f *testing.F) {
	f.Add(`{"code":"1","timestamp":"1","nonce_str":"n","signature":"s"}`)
	f.Add(`{"x":[{"y":"\ud83d\ude00"}],"openid":null,"balance":1e2}`)
	f.Fuzz(func(t *testing.T, doc string) {
		checkAgainstEncodingJSON(t, doc)
	})
}
