package signer_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

const (
	testTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	testCardID = "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
	testAppID  = "wx0123456789abcdef"
	testTime   = 1414587457
)

func newTestSigner(t *testing.T, nonces ...string) *signer.Signer {
	t.Helper()
	s, err := signer.New(signer.WithClock(fixedClock(testTime)), signer.WithNonceSource(sequenceNonces(nonces...)))
	require.NoError(t, err)
	return s
}

func TestAddCardSignsEachCardWithItsOwnNonce(t *testing.T) {
	t.Parallel()
	balance := int64(100)
	cards := []signer.Card{
		{CardID: testCardID},
		{CardID: testCardID, Code: "1434008071", OpenID: "oABC", OuterStr: "<shop&1>", FixedBeginTimestamp: 1414590000, Balance: &balance},
	}
	s := newTestSigner(t, "nonceA", "nonceB")
	list, err := s.AddCard(testTicket, cards)
	require.NoError(t, err)
	require.Len(t, list, 2)

	assert.Equal(t, `{"timestamp":"1414587457","nonce_str":"nonceA","signature":"`+
		signer.CardExtSignature(testTicket, testTime, testCardID, "", "", "nonceA")+`"}`, list[0].CardExt)
	assert.Equal(t, `{"code":"1434008071","openid":"oABC","timestamp":"1414587457","nonce_str":"nonceB","fixed_begintimestamp":1414590000,"outer_str":"<shop&1>","balance":100,"signature":"`+
		signer.CardExtSignature(testTicket, testTime, testCardID, "1434008071", "oABC", "nonceB")+`"}`, list[1].CardExt)

	for i, item := range list {
		assert.Equal(t, cards[i].CardID, item.CardID)
		check, err := signer.VerifyCardExt(testTicket, item.CardID, item.CardExt)
		require.NoError(t, err)
		assert.True(t, check.Valid)
		assert.Empty(t, check.Problems)
	}

	// The list marshals to what wx.addCard takes, with no HTML escaping, and
	// encoding/json agrees with the hand-written encoder.
	raw := list.AppendJSON(nil)
	assert.Contains(t, string(raw), `<shop&1>`)
	viaEncodingJSON, err := json.Marshal(list)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(viaEncodingJSON))
	var back []signer.CardListItem
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, []signer.CardListItem(list), back)
	var ext signer.CardExt
	require.NoError(t, json.Unmarshal([]byte(list[1].CardExt), &ext))
	assert.Equal(t, "oABC", ext.OpenID)
	assert.Equal(t, int64(100), *ext.Balance)
}

func TestAddCardDefaultsUseFreshRandomNonces(t *testing.T) {
	t.Parallel()
	var s signer.Signer // the zero value works
	cards := make([]signer.Card, 10)
	for i := range cards {
		cards[i].CardID = testCardID
	}
	list, err := s.AddCard(testTicket, cards)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, item := range list {
		parsed, err := signer.ParseCardExt(item.CardExt)
		require.NoError(t, err)
		assert.Len(t, parsed.NonceStr, signer.DefaultNonceLen)
		assert.False(t, seen[parsed.NonceStr], "nonce reused")
		seen[parsed.NonceStr] = true
		assert.InDelta(t, time.Now().Unix(), parsed.TimestampValue, 5)
	}
}

func TestAddCardValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 65)
	neg := int64(-1)
	tests := []struct {
		name   string
		ticket string
		cards  []signer.Card
		field  string
	}{
		{"empty ticket", "", []signer.Card{{CardID: testCardID}}, "api_ticket"},
		{"ticket with newline", "abc\n", []signer.Card{{CardID: testCardID}}, "api_ticket"},
		{"ticket too long", strings.Repeat("t", 513), []signer.Card{{CardID: testCardID}}, "api_ticket"},
		{"no cards", testTicket, nil, "cards"},
		{"too many cards", testTicket, make([]signer.Card, signer.MaxCardsPerAddCard+1), "cards"},
		{"missing card id", testTicket, []signer.Card{{CardID: testCardID}, {Code: "1"}}, "cards[1].card_id"},
		{"card id too long", testTicket, []signer.Card{{CardID: long}}, "cards[0].card_id"},
		{"control char in code", testTicket, []signer.Card{{CardID: testCardID, Code: "12\x003"}}, "cards[0].code"},
		{"invalid utf-8 openid", testTicket, []signer.Card{{CardID: testCardID, OpenID: "o\xff"}}, "cards[0].openid"},
		{"DEL in outer_str", testTicket, []signer.Card{{CardID: testCardID, OuterStr: "a\x7f"}}, "cards[0].outer_str"},
		{"negative fixed begin", testTicket, []signer.Card{{CardID: testCardID, FixedBeginTimestamp: -5}}, "cards[0].fixed_begintimestamp"},
		{"ms fixed begin", testTicket, []signer.Card{{CardID: testCardID, FixedBeginTimestamp: 1414587457000}}, "cards[0].fixed_begintimestamp"},
		{"negative balance", testTicket, []signer.Card{{CardID: testCardID, Balance: &neg}}, "cards[0].balance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTestSigner(t, "n").AddCard(tt.ticket, tt.cards)
			var ve *signer.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.ErrorIs(t, err, signer.ErrInvalidInput)
			if tt.ticket != testTicket && tt.ticket != "" {
				assert.NotContains(t, err.Error(), tt.ticket, "errors never echo a ticket")
			}
		})
	}
}

