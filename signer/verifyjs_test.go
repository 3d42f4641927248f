package signer_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

const (
	testPage       = "https://shop.example.com/cards/?from=menu"
	testCardTicket = "cardTicketCardTicketCardTicket"
)

func TestVerifyJSConfigVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).JSSDK {
		t.Run(v.Source, func(t *testing.T) {
			t.Parallel()
			res, err := signer.VerifyJSConfig(v.JSAPITicket, "", signer.JSConfigCheck{
				URL: v.URL + "#wechat_redirect", Timestamp: v.Timestamp, NonceStr: v.NonceStr, Signature: v.Signature,
			})
			require.NoError(t, err)
			assert.True(t, res.Valid, "%+v", res.Problems)
			assert.Empty(t, res.Problems)
			assert.Equal(t, v.Signature, res.Expected)
			signed := signer.StripFragment(v.URL)
			assert.Equal(t, signed, res.SignedURL)
			assert.Equal(t, "jsapi_ticket="+v.JSAPITicket+"&noncestr="+v.NonceStr+"&timestamp="+v.Timestamp+"&url="+signed, res.Preimage)
		})
	}
}

func TestVerifyJSConfigExplainsTheMistake(t *testing.T) {
	t.Parallel()
	const nonce = "Wm3WZYTPz0wzccnW"
	ts := strconv.Itoa(testTime)
	sign := func(ticket string, ts int64, u string) string {
		return signer.SortedSHA1(jssdkPreimage(ticket, nonce, ts, u))
	}
	good := sign(testTicket, testTime, testPage)
	for _, tc := range []struct {
		name      string
		check     signer.JSConfigCheck
		valid     bool
		codes     []string
		problemIn string
	}{
		{"valid", signer.JSConfigCheck{URL: testPage + "#x", Timestamp: ts, NonceStr: nonce, Signature: good}, true, nil, ""},
		{"fragment signed", signer.JSConfigCheck{URL: testPage + "#x", Timestamp: ts, NonceStr: nonce, Signature: signer.SortedSHA1(jssdkPreimage(testTicket, nonce, testTime, testPage) + "#x")},
			false, []string{signer.ProblemURLFragment}, "url"},
		{"trailing slash", signer.JSConfigCheck{URL: "https://shop.example.com/cards", Timestamp: ts, NonceStr: nonce, Signature: sign(testTicket, testTime, "https://shop.example.com/cards/")},
			false, []string{signer.ProblemURLMismatch}, "url"},
		{"other scheme", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: nonce, Signature: sign(testTicket, testTime, strings.Replace(testPage, "https:", "http:", 1))},
			false, []string{signer.ProblemURLMismatch}, "url"},
		{"decoded url", signer.JSConfigCheck{URL: "https://shop.example.com/%E5%8D%A1", Timestamp: ts, NonceStr: nonce, Signature: sign(testTicket, testTime, "https://shop.example.com/卡")},
			false, []string{signer.ProblemURLMismatch}, "url"},
		{"re-encoded url", signer.JSConfigCheck{URL: "https://shop.example.com/卡", Timestamp: ts, NonceStr: nonce, Signature: sign(testTicket, testTime, "https://shop.example.com/%E5%8D%A1")},
			false, []string{signer.ProblemURLMismatch}, "url"},
		{"milliseconds passed", signer.JSConfigCheck{URL: testPage, Timestamp: ts + "000", NonceStr: nonce, Signature: sign(testTicket, testTime*1000, testPage)},
			true, []string{signer.ProblemTimestampMillis}, "timestamp"},
		{"milliseconds signed", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: nonce, Signature: sign(testTicket, testTime*1000, testPage)},
			false, []string{signer.ProblemTimestampMillis}, "timestamp"},
		{"card ticket", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: nonce, Signature: sign(testCardTicket, testTime, testPage)},
			false, []string{signer.ProblemWrongTicketType}, "signature"},
		{"uppercase", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: nonce, Signature: strings.ToUpper(good)},
			false, []string{signer.ProblemSignatureUppercase}, "signature"},
		{"unexplained", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: nonce, Signature: strings.Repeat("0", 40)},
			false, []string{signer.ProblemSignatureMismatch}, "signature"},
		{"nothing but the url", signer.JSConfigCheck{URL: testPage},
			false, []string{signer.ProblemTimestampMissing, signer.ProblemNonceMissing, signer.ProblemSignatureMissing}, ""},
		{"null nonce", signer.JSConfigCheck{URL: testPage, Timestamp: ts, NonceStr: "null", Signature: good},
			false, []string{signer.ProblemLiteralNull, signer.ProblemSignatureMismatch}, "nonceStr"},
		{"timestamp with a sign", signer.JSConfigCheck{URL: testPage, Timestamp: "+" + ts, NonceStr: nonce, Signature: good},
			false, []string{signer.ProblemTimestampInvalid, signer.ProblemSignatureMismatch}, "timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := signer.VerifyJSConfig(testTicket, testCardTicket, tc.check)
			require.NoError(t, err)
			assert.Equal(t, tc.valid, res.Valid, "%+v", res.Problems)
			assert.Equal(t, tc.codes, nilIfEmpty(problemCodes(res.Problems)))
			if tc.problemIn != "" {
				assert.Equal(t, tc.problemIn, res.Problems[0].Field)
			}
			for _, p := range res.Problems {
				assert.NotContains(t, p.Message, testTicket)
				assert.NotContains(t, p.Message, testCardTicket)
			}
		})
	}
}

func TestVerifyChooseCardVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).ChooseCard {
		t.Run(v.Source, func(t *testing.T) {
			t.Parallel()
			res, err := signer.VerifyChooseCard(v.APITicket, "", signer.ChooseCardCheck{
				AppID: v.AppID, ShopID: v.LocationID, CardType: v.CardType, CardID: v.CardID,
				Timestamp: v.Timestamp, NonceStr: v.NonceStr, SignType: "SHA1", CardSign: v.CardSign,
			})
			require.NoError(t, err)
			assert.True(t, res.Valid, "%+v", res.Problems)
			assert.Empty(t, res.Problems)
			assert.Equal(t, v.CardSign, res.Expected)
			assert.Equal(t, strings.Join(res.SortedValues, ""), res.Preimage)
		})
	}
}

func TestVerifyChooseCardExplainsTheMistake(t *testing.T) {
	t.Parallel()
	const nonce = "Wm3WZYTPz0wzccnW"
	ts := strconv.Itoa(testTime)
	sign := func(ticket string, ts int64, shopID, cardID, cardType string) string {
		return signer.ChooseCardSignature(ticket, testAppID, shopID, ts, nonce, cardID, cardType)
	}
	good := sign(testTicket, testTime, "", "", "GROUPON")
	base := signer.ChooseCardCheck{AppID: testAppID, CardType: "GROUPON", Timestamp: ts, NonceStr: nonce, SignType: "SHA1", CardSign: good}
	with := func(change func(*signer.ChooseCardCheck)) signer.ChooseCardCheck {
		c := base
		change(&c)
		return c
	}
	for _, tc := range []struct {
		name  string
		check signer.ChooseCardCheck
		valid bool
		codes []string
	}{
		{"valid", base, true, nil},
		{"sign type in lowercase, as the stand-in has always allowed", with(func(c *signer.ChooseCardCheck) { c.SignType = "sha1" }), true, nil},
		{"no sign type", with(func(c *signer.ChooseCardCheck) { c.SignType = "" }), true, nil},
		{"MD5", with(func(c *signer.ChooseCardCheck) { c.SignType = "MD5" }), false, []string{signer.ProblemSignTypeInvalid}},
		{"null shop id", with(func(c *signer.ChooseCardCheck) { c.ShopID = "null" }), false, []string{signer.ProblemLiteralNull, signer.ProblemLiteralNull}},
		{"null signed and passed", with(func(c *signer.ChooseCardCheck) {
			c.CardID = "null"
			c.CardSign = sign(testTicket, testTime, "", "null", "GROUPON")
		}),
			true, []string{signer.ProblemLiteralNull}},
		{"milliseconds signed", with(func(c *signer.ChooseCardCheck) { c.CardSign = sign(testTicket, testTime*1000, "", "", "GROUPON") }), false, []string{signer.ProblemTimestampMillis}},
		{"milliseconds passed", with(func(c *signer.ChooseCardCheck) { c.Timestamp = ts + "000" }), false, []string{signer.ProblemTimestampMillis, signer.ProblemSignatureMismatch}},
		{"jsapi ticket", with(func(c *signer.ChooseCardCheck) {
			c.CardSign = sign("jsapiTicketJsapiTicket", testTime, "", "", "GROUPON")
		}), false, []string{signer.ProblemWrongTicketType}},
		{"card type changed", with(func(c *signer.ChooseCardCheck) { c.CardType = "CASH" }), false, []string{signer.ProblemSignatureMismatch}},
		{"uppercase", with(func(c *signer.ChooseCardCheck) { c.CardSign = strings.ToUpper(good) }), false, []string{signer.ProblemSignatureUppercase}},
		{"missing", with(func(c *signer.ChooseCardCheck) { c.Timestamp, c.NonceStr, c.CardSign = "", "", "" }),
			false, []string{signer.ProblemTimestampMissing, signer.ProblemNonceMissing, signer.ProblemSignatureMissing}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := signer.VerifyChooseCard(testTicket, "jsapiTicketJsapiTicket", tc.check)
			require.NoError(t, err)
			assert.Equal(t, tc.valid, res.Valid, "%+v", res.Problems)
			assert.Equal(t, tc.codes, nilIfEmpty(problemCodes(res.Problems)))
		})
	}
}

