package jsonlite_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/jsonlite"
)

var seeds = []string{
	``, ` `, `{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e+3`, `01`, `-`, `1.`, `1e`, `.5`,
	`"a"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, "\"\xff\xfe\"", `"\x"`, "\"\x01\"",
	`{"a":1,"b":[true,false,null,{"c":"d"}]}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}x`, `{"a":1} {}`,
	`{"errcode":40001,"errmsg":"invalid credential"}`, `"<>&\u2028` + "\u2029\"", `tru`, `nul`, `[[[[`, `{"a":"b`,
	`{"cards":[{"card_id":"p1","balance":100,"fixed_begintimestamp":1700000000}]}`, `9223372036854775808`, `-9223372036854775808`,
}

// FuzzCheck holds Check to json.Valid and to the class of Unmarshal's
// error, with the same offsets for syntax errors; plain go test runs it on
// seeds.
func FuzzCheck(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkAgainstStd)
}

func checkAgainstStd(t *testing.T, data []byte) {
	t.Helper()
	err := jsonlite.Check(data)
	var v any
	stdErr := json.Unmarshal(data, &v)
	if json.Valid(data) {
		require.NoError(t, err, "%q", data)
	} else {
		require.Error(t, err, "%q", data)
	}
	var stdSyntax *json.SyntaxError
	var syntax *jsonlite.SyntaxError
	switch {
	case errors.As(stdErr, &stdSyntax) && stdSyntax.Error() == "unexpected end of JSON input":
		assert.ErrorIs(t, err, jsonlite.ErrUnexpectedEnd, "%q", data)
	case stdSyntax != nil:
		require.ErrorAs(t, err, &syntax, "%q", data)
		assert.Equal(t, stdSyntax.Offset, syntax.Offset, "%q", data)
		assert.Equal(t, stdSyntax.Error(), syntax.Error(), "%q", data)
	}
	if err != nil || stdErr != nil { // stdErr alone: a number beyond float64
		return
	}
	top, err := jsonlite.Parse(data)
	require.NoError(t, err)
	compareValue(t, top, v)
}

// compareValue walks a parsed value next to what encoding/json decoded.
func compareValue(t *testing.T, v jsonlite.Value, std any) {
	t.Helper()
	switch std := std.(type) {
	case nil:
		assert.Equal(t, jsonlite.Null, v.Kind)
	case bool:
		assert.Equal(t, jsonlite.Bool, v.Kind)
	case float64:
		assert.Equal(t, jsonlite.Number, v.Kind)
		var n int64
		if json.Unmarshal(v.Raw, &n) == nil {
			got, ok := v.Int64()
			assert.True(t, ok, "%s", v.Raw)
			assert.Equal(t, n, got)
		} else {
			_, ok := v.Int64()
			assert.False(t, ok, "%s", v.Raw)
		}
	case string:
		got, ok := v.Str()
		assert.True(t, ok)
		assert.Equal(t, std, got)
	case []any:
		var n int
		require.NoError(t, v.Elements(func(i int, elem jsonlite.Value) error {
			require.Less(t, i, len(std))
			compareValue(t, elem, std[i])
			n++
			return nil
		}))
		assert.Equal(t, len(std), n)
	case map[string]any:
		last := map[string]jsonlite.Value{}
		require.NoError(t, v.Members(func(key string, member jsonlite.Value) error {
			last[key] = member
			return nil
		}))
		require.Len(t, last, len(std))
		for k, member := range last {
			compareValue(t, member, std[k])
		}
	}
}

func TestAppendStringMatchesMarshal(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "<a href=\"x\">&amp;</a>", "tab\tnl\ncr\rbs\bff\f\x00\x1f\x7f",
		"\u2028\u2029", "\xff\xfeok", "é😀", `back\slash`} {
		assertAppendString(t, s)
	}
}

func assertAppendString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(jsonlite.AppendString(nil, s, true)))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(s))
	assert.Equal(t, strings.TrimSuffix(buf.String(), "\n"), string(jsonlite.AppendString(nil, s, false)))
}

func FuzzAppendString(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertAppendString(t, s)
	})
}

