//go:build !wasip1

package main

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

// absent marks a value the lean request leaves out (length leanAbsent).
const absent = "\xff<absent>"

// leanInput writes a lean request into in: count, then one length word per
// value, then the values.
func leanInput(in []byte, count uint32, values ...string) {
	binary.LittleEndian.PutUint32(in, count)
	pos := 4 * (1 + len(values))
	for i, v := range values {
		if v == absent {
			binary.LittleEndian.PutUint32(in[4*(1+i):], leanAbsent)
			continue
		}
		binary.LittleEndian.PutUint32(in[4*(1+i):], uint32(len(v)))
		pos += copy(in[pos:], v)
	}
}

func newLean() *lean {
	return &lean{in: make([]byte, leanInCap), out: make([]byte, leanOutCap)}
}

// cardExts splits an addCard answer into its cardExts.
func (l *lean) cardExts(n, total int) []string {
	var out []string
	at := leanOutData
	for i := range n {
		size := int(binary.LittleEndian.Uint32(l.out[4*i:]))
		out = append(out, string(l.out[at:at+size]))
		at += size
	}
	if at != leanOutData+total {
		return nil
	}
	return out
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"", true},
		{"abc", true},
		{"pjZ8Yt1XGILfi-FUsewpnnolGgZk", true},
		{" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~", true},
		{`a"b`, false},
		{`a\b`, false},
		{"abcdefgh\"", false},
		{"abcdefg\x7f", false},
		{"\x1f", false},
		{"abcdefghij\x00", false},
		{"é", false},
		{"\u2028", false},
		{"卡券", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, plainText(tc.s), "%q", tc.s)
	}
	// Every single byte, at every position of a 9-byte string.
	for c := range 256 {
		want := c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
		for at := range 9 {
			b := []byte("aaaaaaaaa")
			b[at] = byte(c)
			require.Equal(t, want, plainText(string(b)), "byte %#x at %d", c, at)
		}
	}
}

func TestLeanSortedSHA1(t *testing.T) {
	t.Parallel()
	l := newLean()
	vs := loadVectors(t)
	check := func(values ...string) {
		t.Helper()
		leanInput(l.in, uint32(len(values)), values...)
		require.Equal(t, 40, l.sortedSHA1(), "%q", values)
		assert.Equal(t, signer.SortedSHA1(values...), string(l.out[:40]), "%q", values)
	}
	for _, v := range vs.CardExt {
		check(v.APITicket, v.Timestamp, v.CardID, v.Code, v.OpenID, v.NonceStr)
	}
	check()
	check("")
	check("a\x00b", "c")
	check("a", "a\x00", "a\x00\x00", "", "abcdefgh", "abcdefghi", "abcdefgh\x00")
	check("卡券", "é", "\U0001F600", "z")
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		values := make([]string, r.IntN(maxSortedValues+1))
		for i := range values {
			// Short values over a small alphabet: many ties on the prefix.
			b := make([]byte, r.IntN(12))
			for j := range b {
				b[j] = "ab\x00\xff"[r.IntN(4)]
			}
			values[i] = string(b)
		}
		check(values...)
	}

	leanInput(l.in, maxSortedValues+1)
	assert.Zero(t, l.sortedSHA1(), "more than maxSortedValues")
	leanInput(l.in, 1, absent)
	assert.Zero(t, l.sortedSHA1(), "an absent value")
	leanInput(l.in, 1, "abc")
	binary.LittleEndian.PutUint32(l.in[4:], leanInCap)
	assert.Zero(t, l.sortedSHA1(), "a length past the buffer")
}

