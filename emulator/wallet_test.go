package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestWalletAddGeneratedCode(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	out := h.walletAdd("oUser1", h.signCards(h.ticket("wx_card"), signer.Card{CardID: id}))
	assert.Equal(t, "addCard:ok", out.ErrMsg)
	require.Len(t, out.CardList, 1)
	res := out.CardList[0]
	assert.True(t, res.IsSuccess)
	assert.Regexp(t, `^[1-9][0-9]{11}$`, res.Code)
	assert.NotEmpty(t, res.EncryptCode)
	assert.Equal(t, "ok", res.Errmsg)

	got := h.wxOK("card/code/get", map[string]any{"code": res.Code, "card_id": id})
	assert.Equal(t, "oUser1", got.str("openid"))
	assert.Equal(t, "NORMAL", got.str("user_card_status"))
	card := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)
	sku := card["general_coupon"].(map[string]any)["base_info"].(map[string]any)["sku"].(map[string]any)
	assert.EqualValues(t, 99, sku["quantity"])
	assert.EqualValues(t, 100, sku["total_quantity"])
}

func TestWalletAddRejections(t *testing.T) {
	h := newPersistedHarness(t)
	coupon := h.approvedCoupon(nil)
	custom := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	h.wxOK("card/code/deposit", map[string]any{"card_id": custom, "code": []string{"C0001", "C0002"}})
	bound := h.approvedCoupon(func(bi map[string]any) { bi["bind_openid"] = true })
	pending := h.createCard(couponBody(nil))
	ticket := h.ticket("wx_card")
	jsapi := h.ticket("jsapi")
	require.NotEqual(t, ticket, jsapi)

	tampered := h.signCards(ticket, signer.Card{CardID: coupon})
	var ext map[string]any
	require.NoError(t, json.Unmarshal([]byte(tampered[0].CardExt), &ext))
	ext["signature"] = strings.Repeat("0", 40)
	b, _ := json.Marshal(ext)
	tampered[0].CardExt = string(b)

	upper := h.signCards(ticket, signer.Card{CardID: coupon})
	upper[0].CardExt = strings.Replace(upper[0].CardExt, upperSig(t, upper[0].CardExt), strings.ToUpper(upperSig(t, upper[0].CardExt)), 1)
	ts := strconv.FormatInt(testEpoch.Unix(), 10)
	nullOpenID := signer.CardList{{CardID: coupon, CardExt: `{"timestamp":"` + ts + `","nonce_str":"nullnonce","signature":"` +
		signer.CardExtSignature(ticket, testEpoch.Unix(), coupon, "", "null", "nullnonce") + `"}`}}
	millisSigned := signer.CardList{{CardID: coupon, CardExt: `{"timestamp":"` + ts + `","nonce_str":"msnonce","signature":"` +
		signer.CardExtSignature(ticket, testEpoch.UnixMilli(), coupon, "", "", "msnonce") + `"}`}}

	s, err := signer.New(signer.WithClock(func() time.Time { return testEpoch.Add(-2 * time.Hour) }))
	require.NoError(t, err)
	stale, err := s.AddCard(ticket, []signer.Card{{CardID: coupon}})
	require.NoError(t, err)

	tests := []struct {
		name    string
		openID  string
		list    signer.CardList
		errcode int
		reason  string
	}{
		{"tampered signature", "oA", tampered, emulator.ErrcodeInvalidCardExt, emulator.ReasonSignatureMismatch},
		{"jsapi ticket used for a card", "oA", h.signCards(jsapi, signer.Card{CardID: coupon}), emulator.ErrcodeInvalidCardExt, emulator.ReasonWrongTicketType},
		{"uppercase signature", "oA", upper, emulator.ErrcodeInvalidCardExt, emulator.ReasonSignatureUppercase},
		{`"null" signed for the absent openid`, "oA", nullOpenID, emulator.ErrcodeInvalidCardExt, emulator.ReasonLiteralNull},
		{"milliseconds signed, seconds sent", "oA", millisSigned, emulator.ErrcodeInvalidCardExt, emulator.ReasonTimestampMillis},
		{"made-up ticket", "oA", h.signCards("not-the-ticket", signer.Card{CardID: coupon}), emulator.ErrcodeInvalidCardExt, emulator.ReasonSignatureMismatch},
		{"timestamp two hours old", "oA", stale, emulator.ErrcodeInvalidCardExt, emulator.ReasonTimestamp},
		{"unknown card", "oA", h.signCards(ticket, signer.Card{CardID: "pNOPE0000000000000000000000"}), emulator.ErrcodeInvalidCardID, emulator.ReasonUnknownCard},
		{"openid of someone else", "oA", h.signCards(ticket, signer.Card{CardID: coupon, OpenID: "oB"}), emulator.ErrcodeInvalidCardExt, emulator.ReasonOpenIDMismatch},
		{"bind_openid without openid", "oA", h.signCards(ticket, signer.Card{CardID: bound}), emulator.ErrcodeInvalidCardExt, emulator.ReasonOpenIDRequired},
		{"custom code missing", "oA", h.signCards(ticket, signer.Card{CardID: custom}), emulator.ErrcodeInvalidCode, emulator.ReasonCodeRequired},
		{"custom code not deposited", "oA", h.signCards(ticket, signer.Card{CardID: custom, Code: "C9999"}), emulator.ErrcodeInvalidCode, emulator.ReasonCodeNotDeposited},
		{"code on a generated-code card", "oA", h.signCards(ticket, signer.Card{CardID: coupon, Code: "123"}), emulator.ErrcodeInvalidCode, emulator.ReasonCodeNotAllowed},
		{"card not approved", "oA", h.signCards(ticket, signer.Card{CardID: pending}), emulator.ErrcodeInvalidCardStatus, emulator.ReasonCardNotApproved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.walletAdd(tt.openID, tt.list)
			assert.Equal(t, "addCard:fail", out.ErrMsg)
			res := out.CardList[0]
			assert.False(t, res.IsSuccess)
			assert.Equal(t, tt.errcode, res.Errcode, res.Errmsg)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Empty(t, res.Code)
			assert.NotContains(t, res.Errmsg, ticket)
		})
	}
	// Nothing above reached a wallet or the stock.
	r := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA"})
	assert.Empty(t, r.body["card_list"])
}

