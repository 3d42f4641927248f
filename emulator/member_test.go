package emulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

// typedCard creates and approves a card of cardType with extra fields.
func (h *harness) typedCard(cardType string, extra map[string]any) string {
	h.t.Helper()
	bi := couponBody(nil)["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"]
	attrs := map[string]any{"base_info": bi}
	for k, v := range extra {
		attrs[k] = v
	}
	id := h.createCard(map[string]any{"card": map[string]any{"card_type": cardType, strings.ToLower(cardType): attrs}})
	h.approve(id)
	return id
}

func (h *harness) memberCard() string {
	return h.typedCard("MEMBER_CARD", map[string]any{"prerogative": "九折", "supply_bonus": true, "supply_balance": true,
		"custom_field1": map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"}})
}

func TestMemberCardActivateUpdateUserInfo(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.memberCard()
	code := h.claim("oM", id).Code

	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": 1}).errcode(), "not activated yet")
	h.wxOK("card/membercard/activate", map[string]any{
		"membership_number": "M0001", "code": code, "card_id": id,
		"init_bonus": 100, "init_balance": 2000, "init_custom_field_value1": "白银",
		"activate_begin_time": testEpoch.Unix(), "activate_end_time": testEpoch.Add(365 * 24 * time.Hour).Unix(),
	})
	info := h.wxOK("card/membercard/userinfo/get", map[string]any{"card_id": id, "code": code})
	assert.Equal(t, "oM", info.str("openid"))
	assert.Equal(t, "M0001", info.str("membership_number"))
	assert.EqualValues(t, 100, info.body["bonus"])
	assert.EqualValues(t, 2000, info.body["balance"])
	assert.Equal(t, true, info.body["has_active"])
	assert.Equal(t, "NORMAL", info.str("user_card_status"))
	custom := info.body["user_info"].(map[string]any)["custom_field_list"].([]any)
	assert.Equal(t, []any{map[string]any{"name": "init_custom_field_value1", "value": "白银"}}, custom)

	r := h.wxOK("card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": 50, "balance": 500, "custom_field_value1": "黄金"})
	assert.EqualValues(t, 150, r.body["result_bonus"])
	assert.EqualValues(t, 500, r.body["result_balance"])
	assert.Equal(t, "oM", r.str("openid"))
	got := h.wxOK("card/code/get", map[string]any{"code": code, "card_id": id}).body["card"].(map[string]any)
	assert.Equal(t, "M0001", got["membership_number"])
	assert.EqualValues(t, 150, got["bonus"])

	tests := []callCase{
		{"bonus below zero", "card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": -151}, emulator.ErrcodeInvalidArgs},
		{"set and add together", "card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "bonus": 1, "add_bonus": 1}, emulator.ErrcodeInvalidArgs},
		{"bonus not a number", "card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": "lots"}, emulator.ErrcodeDataFormat},
		{"activate without number", "card/membercard/activate", map[string]any{"code": code, "card_id": id}, emulator.ErrcodeMissingField},
		{"activate without code", "card/membercard/activate", map[string]any{"membership_number": "M", "card_id": id}, emulator.ErrcodeMissingField},
		{"activate negative bonus", "card/membercard/activate", map[string]any{"membership_number": "M", "code": code, "card_id": id, "init_bonus": -1}, emulator.ErrcodeInvalidArgs},
		{"activate bad window", "card/membercard/activate", map[string]any{"membership_number": "M", "code": code, "card_id": id, "activate_begin_time": 10, "activate_end_time": 5}, emulator.ErrcodeInvalidTimeRange},
		{"userinfo without card_id", "card/membercard/userinfo/get", map[string]any{"code": code}, emulator.ErrcodeMissingCardID},
		{"userinfo unknown code", "card/membercard/userinfo/get", map[string]any{"code": "1", "card_id": id}, emulator.ErrcodeInvalidSerialCode},
	}
	h.expectErrcodes(t, tests)
	// A coupon is not a member card.
	coupon := h.approvedCoupon(nil)
	cc := h.claim("oM", coupon).Code
	assert.Equal(t, emulator.ErrcodeInvalidCardType, h.wx("card/membercard/activate", map[string]any{"membership_number": "M", "code": cc, "card_id": coupon}).errcode())
	// A consumed member card cannot be activated.
	h.wxOK("card/code/consume", map[string]any{"code": cc})
}