// leanAddCardInput turns a JSON add_card request into the lean one the JS
// package sends, or false where the package sends JSON instead: a value
// that is neither a string nor a non-negative integer, a text field given
// as a number.
func leanAddCardInput(in []byte, req []byte) bool {
	var r struct {
		APITicket any              `json:"api_ticket"`
		Timestamp any              `json:"timestamp"`
		Nonces    []any            `json:"nonces"`
		Cards     []map[string]any `json:"cards"`
	}
	if json.Unmarshal(req, &r) != nil || len(r.Cards) == 0 || len(r.Nonces) != len(r.Cards) {
		return false
	}
	// digits is the package's: strings as they are, integers as digits.
	digits := func(v any) (string, bool) {
		switch v := v.(type) {
		case string:
			return v, true
		case float64:
			if v >= 0 && v == float64(int64(v)) {
				return strconv.FormatInt(int64(v), 10), true
			}
		}
		return "", false
	}
	ticket, ok := r.APITicket.(string)
	if !ok {
		return false
	}
	ts, ok := digits(r.Timestamp)
	if !ok {
		return false
	}
	values := []string{ticket, ts}
	for i, c := range r.Cards {
		for _, k := range []string{"card_id", "code", "openid", "outer_str"} {
			v, present := c[k]
			s, ok := v.(string)
			if present && !ok {
				return false
			}
			values = append(values, s)
		}
		for _, k := range []string{"fixed_begintimestamp", "balance"} {
			v, present := c[k]
			s, ok := digits(v)
			switch {
			case !present && k == "balance":
				s = absent
			case !present:
				s = ""
			case !ok:
				return false
			}
			values = append(values, s)
		}
		nonce, ok := r.Nonces[i].(string)
		if !ok {
			return false
		}
		values = append(values, nonce)
	}
	leanInput(in, uint32(len(r.Cards)), values...)
	return true
}

// TestLeanAddCardMatchesJSON: over the differential set's add_card requests
// and a set with the characters JSON escapes, the lean call signs exactly
// what the JSON call signs and refuses everything the JSON call refuses.
func TestLeanAddCardMatchesJSON(t *testing.T) {
	t.Parallel()
	l := newLean()
	var h handler
	gen := newCaseGen(20261201)
	r := rand.New(rand.NewPCG(5, 6))
	spice := []string{`"`, `\`, "\u2028", "é", "卡券", "\x7f", "\x01", " ", "😀", "00", "-1"}
	signed, refused, fellBack := 0, 0, 0
	for signed+refused < 3000 {
		name, req := gen.next()
		if name != "add_card" {
			continue
		}
		if r.IntN(2) == 0 {
			// Put a character JSON escapes (or the signer refuses) into one field.
			var m map[string]any
			require.NoError(t, json.Unmarshal(req, &m))
			cards := m["cards"].([]any)
			card := cards[r.IntN(len(cards))].(map[string]any)
			key := []string{"card_id", "code", "openid", "outer_str"}[r.IntN(4)]
			if s, ok := card[key].(string); ok {
				card[key] = s + spice[r.IntN(len(spice))]
			}
			if r.IntN(8) == 0 {
				m["api_ticket"] = []string{"", strings.Repeat("t", signer.MaxTicketLen), strings.Repeat("t", signer.MaxTicketLen+1), "t\x00"}[r.IntN(4)]
			}
			if r.IntN(4) == 0 {
				nonces := m["nonces"].([]any)
				nonces[r.IntN(len(nonces))] = []string{`a"b`, `c\d`, "e f", "g\x7f"}[r.IntN(4)]
			}
			req = mustJSON(t, m)
		}
		if !leanAddCardInput(l.in, req) {
			continue
		}
		var want struct {
			OK *struct {
				CardList signer.CardList `json:"cardList"`
			} `json:"ok"`
		}
		require.NoError(t, json.Unmarshal(h.handle(opAddCard, req), &want))
		total := l.addCard()
		if want.OK == nil {
			require.Zero(t, total, "the JSON call refuses %s", req)
			refused++
			continue
		}
		if total == 0 {
			fellBack++
			signed++
			continue
		}
		var exts []string
		for _, item := range want.OK.CardList {
			exts = append(exts, item.CardExt)
		}
		require.Equal(t, exts, l.cardExts(len(exts), total), "%s", req)
		signed++
	}
	assert.Greater(t, refused, 100)
	assert.Less(t, fellBack, signed/20, "the lean call takes nearly every valid request")
}

