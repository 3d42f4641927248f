package emulator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// TestEndToEndRawHTTP runs the whole merchant flow over HTTP with nothing
// but net/http and signer: stable_token → card/create → approve → deposit
// → getticket → signer.AddCard → wallet/add → getcardlist → code/get →
// consume → a second consume fails; then the ways a cardList goes wrong.
func TestEndToEndRawHTTP(t *testing.T) {
	h := newPersistedHarness(t)
	tok, _ := h.stable(false)
	h.token = tok

	id := h.createCard(couponBody(func(bi map[string]any) {
		bi["use_custom_code"] = true
		bi["get_limit"] = 5
	}))
	h.approve(id)
	codes := []string{"E2E-0001", "E2E-0002", "E2E-0003", "E2E-0004"}
	dep := h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": codes})
	require.Len(t, dep.body["succ_code"], len(codes))

	ticket := h.ticket("wx_card")
	list := h.signCards(ticket, signer.Card{CardID: id, Code: codes[0], OpenID: "oE2E"})
	out := h.walletAdd("oE2E", list)
	require.Equal(t, "addCard:ok", out.ErrMsg, "%+v", out)
	assert.Equal(t, codes[0], out.CardList[0].Code)

	cards := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oE2E", "card_id": id})
	assert.Equal(t, []any{map[string]any{"code": codes[0], "card_id": id}}, cards.body["card_list"])
	got := h.wxOK("card/code/get", map[string]any{"code": codes[0], "card_id": id, "check_consume": true})
	assert.Equal(t, "oE2E", got.str("openid"))
	assert.Equal(t, true, got.body["can_consume"])
	consumed := h.wxOK("card/code/consume", map[string]any{"code": codes[0], "card_id": id})
	assert.Equal(t, "oE2E", consumed.str("openid"))
	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/code/consume", map[string]any{"code": codes[0], "card_id": id}).errcode())

	// Tampered signature.
	tampered := h.signCards(ticket, signer.Card{CardID: id, Code: codes[1]})
	var ext signer.CardExt
	require.NoError(t, json.Unmarshal([]byte(tampered[0].CardExt), &ext))
	ext.Code = codes[2] // sign for one code, claim another
	tampered[0].CardExt = ext.String()
	assert.Equal(t, emulator.ReasonSignatureMismatch, h.walletAdd("oE2E", tampered).CardList[0].Reason)
	// The jsapi ticket used for a card.
	jsapi := h.ticket("jsapi")
	assert.Equal(t, emulator.ReasonWrongTicketType, h.walletAdd("oE2E", h.signCards(jsapi, signer.Card{CardID: id, Code: codes[1]})).CardList[0].Reason)
	// A replayed cardList (reused nonce).
	replay := h.signCards(ticket, signer.Card{CardID: id, Code: codes[1]})
	require.True(t, h.walletAdd("oE2E", replay).CardList[0].IsSuccess)
	assert.Equal(t, emulator.ReasonNonceReused, h.walletAdd("oOther", replay).CardList[0].Reason)
	// An expired ticket.
	h.advance(2*time.Hour + time.Minute)
	res := h.walletAdd("oE2E", h.signCards(ticket, signer.Card{CardID: id, Code: codes[2]})).CardList[0]
	assert.Equal(t, emulator.ReasonTicketExpired, res.Reason)
	// A fresh ticket works again.
	assert.True(t, h.walletAdd("oE2E", h.signCards(h.ticket("wx_card"), signer.Card{CardID: id, Code: codes[2]})).CardList[0].IsSuccess)
}