func upperSig(t *testing.T, cardExt string) string {
	t.Helper()
	var ext struct{ Signature string }
	require.NoError(t, json.Unmarshal([]byte(cardExt), &ext))
	return ext.Signature
}

// nonce_str is optional in a cardExt: signed without one by the documented
// rule, it is accepted, and (having no nonce to spend) can be replayed.
func TestWalletAddWithoutNonce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.approvedCoupon(nil)
	ticket := h.ticket("wx_card")
	ts := testEpoch.Unix()
	ext := `{"timestamp":"` + strconv.FormatInt(ts, 10) + `","signature":"` + signer.CardExtSignature(ticket, ts, id, "", "", "") + `"}`
	for _, openID := range []string{"oA", "oA"} {
		res := h.walletAdd(openID, signer.CardList{{CardID: id, CardExt: ext}}).CardList[0]
		assert.True(t, res.IsSuccess, "%s: %s", res.Reason, res.Errmsg)
	}
	r := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA"})
	assert.Len(t, r.body["card_list"], 2, "the replay added a second card")
}

func TestWalletAddReusedNonce(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	list := h.signCards(h.ticket("wx_card"), signer.Card{CardID: id})
	first := h.walletAdd("oA", list)
	require.True(t, first.CardList[0].IsSuccess)
	second := h.walletAdd("oA", list)
	assert.False(t, second.CardList[0].IsSuccess)
	assert.Equal(t, emulator.ReasonNonceReused, second.CardList[0].Reason)
	assert.Equal(t, emulator.ErrcodeInvalidCardExt, second.CardList[0].Errcode)
}

func TestWalletAddCustomCodes(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"C0001"}})
	res := h.addOne("oA", signer.Card{CardID: id, Code: "C0001"})
	require.True(t, res.IsSuccess, res.Errmsg)
	assert.Equal(t, "C0001", res.Code)
	again := h.addOne("oB", signer.Card{CardID: id, Code: "C0001"})
	assert.Equal(t, emulator.ReasonCodeTaken, again.Reason)
	// A custom code needs card_id in code endpoints.
	r := h.wx("card/code/get", map[string]any{"code": "C0001"})
	assert.Equal(t, emulator.ErrcodeMissingCardID, r.errcode())
	h.wxOK("card/code/get", map[string]any{"code": "C0001", "card_id": id})
}

func TestWalletAddStockAndGetLimit(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["sku"] = map[string]any{"quantity": 3}
		bi["get_limit"] = 2
	})
	for i := 0; i < 2; i++ {
		require.True(t, h.claim("oA", id).IsSuccess)
	}
	limited := h.claim("oA", id)
	assert.Equal(t, emulator.ErrcodeGetLimit, limited.Errcode)
	assert.Equal(t, emulator.ReasonGetLimit, limited.Reason)
	require.True(t, h.claim("oB", id).IsSuccess)
	empty := h.claim("oC", id)
	assert.Equal(t, emulator.ErrcodeStockEmpty, empty.Errcode)
	assert.Equal(t, emulator.ReasonStockEmpty, empty.Reason)
}