func TestSignerClockAndNonceFailures(t *testing.T) {
	t.Parallel()
	cards := []signer.Card{{CardID: testCardID}}

	s, err := signer.New(signer.WithClock(func() time.Time { return time.Unix(-1, 0) }))
	require.NoError(t, err)
	_, err = s.AddCard(testTicket, cards)
	assert.ErrorIs(t, err, signer.ErrInvalidInput)

	s, err = signer.New(signer.WithNonceSource(func() (string, error) { return strings.Repeat("n", 33), nil }))
	require.NoError(t, err)
	_, err = s.AddCard(testTicket, cards)
	assert.ErrorIs(t, err, signer.ErrInvalidInput)

	s, err = signer.New(signer.WithNonceSource(func() (string, error) { return "has space", nil }))
	require.NoError(t, err)
	_, err = s.ChooseCard(testTicket, signer.ChooseCardRequest{AppID: testAppID})
	assert.ErrorIs(t, err, signer.ErrInvalidInput)

	s, err = signer.New(signer.WithNonceSource(sequenceNonces()))
	require.NoError(t, err)
	_, err = s.JSConfig(testTicket, signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/"})
	assert.ErrorIs(t, err, errNoMoreNonces)

	for _, opt := range []signer.Option{signer.WithClock(nil), signer.WithNonceSource(nil), signer.WithNonceLength(15), signer.WithNonceLength(33), nil} {
		_, err := signer.New(opt)
		assert.Error(t, err)
	}
	s, err = signer.New(signer.WithNonceLength(32))
	require.NoError(t, err)
	cfg, err := s.JSConfig(testTicket, signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/"})
	require.NoError(t, err)
	assert.Len(t, cfg.NonceStr, 32)
}

func TestRandomNonce(t *testing.T) {
	t.Parallel()
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		n, err := signer.RandomNonce(16)
		require.NoError(t, err)
		require.Len(t, n, 16)
		for _, r := range n {
			counts[r]++
		}
	}
	assert.Len(t, counts, 62, "every alphanumeric character appears")
	for _, bad := range []int{0, -1, 33} {
		_, err := signer.RandomNonce(bad)
		assert.ErrorIs(t, err, signer.ErrInvalidInput)
	}
}

func TestChooseCard(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, "Wm3WZYTPz0wzccnW")
	p, err := s.ChooseCard(testTicket, signer.ChooseCardRequest{AppID: "123456", CardType: "GROUPON"})
	require.NoError(t, err)
	assert.Equal(t, signer.ChooseCardParams{
		CardType: "GROUPON", Timestamp: testTime, NonceStr: "Wm3WZYTPz0wzccnW", SignType: "SHA1",
		CardSign: "c47b1fb500eb35d8f2f9b9375b4491089df953e2", // wechatpy's chooseCard vector
	}, p)
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"shopId":"","cardType":"GROUPON","cardId":"","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signType":"SHA1","cardSign":"c47b1fb500eb35d8f2f9b9375b4491089df953e2"}`, string(raw))

	for name, req := range map[string]signer.ChooseCardRequest{
		"app_id":    {},
		"shop_id":   {AppID: testAppID, ShopID: "1\n"},
		"card_type": {AppID: testAppID, CardType: strings.Repeat("X", 129)},
		"card_id":   {AppID: testAppID, CardID: strings.Repeat("p", 65)},
	} {
		_, err := s.ChooseCard(testTicket, req)
		var ve *signer.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Equal(t, name, ve.Field)
	}
	_, err = s.ChooseCard("", signer.ChooseCardRequest{AppID: testAppID})
	assert.ErrorIs(t, err, signer.ErrInvalidInput)
}

func TestJSConfig(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, "Wm3WZYTPz0wzccnW", "Wm3WZYTPz0wzccnW")
	cfg, err := s.JSConfig(testTicket, signer.JSConfigRequest{AppID: testAppID, URL: "http://mp.weixin.qq.com?params=value#xxxx", JSAPIList: []string{"addCard", "chooseCard"}})
	require.NoError(t, err)
	assert.Equal(t, "0f9de62fce790f9a083d5c99e95740ceb90c27ed", cfg.Signature)
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"appId":"wx0123456789abcdef","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed","jsApiList":["addCard","chooseCard"]}`, string(raw))

	// The URL is signed as given: no escaping, no normalisation.
	cfg, err = s.JSConfig(testTicket, signer.JSConfigRequest{AppID: testAppID, URL: "https://Example.com:443/a b/?q=中文&x=%2F"})
	require.NoError(t, err)
	assert.Equal(t, signer.JSSDKSignature(testTicket, "Wm3WZYTPz0wzccnW", testTime, "https://Example.com:443/a b/?q=中文&x=%2F"), cfg.Signature)

	bad := []struct {
		field string
		req   signer.JSConfigRequest
	}{
		{"app_id", signer.JSConfigRequest{URL: "https://example.com/"}},
		{"url", signer.JSConfigRequest{AppID: testAppID}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "/relative/page"}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "ftp://example.com/"}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "javascript:alert(1)"}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "https:///nohost"}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/\r\nX: y"}},
		{"url", signer.JSConfigRequest{AppID: testAppID, URL: "https://exa mple.com:x/"}},
		{"jsApiList[1]", signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/", JSAPIList: []string{"addCard", ""}}},
		{"openTagList", signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/", OpenTagList: make([]string, 129)}},
	}
	for _, tt := range bad {
		_, err := s.JSConfig(testTicket, tt.req)
		var ve *signer.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", tt.req)
		assert.Equal(t, tt.field, ve.Field)
	}
	_, err = s.JSConfig("", signer.JSConfigRequest{AppID: testAppID, URL: "https://example.com/"})
	var ve *signer.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "jsapi_ticket", ve.Field)
}