// TestKeyMatches compares with encoding/json deciding whether a key fills
// a field tagged "card_id".
func TestKeyMatches(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"card_id", "CARD_ID", "Card_Id", "card_ID", "cardid", "card_id ", "ſard_id", "\u212aey", "card_\u0131d"} {
		assert.Equal(t, stdMatches(key, "card_id"), jsonlite.KeyMatches(key, "card_id"), "%q", key)
	}
	assert.Equal(t, stdMatchesKey("\u212aey"), jsonlite.KeyMatches("\u212aey", "key"))
	assert.Equal(t, stdMatchesKey("ſey"), jsonlite.KeyMatches("ſey", "key"))
}

// MatchField picks the field encoding/json fills when two names differ
// only in case: the exact one wherever it stands, else the first folded one.
func TestMatchField(t *testing.T) {
	t.Parallel()
	names := []string{"Code", "code", "card_id"}
	name := func(i int) string { return names[i] }
	for _, c := range []struct {
		key  string
		want int
	}{
		{"code", 1},
		{"Code", 0},
		{"CODE", 0},
		{"card_id", 2},
		{"CARD_ID", 2},
		{"openid", -1},
		{"", -1},
	} {
		assert.Equal(t, c.want, jsonlite.MatchField(len(names), name, c.key), "%q", c.key)
	}
	var std struct {
		Upper string `json:"Code"`
		Lower string `json:"code"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"CODE":"folded","code":"exact"}`), &std))
	assert.Equal(t, "folded", std.Upper, "encoding/json: a folded key goes to the first field")
	assert.Equal(t, "exact", std.Lower)
	assert.Equal(t, -1, jsonlite.MatchField(0, name, "code"))
}

func FuzzKeyMatches(f *testing.F) {
	f.Add("CARD_ID")
	f.Add("ſard_id")
	f.Fuzz(func(t *testing.T, key string) {
		assert.Equal(t, stdMatches(key, "card_id"), jsonlite.KeyMatches(key, "card_id"), "%q", key)
		assert.Equal(t, stdMatchesKey(key), jsonlite.KeyMatches(key, "key"), "%q", key)
	})
}

func stdMatches(key, _ string) bool {
	var v struct {
		CardID string `json:"card_id"`
	}
	doc := string(jsonlite.AppendString([]byte("{"), key, false)) + `:"x"}`
	return json.Unmarshal([]byte(doc), &v) == nil && v.CardID == "x"
}

func stdMatchesKey(key string) bool {
	var v struct {
		Key string `json:"key"`
	}
	doc := string(jsonlite.AppendString([]byte("{"), key, false)) + `:"x"}`
	return json.Unmarshal([]byte(doc), &v) == nil && v.Key == "x"
}

func TestMaxDepth(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", jsonlite.MaxDepth+1) + strings.Repeat("]", jsonlite.MaxDepth+1)
	var v any
	stdErr := json.Unmarshal([]byte(deep), &v)
	require.Error(t, stdErr)
	err := jsonlite.Check([]byte(deep))
	assert.EqualError(t, err, stdErr.Error())
	ok := strings.Repeat("[", jsonlite.MaxDepth) + strings.Repeat("]", jsonlite.MaxDepth)
	assert.NoError(t, jsonlite.Check([]byte(ok)))
}

func TestCheckPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		end     int
		atEnd   bool
		invalid bool
	}{
		{in: ` {"a":1} {}`, end: 8},
		{in: `[1] x`, end: 3},
		{in: `12 `, end: 2},
		{in: `tru`, atEnd: true},
		{in: `"ab`, atEnd: true},
		{in: `  `, atEnd: true},
		{in: `{"a" 1}`, invalid: true},
	}
	for _, tt := range tests {
		end, err := jsonlite.CheckPrefix([]byte(tt.in))
		var syntax *jsonlite.SyntaxError
		switch {
		case tt.atEnd:
			assert.True(t, errors.Is(err, jsonlite.ErrUnexpectedEnd) || errors.As(err, &syntax) && syntax.AtEnd, "%q: %v", tt.in, err)
		case tt.invalid:
			require.ErrorAs(t, err, &syntax, "%q", tt.in)
			assert.False(t, syntax.AtEnd)
		default:
			require.NoError(t, err, "%q", tt.in)
			assert.Equal(t, tt.end, end, "%q", tt.in)
		}
	}
}