// leanAddCardJSON reads a lean addCard request back into the JSON request
// with the same meaning, or false when in is not a well-formed one.
func leanAddCardJSON(in []byte) ([]byte, bool) {
	if len(in) < 4 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(in))
	if n < 1 || n > signer.MaxCardsPerAddCard || 4*(3+7*n) > len(in) {
		return nil, false
	}
	pos := 4 * (3 + 7*n)
	values := make([]string, 2+7*n)
	for i := range values {
		size := binary.LittleEndian.Uint32(in[4*(1+i):])
		if size == leanAbsent {
			values[i] = absent
			continue
		}
		if uint64(size) > uint64(len(in)-pos) {
			return nil, false
		}
		values[i] = string(in[pos : pos+int(size)])
		pos += int(size)
	}
	if values[0] == absent || values[1] == absent {
		return nil, false
	}
	ts, err := strconv.ParseInt(values[1], 10, 64)
	if err != nil {
		return nil, false
	}
	req := map[string]any{"api_ticket": values[0], "timestamp": ts}
	var cards []any
	var nonces []any
	for c := range n {
		v := values[2+7*c : 2+7*c+7]
		card := map[string]any{}
		for f, key := range []string{"card_id", "code", "openid", "outer_str"} {
			if v[f] != absent && v[f] != "" {
				card[key] = v[f]
			}
		}
		for f, key := range map[int]string{4: "fixed_begintimestamp", 5: "balance"} {
			if v[f] == absent || v[f] == "" && f == 4 {
				continue
			}
			num, err := strconv.ParseInt(v[f], 10, 64)
			if err != nil {
				return nil, false
			}
			card[key] = num
		}
		cards = append(cards, card)
		nonces = append(nonces, v[6])
	}
	req["cards"], req["nonces"] = cards, nonces
	b, err := json.Marshal(req)
	return b, err == nil
}

// FuzzLean writes arbitrary bytes into the lean buffer and makes both lean
// calls: neither panics, and whatever addCard signs is exactly what the
// JSON call signs for the same request.
func FuzzLean(f *testing.F) {
	l := newLean()
	leanInput(l.in, 1, "ticket", "1414587457", "pcard", "code", "openid", "", "", absent, "nonce")
	f.Add(append([]byte(nil), l.in[:4*10+40]...))
	leanInput(l.in, 2, "t", "0", "p\"1", "é", "", "s", "1414587457", "0", "n", "p2", "", "", "", "", "12", "m")
	f.Add(append([]byte(nil), l.in[:4*17+60]...))
	leanInput(l.in, 3, "a\x00b", "c", "")
	f.Add(append([]byte(nil), l.in[:4*4+4]...))
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	leanInput(l.in, 1, "", "1414587457", "pcard", "", "", "", "", absent, "nonce")
	f.Add(append([]byte(nil), l.in[:4*10+25]...))
	var h handler
	f.Fuzz(func(t *testing.T, in []byte) {
		l := newLean()
		copy(l.in, in)
		l.sortedSHA1()
		total := l.addCard()
		if total == 0 {
			return
		}
		req, ok := leanAddCardJSON(l.in)
		require.True(t, ok, "addCard signed a request that does not read back")
		var want struct {
			OK *struct {
				CardList signer.CardList `json:"cardList"`
			} `json:"ok"`
		}
		require.NoError(t, json.Unmarshal(h.handle(opAddCard, req), &want))
		require.NotNil(t, want.OK, "addCard signed what the JSON call refuses: %s", req)
		var exts []string
		for _, item := range want.OK.CardList {
			exts = append(exts, item.CardExt)
		}
		require.Equal(t, exts, l.cardExts(len(exts), total))
	})
}