func TestMemberCardActivationForm(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.memberCard()
	h.wxOK("card/membercard/activateuserform/set", map[string]any{
		"card_id":       id,
		"required_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE"}},
		"optional_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_BIRTHDAY"}},
	})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/membercard/activateuserform/set", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeDataFormat, h.wx("card/membercard/activateuserform/set", map[string]any{"card_id": id, "required_form": "mobile"}).errcode())
	coupon := h.approvedCoupon(nil)
	assert.Equal(t, emulator.ErrcodeInvalidCardType, h.wx("card/membercard/activateuserform/set", map[string]any{"card_id": coupon, "required_form": map[string]any{}}).errcode())

	ticket, err := h.emu.FillActivationForm(context.Background(), testAppID, id, "oM", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "favourite": "tea"})
	require.NoError(t, err)
	info := h.wxOK("card/membercard/activatetempinfo/get", map[string]any{"activate_ticket": ticket}).body["info"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"name": "USER_FORM_INFO_FLAG_MOBILE", "value": "13800000000"}}, info["common_field_list"])
	assert.Equal(t, []any{map[string]any{"name": "favourite", "value": "tea"}}, info["custom_field_list"])
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/membercard/activatetempinfo/get", map[string]any{}).errcode())
	h.advance(31 * time.Minute)
	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wx("card/membercard/activatetempinfo/get", map[string]any{"activate_ticket": ticket}).errcode())

	_, err = h.emu.FillActivationForm(context.Background(), testAppID, coupon, "oM", nil)
	assert.ErrorIs(t, err, emulator.ErrNotFound)
	_, err = h.emu.FillActivationForm(context.Background(), "wx0", id, "oM", nil)
	assert.ErrorIs(t, err, emulator.ErrUnknownApp)
	_, err = h.emu.FillActivationForm(context.Background(), testAppID, id, "", nil)
	assert.ErrorIs(t, err, emulator.ErrInvalidArgument)

	u := h.wxOK("card/membercard/activate/geturl", map[string]any{"card_id": id, "outer_str": "a b"}).str("url")
	assert.True(t, strings.HasPrefix(u, h.srv.URL+"/bizmall/activatemembercard?"), u)
	assert.Contains(t, u, "outer_str=a+b")
	assert.Equal(t, emulator.ErrcodeInvalidCardType, h.wx("card/membercard/activate/geturl", map[string]any{"card_id": coupon}).errcode())
}

func TestGeneralCard(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.typedCard("GENERAL_CARD", map[string]any{"prerogative": "会员价"})
	code := h.claim("oG", id).Code
	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/generalcard/unactivate", map[string]any{"card_id": id, "code": code}).errcode())
	h.wxOK("card/generalcard/activate", map[string]any{"membership_number": "G1", "code": code, "card_id": id, "init_bonus": 5})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/generalcard/activate", map[string]any{"code": code, "card_id": id}).errcode(), "neither membership_number nor card_number")
	r := h.wxOK("card/generalcard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": 5})
	assert.EqualValues(t, 10, r.body["result_bonus"])
	h.wxOK("card/generalcard/unactivate", map[string]any{"card_id": id, "code": code})
	assert.Equal(t, emulator.ErrcodeInvalidUserCardState, h.wx("card/generalcard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": 5}).errcode())
	member := h.memberCard()
	mc := h.claim("oG", member).Code
	assert.Equal(t, emulator.ErrcodeInvalidCardType, h.wx("card/generalcard/activate", map[string]any{"membership_number": "G1", "code": mc, "card_id": member}).errcode())

	other := h.claim("oH", id).Code
	h.wxOK("card/generalcard/activate", map[string]any{"card_number": "G2", "code": other, "card_id": id})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/membercard/activate", map[string]any{"card_number": "M1", "code": mc, "card_id": member}).errcode(),
		"member cards still need membership_number")
}

func TestTicketCards(t *testing.T) {
	h := newPersistedHarness(t)
	boarding := h.typedCard("BOARDING_PASS", map[string]any{"from": "PEK", "to": "SHA", "flight": "CA1501"})
	meeting := h.typedCard("MEETING_TICKET", map[string]any{"meeting_detail": "年会"})
	movie := h.typedCard("MOVIE_TICKET", map[string]any{"detail": "电影"})
	bc := h.claim("oT", boarding).Code
	mc := h.claim("oT", meeting).Code
	vc := h.claim("oT", movie).Code

	h.wxOK("card/boardingpass/checkin", map[string]any{"code": bc, "card_id": boarding, "passenger_name": "乘客", "class": "Y", "etkt_bnr": "7812345678", "seat": "12A"})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/boardingpass/checkin", map[string]any{"code": bc, "card_id": boarding, "class": "Y"}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCardType, h.wx("card/boardingpass/checkin", map[string]any{"code": mc, "card_id": meeting, "passenger_name": "x", "class": "Y", "etkt_bnr": "1"}).errcode())
	h.wxOK("card/meetingticket/updateuser", map[string]any{"code": mc, "card_id": meeting, "zone": "A", "seat_number": "1"})
	h.wxOK("card/movieticket/updateuser", map[string]any{"code": vc, "card_id": movie, "ticket_class": "3D", "show_time": testEpoch.Unix(), "duration": 120})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/movieticket/updateuser", map[string]any{"code": vc, "card_id": movie}).errcode())
	h.wxOK("card/code/consume", map[string]any{"code": vc})
	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/movieticket/updateuser", map[string]any{"code": vc, "card_id": movie, "ticket_class": "3D", "show_time": 1, "duration": 1}).errcode())
}