func TestWalletAddWhitelistedTesterGetsUnapprovedCard(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.createCard(couponBody(nil))
	h.wxOK("card/testwhitelist/set", map[string]any{"openid": []string{"oTester"}})
	assert.True(t, h.claim("oTester", id).IsSuccess)
	assert.Equal(t, emulator.ReasonCardNotApproved, h.claim("oOther", id).Reason)
}

func TestWalletAddTicketLifecycle(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	old := h.ticket("wx_card")
	// Into the ticket's last 5 minutes: getticket renews it, and the
	// replaced ticket keeps verifying until it expires.
	require.NoError(t, h.emu.Advance(context.Background(), 2*time.Hour-4*time.Minute))
	h.token = "" // the first token has expired by now
	fresh := h.ticket("wx_card")
	require.NotEqual(t, old, fresh)
	cur, ok := h.emu.Ticket(testAppID, "wx_card")
	require.True(t, ok)
	assert.Equal(t, fresh, cur)
	assert.True(t, h.walletAdd("oA", h.signCards(old, signer.Card{CardID: id})).CardList[0].IsSuccess)
	assert.True(t, h.walletAdd("oB", h.signCards(fresh, signer.Card{CardID: id})).CardList[0].IsSuccess)
	// Past the old ticket's expiry it is rejected, and says why.
	require.NoError(t, h.emu.Advance(context.Background(), 5*time.Minute))
	res := h.walletAdd("oC", h.signCards(old, signer.Card{CardID: id})).CardList[0]
	assert.Equal(t, emulator.ReasonTicketExpired, res.Reason)
	assert.Equal(t, emulator.ErrcodeInvalidCardExt, res.Errcode)
}

func TestWalletAddExpiredCardAndNoTicket(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": testEpoch.Add(-time.Hour).Unix(), "end_timestamp": testEpoch.Add(time.Hour).Unix()}
	})
	res := h.walletAdd("oA", h.signCards("some-ticket-never-issued", signer.Card{CardID: id})).CardList[0]
	assert.Equal(t, emulator.ReasonNoTicket, res.Reason)
	require.NoError(t, h.emu.Advance(context.Background(), 90*time.Minute))
	res = h.claim("oA", id)
	assert.Equal(t, emulator.ErrcodeInvalidTime, res.Errcode)
	assert.Equal(t, emulator.ReasonCardExpired, res.Reason)
}

func TestWalletAddFixTermWindow(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 7, "fixed_begin_term": 1}
	})
	res := h.claim("oA", id)
	require.True(t, res.IsSuccess)
	card := h.wxOK("card/code/get", map[string]any{"code": res.Code}).body["card"].(map[string]any)
	assert.EqualValues(t, testEpoch.Unix()+86400, card["begin_time"])
	assert.EqualValues(t, testEpoch.Unix()+8*86400, card["end_time"])
	begin := testEpoch.Add(48 * time.Hour).Unix()
	res = h.addOne("oB", signer.Card{CardID: id, FixedBeginTimestamp: begin})
	card = h.wxOK("card/code/get", map[string]any{"code": res.Code}).body["card"].(map[string]any)
	assert.EqualValues(t, begin, card["begin_time"])
}

func TestWalletAddBadRequests(t *testing.T) {
	h := newPersistedHarness(t)
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"not json", "{", http.StatusBadRequest, "invalid_json"},
		{"no openid", map[string]any{"cardList": []any{map[string]any{"cardId": "p"}}}, http.StatusBadRequest, "invalid_request"},
		{"empty list", map[string]any{"openid": "o"}, http.StatusBadRequest, "invalid_request"},
		{"unknown app", map[string]any{"appid": "wxffffffffffffffff", "openid": "o", "cardList": []any{map[string]any{"cardId": "p"}}}, http.StatusNotFound, "unknown_app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("POST", "/emulator/v1/wallet/add", tt.body, nil)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.code, r.body["error"].(map[string]any)["code"])
		})
	}
	// An unparsable cardExt is a per-card failure, not a request error.
	id := h.approvedCoupon(nil)
	out := h.walletAdd("o", signer.CardList{{CardID: id, CardExt: "not json"}})
	assert.Equal(t, emulator.ReasonBadCardExt, out.CardList[0].Reason)
}