func TestVerifyCardExtExplainsMistakes(t *testing.T) {
	t.Parallel()
	good := signer.SignCardExt(testTicket, testTime, "abc", signer.Card{CardID: testCardID, Code: "123"})
	goodJSON := good.String()
	msTime := signer.SignCardExt(testTicket, testTime*1000, "abc", signer.Card{CardID: testCardID})

	tests := []struct {
		name     string
		ticket   string
		cardID   string
		ext      string
		valid    bool
		problems []string
	}{
		{"good", testTicket, testCardID, goodJSON, true, nil},
		{"other ticket", "jsapi-ticket-by-mistake", testCardID, goodJSON, false, []string{signer.ProblemSignatureMismatch}},
		{"other card", testTicket, "pOther", goodJSON, false, []string{signer.ProblemSignatureMismatch}},
		{"uppercase", testTicket, testCardID, strings.Replace(goodJSON, good.Signature, strings.ToUpper(good.Signature), 1), false, []string{signer.ProblemSignatureUppercase}},
		{"milliseconds", testTicket, testCardID, msTime.String(), true, []string{signer.ProblemTimestampMillis}},
		{"number timestamp", testTicket, testCardID, strings.Replace(goodJSON, `"timestamp":"1414587457"`, `"timestamp":1414587457`, 1), true, []string{signer.ProblemTimestampNumber}},
		{"no nonce", testTicket, testCardID, `{"code":"123","timestamp":"1414587457","signature":"` + good.Signature + `"}`, false, []string{signer.ProblemNonceMissing, signer.ProblemSignatureMismatch}},
		{"signed without a nonce", testTicket, testCardID, `{"code":"123","timestamp":"1414587457","signature":"` + signer.CardExtSignature(testTicket, 1414587457, testCardID, "123", "", "") + `"}`, true, []string{signer.ProblemNonceMissing}},
		{"no timestamp", testTicket, testCardID, `{"nonce_str":"abc","signature":"x"}`, false, []string{signer.ProblemTimestampMissing, signer.ProblemSignatureMismatch}},
		{"no signature", testTicket, testCardID, `{"timestamp":"1","nonce_str":"abc"}`, false, []string{signer.ProblemSignatureMissing}},
		{"json null openid", testTicket, testCardID, strings.Replace(goodJSON, `{`, `{"openid":null,`, 1), true, []string{signer.ProblemLiteralNull}},
		{"empty openid", testTicket, testCardID, strings.Replace(goodJSON, `{`, `{"openid":"",`, 1), true, []string{signer.ProblemEmptyOptionalField}},
		{"unknown field", testTicket, testCardID, strings.Replace(goodJSON, `{`, `{"cardId":"x",`, 1), true, []string{signer.ProblemUnknownField}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := signer.VerifyCardExt(tt.ticket, tt.cardID, tt.ext)
			require.NoError(t, err)
			assert.Equal(t, tt.valid, v.Valid)
			assert.ElementsMatch(t, tt.problems, problemCodes(v.Problems))
			assert.Equal(t, strings.Join(v.SortedValues, ""), v.Preimage)
			assert.Len(t, v.SortedValues, 6)
			parsed, err := signer.ParseCardExt(tt.ext)
			require.NoError(t, err)
			assert.Equal(t, tt.valid, parsed.SignedBy(tt.ticket, tt.cardID), "SignedBy agrees with Valid")
		})
	}
	parsed, err := signer.ParseCardExt(goodJSON)
	require.NoError(t, err)
	assert.False(t, parsed.SignedBy("", testCardID), "an empty ticket verifies nothing")
	assert.False(t, parsed.SignedBy(testTicket, ""), "nor does an empty card id")

	for _, bad := range []string{``, `[]`, `null`, `{"timestamp":"abc"}`, `{"timestamp":"-1"}`, `{"timestamp":true}`, `{"code":5}`, `{"balance":"x"}`, `{"balance":1.5}`, `{} {}`, strings.Repeat(" ", signer.MaxCardExtLen+1)} {
		_, err := signer.VerifyCardExt(testTicket, testCardID, bad)
		assert.ErrorIs(t, err, signer.ErrInvalidInput, bad)
	}
	_, err = signer.VerifyCardExt("", testCardID, goodJSON)
	assert.True(t, errors.Is(err, signer.ErrInvalidInput))
	_, err = signer.VerifyCardExt(testTicket, "", goodJSON)
	assert.True(t, errors.Is(err, signer.ErrInvalidInput))
}

func TestJSONEncodingMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "\x00\x01\x1f", "<>&", "中文", "\u2028\u2029", "bad\xffutf8", "\xe2\x80"} {
		ext := signer.CardExt{Code: s, Timestamp: "1", NonceStr: "n", Signature: "s"}
		var back signer.CardExt
		require.NoError(t, json.Unmarshal([]byte(ext.String()), &back), "%q", s)
		std, err := json.Marshal(s)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(std, &want))
		assert.Equal(t, want, back.Code, "%q", s)
	}
}