func TestSubMerchants(t *testing.T) {
	h := newPersistedHarness(t)
	info := map[string]any{
		"brand_name": "子商户", "logo_url": "http://mmbiz.qpic.cn/sub.png", "protocol": "media-1",
		"end_time": testEpoch.Add(365 * 24 * time.Hour).Unix(), "primary_category_id": 1, "secondary_category_id": 101,
		"ignored_field": "dropped",
	}
	r := h.wxOK("card/submerchant/submit", map[string]any{"info": info})
	got := r.body["info"].(map[string]any)
	assert.EqualValues(t, 1, got["merchant_id"])
	assert.Equal(t, emulator.SubMerchantChecking, got["status"])
	assert.Equal(t, testAppID, got["app_id"])
	assert.NotContains(t, got, "ignored_field")

	// A card may name only an approved sub-merchant.
	withSub := couponBody(func(bi map[string]any) { bi["sub_merchant_info"] = map[string]any{"merchant_id": 1} })
	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wx("card/create", withSub).errcode())

	r = h.wxOK("card/submerchant/update", map[string]any{"info": map[string]any{"merchant_id": 1, "brand_name": "新名字"}})
	assert.Equal(t, "新名字", r.body["info"].(map[string]any)["brand_name"])
	r = h.wxOK("card/submerchant/get", map[string]any{"merchant_id": 1})
	assert.Equal(t, "新名字", r.body["info"].(map[string]any)["brand_name"])
	assert.Equal(t, "http://mmbiz.qpic.cn/sub.png", r.body["info"].(map[string]any)["logo_url"])

	h2 := newHarness(t, emulator.WithAutoApprove(true))
	h2.wxOK("card/submerchant/submit", map[string]any{"info": info})
	h2.wxOK("card/submerchant/submit", map[string]any{"info": info})
	h2.wxOK("card/create", withSub)
	list := h2.wxOK("card/submerchant/batchget", map[string]any{"begin_id": 0, "limit": 1, "status": emulator.SubMerchantApproved})
	assert.Len(t, list.body["info_list"], 1)
	assert.EqualValues(t, 2, list.body["next_begin_id"])
	list = h2.wxOK("card/submerchant/batchget", map[string]any{"begin_id": 2, "limit": 10})
	assert.Len(t, list.body["info_list"], 1)
	assert.EqualValues(t, 0, list.body["next_begin_id"])

	tests := []callCase{
		{"submit without info", "card/submerchant/submit", map[string]any{}, emulator.ErrcodeMissingField},
		{"submit without protocol", "card/submerchant/submit", map[string]any{"info": map[string]any{"brand_name": "x", "logo_url": "y"}}, emulator.ErrcodeMissingField},
		{"brand too long", "card/submerchant/submit", map[string]any{"info": map[string]any{"brand_name": strings.Repeat("长", 13), "logo_url": "y", "protocol": "p", "end_time": 1, "primary_category_id": 1, "secondary_category_id": 1}}, emulator.ErrcodeFieldTooLong},
		{"update without id", "card/submerchant/update", map[string]any{"info": map[string]any{"brand_name": "x"}}, emulator.ErrcodeMissingField},
		{"update unknown", "card/submerchant/update", map[string]any{"info": map[string]any{"merchant_id": 99}}, emulator.ErrcodeInvalidArgs},
		{"get unknown", "card/submerchant/get", map[string]any{"merchant_id": 99}, emulator.ErrcodeInvalidArgs},
		{"get without id", "card/submerchant/get", map[string]any{}, emulator.ErrcodeMissingField},
		{"batchget limit", "card/submerchant/batchget", map[string]any{"limit": 101}, emulator.ErrcodeInvalidArgs},
		{"batchget status", "card/submerchant/batchget", map[string]any{"limit": 1, "status": "SLEEPING"}, emulator.ErrcodeInvalidArgs},
	}
	h.expectErrcodes(t, tests)
}