func TestDeletedCardRefusesWalletAndConsume(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	code := h.claim("oA", id).Code
	h.wxOK("card/delete", map[string]any{"card_id": id})
	res := h.claim("oB", id)
	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, res.Errcode)
	assert.Equal(t, emulator.ReasonCardDeleted, res.Reason)
	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, h.wx("card/code/consume", map[string]any{"code": code}).errcode())
	got := h.wxOK("card/code/get", map[string]any{"code": code, "check_consume": false})
	assert.Equal(t, false, got.body["can_consume"])
}

func TestWalletAddSeveralCardsMixedResults(t *testing.T) {
	h := newPersistedHarness(t)
	a := h.approvedCoupon(nil)
	b := h.approvedCoupon(func(bi map[string]any) { bi["sku"] = map[string]any{"quantity": 0} })
	out := h.walletAdd("oA", h.signCards(h.ticket("wx_card"), signer.Card{CardID: a}, signer.Card{CardID: b}, signer.Card{CardID: a}))
	assert.Equal(t, "addCard:fail", out.ErrMsg)
	require.Len(t, out.CardList, 3)
	assert.True(t, out.CardList[0].IsSuccess)
	assert.Equal(t, emulator.ErrcodeStockEmpty, out.CardList[1].Errcode)
	assert.True(t, out.CardList[2].IsSuccess, "each card has its own nonce")
	assert.NotEqual(t, out.CardList[0].Code, out.CardList[2].Code)
}

func TestWalletAddTimestampWindow(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithCardExtWindow(time.Minute, 10*time.Second))
	id := h.approvedCoupon(nil)
	ticket := h.ticket("wx_card")
	at := func(ts time.Time) signer.CardList {
		s, err := signer.New(signer.WithClock(func() time.Time { return ts }))
		require.NoError(t, err)
		list, err := s.AddCard(ticket, []signer.Card{{CardID: id}})
		require.NoError(t, err)
		return list
	}
	assert.True(t, h.walletAdd("o1", at(testEpoch.Add(-59*time.Second))).CardList[0].IsSuccess)
	assert.Equal(t, emulator.ReasonTimestamp, h.walletAdd("o2", at(testEpoch.Add(-61*time.Second))).CardList[0].Reason)
	assert.True(t, h.walletAdd("o3", at(testEpoch.Add(10*time.Second))).CardList[0].IsSuccess)
	assert.Equal(t, emulator.ReasonTimestamp, h.walletAdd("o4", at(testEpoch.Add(11*time.Second))).CardList[0].Reason)
	// A timestamp in milliseconds, correctly signed, is far in the future.
	nonce := "millisecondsnonce"
	ms := testEpoch.UnixMilli()
	ext := `{"timestamp":"` + strconv.FormatInt(ms, 10) + `","nonce_str":"` + nonce + `","signature":"` +
		signer.CardExtSignature(ticket, ms, id, "", "", nonce) + `"}`
	assert.Equal(t, emulator.ReasonTimestamp, h.walletAdd("o5", signer.CardList{{CardID: id, CardExt: ext}}).CardList[0].Reason)
}

func TestAddToWalletFromGo(t *testing.T) {
	t.Parallel()
	h := newPersistedHarness(t)
	ctx := t.Context()
	id := h.approvedCoupon(nil)
	list := h.signCards(h.ticket("wx_card"), signer.Card{CardID: id})
	out, err := h.emu.AddToWallet(ctx, testAppID, "oGo", list)
	require.NoError(t, err)
	assert.Equal(t, "addCard:ok", out.ErrMsg)
	require.Len(t, out.CardList, 1)
	assert.True(t, out.CardList[0].IsSuccess)
	again, err := h.emu.AddToWallet(ctx, testAppID, "oGo", list)
	require.NoError(t, err, "a refused card is an answer, not an error")
	assert.Equal(t, emulator.ReasonNonceReused, again.CardList[0].Reason)

	tests := []struct {
		name   string
		appID  string
		openID string
		list   signer.CardList
		want   error
	}{
		{"unknown app", "wxffffffffffffffff", "oGo", list, emulator.ErrUnknownApp},
		{"no openid", testAppID, "", list, emulator.ErrInvalidArgument},
		{"long openid", testAppID, strings.Repeat("o", 129), list, emulator.ErrInvalidArgument},
		{"empty list", testAppID, "oGo", nil, emulator.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.emu.AddToWallet(ctx, tt.appID, tt.openID, tt.list)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}
