package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestDepositCheckAndCount(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	r := h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"A1", "A2", "A1", "", "012345678901234567890"}})
	assert.Equal(t, []any{"A1", "A2"}, r.body["succ_code"])
	assert.Equal(t, []any{"A1"}, r.body["duplicate_code"])
	assert.Equal(t, []any{"", "012345678901234567890"}, r.body["fail_code"])
	r = h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"A2", "A3"}})
	assert.Equal(t, []any{"A3"}, r.body["succ_code"])
	assert.Equal(t, []any{"A2"}, r.body["duplicate_code"])
	assert.EqualValues(t, 3, h.wxOK("card/code/getdepositcount", map[string]any{"card_id": id}).body["count"])
	r = h.wxOK("card/code/checkcode", map[string]any{"card_id": id, "code": []string{"A1", "B1", "A3"}})
	assert.Equal(t, []any{"A1", "A3"}, r.body["exist_code"])
	assert.Equal(t, []any{"B1"}, r.body["not_exist_code"])

	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("M%03d", i)
	}
	assert.Equal(t, emulator.ErrcodeTooManyCodes, h.wx("card/code/deposit", map[string]any{"card_id": id, "code": many}).errcode())
	assert.Equal(t, emulator.ErrcodeTooManyCodes, h.wx("card/code/checkcode", map[string]any{"card_id": id, "code": many}).errcode())
	assert.EqualValues(t, 3, h.wxOK("card/code/getdepositcount", map[string]any{"card_id": id}).body["count"], "a rejected call deposits nothing")
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/code/deposit", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/code/checkcode", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeMissingCardID, h.wx("card/code/deposit", map[string]any{"code": []string{"x"}}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCardID, h.wx("card/code/getdepositcount", map[string]any{"card_id": "pX"}).errcode())
	assert.Equal(t, emulator.ErrcodeDataFormat, h.wx("card/code/deposit", map[string]any{"card_id": id, "code": "A9"}).errcode())

	generated := h.approvedCoupon(nil)
	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, h.wx("card/code/deposit", map[string]any{"card_id": generated, "code": []string{"x"}}).errcode())
}

func TestCodeGetConsume(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	res := h.addOne("oA", signer.Card{CardID: id, OuterStr: "campaign-7"})
	require.True(t, res.IsSuccess)
	code := res.Code

	got := h.wxOK("card/code/get", map[string]any{"code": code, "check_consume": true})
	assert.Equal(t, true, got.body["can_consume"])
	assert.Equal(t, "campaign-7", got.str("outer_str"))
	card := got.body["card"].(map[string]any)
	assert.Equal(t, id, card["card_id"])

	r := h.wxOK("card/code/consume", map[string]any{"code": code})
	assert.Equal(t, "oA", r.str("openid"))
	assert.Equal(t, id, r.body["card"].(map[string]any)["card_id"])

	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/code/consume", map[string]any{"code": code}).errcode())
	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/code/get", map[string]any{"code": code}).errcode(), "check_consume defaults to true")
	got = h.wxOK("card/code/get", map[string]any{"code": code, "check_consume": false})
	assert.Equal(t, "CONSUMED", got.str("user_card_status"))
	assert.Equal(t, false, got.body["can_consume"])

	tests := []callCase{
		{"get without code", "card/code/get", map[string]any{}, emulator.ErrcodeMissingField},
		{"get unknown code", "card/code/get", map[string]any{"code": "999"}, emulator.ErrcodeInvalidSerialCode},
		{"get code of another card", "card/code/get", map[string]any{"code": code, "card_id": h.approvedCoupon(nil)}, emulator.ErrcodeInvalidSerialCode},
		{"get unknown card", "card/code/get", map[string]any{"code": code, "card_id": "pNope"}, emulator.ErrcodeInvalidCardID},
		{"consume without code", "card/code/consume", map[string]any{"card_id": id}, emulator.ErrcodeMissingField},
		{"consume empty body", "card/code/consume", nil, emulator.ErrcodeEmptyPostData},
		{"consume code as number", "card/code/consume", map[string]any{"code": 12}, emulator.ErrcodeDataFormat},
	}
	h.expectErrcodes(t, tests)
}

func TestCodeExpiresWithCard(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 1}
	})
	res := h.claim("oA", id)
	h.advance(25 * time.Hour)
	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/code/consume", map[string]any{"code": res.Code}).errcode())
	got := h.wxOK("card/code/get", map[string]any{"code": res.Code, "check_consume": false})
	assert.Equal(t, "EXPIRE", got.str("user_card_status"))
	r := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA"})
	assert.Empty(t, r.body["card_list"], "expired cards leave the wallet list")
}