// TestVerifyRejectsUnusableInput: input no signature can be checked against
// is a ValidationError naming the field, not a report of problems.
func TestVerifyRejectsUnusableInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", signer.MaxFieldLen+1)
	jsConfig := func(ticket, cardTicket string, check signer.JSConfigCheck) func() error {
		return func() error {
			_, err := signer.VerifyJSConfig(ticket, cardTicket, check)
			return err
		}
	}
	chooseCard := func(ticket, jsapiTicket string, check signer.ChooseCardCheck) func() error {
		return func() error {
			_, err := signer.VerifyChooseCard(ticket, jsapiTicket, check)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		verify func() error
		field  string
	}{
		{"JSConfig/no ticket", jsConfig("", "", signer.JSConfigCheck{URL: testPage}), "jsapi_ticket"},
		{"JSConfig/bad card ticket", jsConfig(testTicket, "a\nb", signer.JSConfigCheck{URL: testPage}), "api_ticket"},
		{"JSConfig/no url", jsConfig(testTicket, "", signer.JSConfigCheck{}), "url"},
		{"JSConfig/relative url", jsConfig(testTicket, "", signer.JSConfigCheck{URL: "/cards"}), "url"},
		{"JSConfig/long nonce", jsConfig(testTicket, "", signer.JSConfigCheck{URL: testPage, NonceStr: long}), "nonceStr"},
		{"ChooseCard/no ticket", chooseCard("", "", signer.ChooseCardCheck{AppID: testAppID}), "api_ticket"},
		{"ChooseCard/bad jsapi ticket", chooseCard(testTicket, "a\x00", signer.ChooseCardCheck{AppID: testAppID}), "jsapi_ticket"},
		{"ChooseCard/no app id", chooseCard(testTicket, "", signer.ChooseCardCheck{}), "appId"},
		{"ChooseCard/long card id", chooseCard(testTicket, "", signer.ChooseCardCheck{AppID: testAppID, CardID: long}), "cardId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.verify()
			var ve *signer.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.ErrorIs(t, err, signer.ErrInvalidInput)
		})
	}
}

func jssdkPreimage(ticket, nonce string, ts int64, u string) string {
	return "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + u
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestVerifyCardExtNamesTheCause(t *testing.T) {
	t.Parallel()
	const jsapi = "jsapiTicketJsapiTicket"
	const nonce = "n123"
	ext := func(code, openID, ts string, sig string) string {
		s := `{"code":"` + code + `",`
		if openID != "" {
			s += `"openid":"` + openID + `",`
		}
		return s + `"timestamp":"` + ts + `","nonce_str":"` + nonce + `","signature":"` + sig + `"}`
	}
	ts := strconv.Itoa(testTime)
	sign := func(ticket string, ts int64, openID string) string {
		return signer.CardExtSignature(ticket, ts, testCardID, "c1", openID, nonce)
	}
	for _, tc := range []struct {
		name, cardExt, code, field string
	}{
		{"null written, empty signed", ext("c1", "null", ts, sign(testTicket, testTime, "")), signer.ProblemLiteralNull, "openid"},
		{"absent written, null signed", ext("c1", "", ts, sign(testTicket, testTime, "undefined")), signer.ProblemLiteralNull, "openid"},
		{"milliseconds written", ext("c1", "", ts+"000", sign(testTicket, testTime, "")), signer.ProblemTimestampMillis, "timestamp"},
		{"milliseconds signed", ext("c1", "", ts, sign(testTicket, testTime*1000, "")), signer.ProblemTimestampMillis, "timestamp"},
		{"jsapi ticket", ext("c1", "", ts, sign(jsapi, testTime, "")), signer.ProblemWrongTicketType, "api_ticket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := signer.VerifyCardExtWithJSAPITicket(testTicket, jsapi, testCardID, tc.cardExt)
			require.NoError(t, err)
			assert.False(t, res.Valid)
			require.NotEmpty(t, res.Problems)
			last := res.Problems[len(res.Problems)-1]
			assert.Equal(t, signer.Problem{Code: tc.code, Field: tc.field, Message: last.Message, Cause: true}, last)
			assert.Contains(t, problemCodes(res.Problems), signer.ProblemSignatureMismatch)
		})
	}
	res, err := signer.VerifyCardExt(testTicket, testCardID, ext("c1", "", ts, sign(jsapi, testTime, "")))
	require.NoError(t, err)
	assert.Equal(t, []string{signer.ProblemSignatureMismatch}, problemCodes(res.Problems), "without the jsapi ticket the cause stays unnamed")
}