func TestDecryptCode(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	res := h.claim("oA", id)
	r := h.do("POST", "/emulator/v1/encrypt", map[string]any{"code": res.Code}, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	enc := r.str("encrypt_code")
	assert.Equal(t, res.EncryptCode, enc, "the same code always encrypts the same way")
	assert.Equal(t, res.Code, h.wxOK("card/code/decrypt", map[string]any{"encrypt_code": enc}).str("code"))
	assert.Equal(t, emulator.ErrcodeInvalidSerialCode, h.wx("card/code/decrypt", map[string]any{"encrypt_code": "bm9wZQ=="}).errcode())
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/code/decrypt", map[string]any{}).errcode())

	r = h.do("POST", "/emulator/v1/encrypt", map[string]any{"code": "000"}, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	r = h.do("POST", "/emulator/v1/encrypt", map[string]any{}, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func TestUpdateCode(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"OLD1", "OTHER"}})
	require.True(t, h.addOne("oA", signer.Card{CardID: id, Code: "OLD1"}).IsSuccess)
	require.True(t, h.addOne("oB", signer.Card{CardID: id, Code: "OTHER"}).IsSuccess)
	enc := h.do("POST", "/emulator/v1/encrypt", map[string]any{"code": "OLD1", "card_id": id}, nil).str("encrypt_code")

	assert.Equal(t, emulator.ErrcodeInvalidCode, h.wx("card/code/update", map[string]any{"code": "OLD1", "card_id": id, "new_code": "OTHER"}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCode, h.wx("card/code/update", map[string]any{"code": "OLD1", "card_id": id, "new_code": "has space"}).errcode())
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/code/update", map[string]any{"code": "OLD1", "card_id": id}).errcode())
	h.wxOK("card/code/update", map[string]any{"code": "OLD1", "card_id": id, "new_code": "NEW1"})
	assert.Equal(t, emulator.ErrcodeInvalidSerialCode, h.wx("card/code/get", map[string]any{"code": "OLD1", "card_id": id}).errcode())
	assert.Equal(t, "oA", h.wxOK("card/code/get", map[string]any{"code": "NEW1", "card_id": id}).str("openid"))
	assert.Equal(t, emulator.ErrcodeInvalidSerialCode, h.wx("card/code/decrypt", map[string]any{"encrypt_code": enc}).errcode(), "the old code's encrypt_code dies with it")
	list := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA"}).body["card_list"]
	assert.Equal(t, []any{map[string]any{"code": "NEW1", "card_id": id}}, list)
}

func TestDisableCode(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	code := h.claim("oA", id).Code
	h.wxOK("card/code/unavailable", map[string]any{"code": code, "reason": "refund"})
	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/code/unavailable", map[string]any{"code": code}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/code/consume", map[string]any{"code": code}).errcode())
	assert.Equal(t, "UNAVAILABLE", h.wxOK("card/code/get", map[string]any{"code": code, "check_consume": false}).str("user_card_status"))

	code2 := h.claim("oA", id).Code
	h.wxOK("card/code/consume", map[string]any{"code": code2})
	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/code/unavailable", map[string]any{"code": code2}).errcode())

	code3 := h.claim("oA", id).Code
	assert.Equal(t, emulator.ErrcodeFieldTooLong, h.wx("card/code/unavailable", map[string]any{"code": code3, "reason": string(make([]byte, 200))}).errcode())
	require.NoError(t, h.emu.RemoveFromWallet(context.Background(), testAppID, id, code3))
	assert.Equal(t, "DELETE", h.wxOK("card/code/get", map[string]any{"code": code3, "check_consume": false}).str("user_card_status"))
	assert.ErrorIs(t, h.emu.RemoveFromWallet(context.Background(), testAppID, id, "nope"), emulator.ErrNotFound)
	assert.ErrorIs(t, h.emu.RemoveFromWallet(context.Background(), "wx0", id, code3), emulator.ErrUnknownApp)
}

func TestUserCardList(t *testing.T) {
	h := newPersistedHarness(t)
	a := h.approvedCoupon(nil)
	b := h.approvedCoupon(nil)
	ca := h.claim("oA", a).Code
	require.NoError(t, h.emu.Advance(context.Background(), time.Second))
	cb := h.claim("oA", b).Code
	h.claim("oB", a)
	r := h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA"})
	assert.Equal(t, []any{map[string]any{"code": ca, "card_id": a}, map[string]any{"code": cb, "card_id": b}}, r.body["card_list"])
	assert.Equal(t, false, r.body["has_share_card"])
	r = h.wxOK("card/user/getcardlist", map[string]any{"openid": "oA", "card_id": b})
	assert.Equal(t, []any{map[string]any{"code": cb, "card_id": b}}, r.body["card_list"])
	r = h.wxOK("card/user/getcardlist", map[string]any{"openid": "oNobody"})
	assert.Equal(t, []any{}, r.body["card_list"])
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/user/getcardlist", map[string]any{}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCardID, h.wx("card/user/getcardlist", map[string]any{"openid": "oA", "card_id": "pNo"}).errcode())
}
