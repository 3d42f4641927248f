package emulator_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

func TestCreateCard(t *testing.T) {
	h := newPersistedHarness(t)
	r := h.wxOK("card/create", couponBody(nil))
	id := r.str("card_id")
	assert.Regexp(t, `^p[A-Za-z0-9_-]{27}$`, id)
	got := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)
	assert.Equal(t, "GENERAL_COUPON", got["card_type"])
	coupon := got["general_coupon"].(map[string]any)
	assert.Equal(t, "十元", coupon["default_detail"])
	bi := coupon["base_info"].(map[string]any)
	assert.Equal(t, id, bi["id"])
	assert.Equal(t, emulator.StatusNotVerify, bi["status"])
	assert.Equal(t, "十元代金券", bi["title"])
	assert.EqualValues(t, 3, bi["get_limit"])
	h.approve(id)
	bi = h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)
	assert.Equal(t, emulator.StatusVerifyOK, bi["status"])
}

func TestCreateCardAutoApprove(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithAutoApprove(true))
	id := h.createCard(couponBody(nil))
	r := h.wxOK("card/batchget", map[string]any{"offset": 0, "count": 10, "status_list": []string{emulator.StatusVerifyOK}})
	assert.Equal(t, []any{id}, r.body["card_id_list"])
}

// WeChat's limits are bytes: its own sample title and 27 ASCII letters fit.
func TestCreateCardLimitsAreBytes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for name, edit := range map[string]func(bi map[string]any){
		"WeChat's sample title": func(bi map[string]any) { bi["title"] = "132元双人火锅套餐" },
		"27 ascii letters":      func(bi map[string]any) { bi["title"] = strings.Repeat("t", 27) },
		"9 Chinese characters":  func(bi map[string]any) { bi["title"] = strings.Repeat("券", 9) },
		"36-byte brand":         func(bi map[string]any) { bi["brand_name"] = strings.Repeat("b", 36) },
		"128-byte logo_url":     func(bi map[string]any) { bi["logo_url"] = "http://mmbiz.qpic.cn/" + strings.Repeat("x", 107) },
		"16 Chinese notice":     func(bi map[string]any) { bi["notice"] = strings.Repeat("请", 16) },
		"48 ascii notice":       func(bi map[string]any) { bi["notice"] = strings.Repeat("n", 48) },
		"18 Chinese sub_title":  func(bi map[string]any) { bi["sub_title"] = strings.Repeat("副", 18) },
		"1024 Chinese text":     func(bi map[string]any) { bi["description"] = strings.Repeat("说", 1024) },
	} {
		assert.NotEmpty(t, h.createCard(couponBody(edit)), name)
	}
}

func TestCreateCardValidation(t *testing.T) {
	h := newPersistedHarness(t)
	withType := func(cardType string, attrs map[string]any) map[string]any {
		return map[string]any{"card": map[string]any{"card_type": cardType, strings.ToLower(cardType): attrs}}
	}
	base := func() map[string]any {
		return couponBody(nil)["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)
	}
	edit := func(f func(bi map[string]any)) map[string]any { return couponBody(f) }
	tests := []struct {
		name    string
		body    any
		errcode int
	}{
		{"empty body", nil, emulator.ErrcodeEmptyPostData},
		{"not json", "{]", emulator.ErrcodeDataFormat},
		{"no card", map[string]any{}, emulator.ErrcodeMissingField},
		{"no card_type", map[string]any{"card": map[string]any{}}, emulator.ErrcodeMissingField},
		{"unknown card_type", withType("BUS_PASS", map[string]any{}), emulator.ErrcodeInvalidCardType},
		{"type object missing", map[string]any{"card": map[string]any{"card_type": "GROUPON"}}, emulator.ErrcodeMissingField},
		{"no base_info", withType("GROUPON", map[string]any{"deal_detail": "x"}), emulator.ErrcodeMissingField},
		{"no title", edit(func(bi map[string]any) { delete(bi, "title") }), emulator.ErrcodeMissingField},
		{"title too long", edit(func(bi map[string]any) { bi["title"] = "一二三四五六七八九十" }), emulator.ErrcodeFieldTooLong},
		{"brand too long", edit(func(bi map[string]any) { bi["brand_name"] = strings.Repeat("b", 37) }), emulator.ErrcodeFieldTooLong},
		{"ascii title over 27 bytes", edit(func(bi map[string]any) { bi["title"] = strings.Repeat("t", 28) }), emulator.ErrcodeFieldTooLong},
		{"logo_url over 128 bytes", edit(func(bi map[string]any) { bi["logo_url"] = "http://mmbiz.qpic.cn/" + strings.Repeat("x", 180) }), emulator.ErrcodeFieldTooLong},
		{"sub_title over 54 bytes", edit(func(bi map[string]any) { bi["sub_title"] = strings.Repeat("副", 19) }), emulator.ErrcodeFieldTooLong},
		{"title not a string", edit(func(bi map[string]any) { bi["title"] = 5 }), emulator.ErrcodeDataFormat},
		{"bad code_type", edit(func(bi map[string]any) { bi["code_type"] = "CODE_TYPE_MORSE" }), emulator.ErrcodeInvalidCodeType},
		{"no sku", edit(func(bi map[string]any) { delete(bi, "sku") }), emulator.ErrcodeMissingField},
		{"negative quantity", edit(func(bi map[string]any) { bi["sku"] = map[string]any{"quantity": -1} }), emulator.ErrcodeInvalidQuantity},
		{"huge quantity", edit(func(bi map[string]any) { bi["sku"] = map[string]any{"quantity": 100000001} }), emulator.ErrcodeInvalidQuantity},
		{"no date_info", edit(func(bi map[string]any) { delete(bi, "date_info") }), emulator.ErrcodeMissingField},
		{"bad date type", edit(func(bi map[string]any) { bi["date_info"] = map[string]any{"type": "DATE_TYPE_SOMEDAY"} }), emulator.ErrcodeInvalidTime},
		{"end before begin", edit(func(bi map[string]any) {
			bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": testEpoch.Unix() + 100, "end_timestamp": testEpoch.Unix() + 50}
		}), emulator.ErrcodeInvalidTimeRange},
		{"end in the past", edit(func(bi map[string]any) {
			bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": testEpoch.Unix() - 100, "end_timestamp": testEpoch.Unix() - 50}
		}), emulator.ErrcodeInvalidTime},
		{"fix term without term", edit(func(bi map[string]any) { bi["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM"} }), emulator.ErrcodeInvalidTime},
		{"deposit mode without custom code", edit(func(bi map[string]any) { bi["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT" }), emulator.ErrcodeInvalidArgs},
		{"deposit mode with stock", edit(func(bi map[string]any) {
			bi["use_custom_code"] = true
			bi["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
		}), emulator.ErrcodeInvalidQuantity},
		{"groupon without deal_detail", withType("GROUPON", map[string]any{"base_info": base()}), emulator.ErrcodeMissingField},
		{"discount out of range", withType("DISCOUNT", map[string]any{"base_info": base(), "discount": 100}), emulator.ErrcodeInvalidArgs},
		{"cash without reduce_cost", withType("CASH", map[string]any{"base_info": base(), "least_cost": 1000}), emulator.ErrcodeMissingField},
		{"member card without supply_bonus", withType("MEMBER_CARD", map[string]any{"base_info": base(), "prerogative": "x", "supply_balance": false}), emulator.ErrcodeMissingField},
		{"member card custom_field4", withType("MEMBER_CARD", map[string]any{"base_info": base(), "prerogative": "x", "supply_bonus": true, "supply_balance": false, "custom_field4": map[string]any{}}), emulator.ErrcodeTooManyCustomFields},
		{"unknown sub-merchant", edit(func(bi map[string]any) { bi["sub_merchant_info"] = map[string]any{"merchant_id": 42} }), emulator.ErrcodeInvalidArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.wx("card/create", tt.body)
			assert.Equal(t, tt.errcode, r.errcode(), string(r.raw))
			assert.NotEmpty(t, r.str("errmsg"))
		})
	}
	// None of them created a card.
	r := h.wxOK("card/batchget", map[string]any{"offset": 0, "count": 50})
	assert.EqualValues(t, 0, r.body["total_num"])
}

func TestCardGetErrors(t *testing.T) {
	h := newPersistedHarness(t)
	assert.Equal(t, emulator.ErrcodeMissingCardID, h.wx("card/get", map[string]any{}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCardID, h.wx("card/get", map[string]any{"card_id": "pXXXXXXXXXXXXXXXXXXXXXXXXXXX"}).errcode())
	assert.Equal(t, emulator.ErrcodeDataFormat, h.wx("card/get", map[string]any{"card_id": 7}).errcode())
	assert.Equal(t, emulator.ErrcodeRequirePOST, h.wxGet("card/get", nil).errcode())
	r := h.wx("card/nosuch", map[string]any{})
	assert.Equal(t, 404, r.status)
	assert.Equal(t, emulator.ErrcodeInvalidURL, r.errcode())
}

func TestBatchGet(t *testing.T) {
	h := newPersistedHarness(t)
	var ids []any
	for i := 0; i < 5; i++ {
		ids = append(ids, h.createCard(couponBody(nil)))
	}
	h.approve(ids[1].(string))
	h.approve(ids[3].(string))
	r := h.wxOK("card/batchget", map[string]any{"offset": 1, "count": 2})
	assert.Equal(t, ids[1:3], r.body["card_id_list"])
	assert.EqualValues(t, 5, r.body["total_num"])
	r = h.wxOK("card/batchget", map[string]any{"offset": 0, "count": 50, "status_list": []string{emulator.StatusVerifyOK}})
	assert.Equal(t, []any{ids[1], ids[3]}, r.body["card_id_list"])
	assert.EqualValues(t, 2, r.body["total_num"])
	// EasyWeChat's bare-string status_list is read as a one-item list.
	r = h.wxOK("card/batchget", map[string]any{"offset": 0, "count": 50, "status_list": emulator.StatusNotVerify})
	assert.EqualValues(t, 3, r.body["total_num"])
	for _, body := range []map[string]any{
		{"offset": 0, "count": 0},
		{"offset": 0, "count": 51},
		{"offset": -1, "count": 5},
		{"offset": 0, "count": 5, "status_list": []string{"CARD_STATUS_MAYBE"}},
	} {
		assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wx("card/batchget", body).errcode(), body)
	}
	assert.Equal(t, emulator.ErrcodeDataFormat, h.wx("card/batchget", map[string]any{"count": 5, "status_list": 3}).errcode())
}

func TestUpdateCard(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	// Changing what users see sends the card back to review.
	r := h.wxOK("card/update", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"title": "八折券"}}})
	assert.Equal(t, true, r.body["send_check"])
	bi := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)
	assert.Equal(t, "八折券", bi["title"])
	assert.Equal(t, emulator.StatusNotVerify, bi["status"])
	h.approve(id)
	// Changing get_limit does not.
	r = h.wxOK("card/update", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"get_limit": 9}, "default_detail": "新"}})
	assert.Equal(t, false, r.body["send_check"])
	got := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)
	assert.Equal(t, "新", got["default_detail"])
	assert.EqualValues(t, 9, got["base_info"].(map[string]any)["get_limit"])
	assert.Equal(t, emulator.StatusVerifyOK, got["base_info"].(map[string]any)["status"])

	tests := []bodyCase{
		{"wrong type key", map[string]any{"card_id": id, "groupon": map[string]any{}}, emulator.ErrcodeInvalidCardType},
		{"no type key", map[string]any{"card_id": id}, emulator.ErrcodeMissingField},
		{"sku is not updatable", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"sku": map[string]any{"quantity": 5}}}}, emulator.ErrcodeInvalidArgs},
		{"title too long", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"title": strings.Repeat("长", 10)}}}, emulator.ErrcodeFieldTooLong},
		{"bad date", map[string]any{"card_id": id, "general_coupon": map[string]any{"base_info": map[string]any{"date_info": map[string]any{"type": "?"}}}}, emulator.ErrcodeInvalidTime},
		{"unknown card", map[string]any{"card_id": "pZZZ", "general_coupon": map[string]any{}}, emulator.ErrcodeInvalidCardID},
	}
	h.expectErrcodesAt(t, "card/update", tests)
}

func TestDeleteCard(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	h.wxOK("card/delete", map[string]any{"card_id": id})
	bi := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)
	assert.Equal(t, emulator.StatusDelete, bi["status"])
	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, h.wx("card/delete", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, h.wx("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 1}).errcode())
	r := h.do("POST", "/emulator/v1/cards/"+id+"/approve", nil, nil)
	assert.Equal(t, 409, r.status)
}

func TestColorsAndCategories(t *testing.T) {
	h := newPersistedHarness(t)
	colors := h.wxGet("card/getcolors", nil)
	require.Equal(t, 0, colors.errcode())
	list := colors.body["colors"].([]any)
	require.NotEmpty(t, list)
	assert.Equal(t, map[string]any{"name": "Color010", "value": "#63b359"}, list[0])
	cats := h.wxGet("card/getapplyprotocol", nil)
	require.Equal(t, 0, cats.errcode())
	first := cats.body["category"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 1, first["primary_category_id"])
	sub := first["secondary_category"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 101, sub["secondary_category_id"])
	assert.Contains(t, sub, "need_qualification_stuffs")
	// Some SDKs POST it.
	assert.Equal(t, 0, h.wx("card/getapplyprotocol", nil).errcode())
}

func TestModifyStock(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	stock := func() (q, total float64) {
		sku := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)["sku"].(map[string]any)
		return sku["quantity"].(float64), sku["total_quantity"].(float64)
	}
	h.wxOK("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 50})
	q, total := stock()
	assert.EqualValues(t, 150, q)
	assert.EqualValues(t, 150, total)
	h.wxOK("card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 149})
	q, _ = stock()
	assert.EqualValues(t, 1, q)
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, h.wx("card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 2}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, h.wx("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": -2}).errcode())
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/modifystock", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, h.wx("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 100000000}).errcode())
	q, _ = stock()
	assert.EqualValues(t, 1, q, "failed calls change nothing")
}

func TestDepositModeStock(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["use_custom_code"] = true
		bi["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
		bi["sku"] = map[string]any{"quantity": 0}
	})
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": []string{"A1", "A2", "A3"}})
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, h.wx("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 4}).errcode())
	h.wxOK("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 3})
}

func TestPayCellSelfConsumeWhitelistHTML(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.createCard(couponBody(nil))
	h.wxOK("card/paycell/set", map[string]any{"card_id": id, "is_open": true})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/paycell/set", map[string]any{"card_id": id}).errcode())
	assert.Equal(t, emulator.ErrcodeDataFormat, h.wx("card/paycell/set", map[string]any{"card_id": id, "is_open": "yes"}).errcode())
	h.wxOK("card/selfconsumecell/set", map[string]any{"card_id": id, "is_open": true, "need_verify_cod": true})
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/selfconsumecell/set", map[string]any{"card_id": id}).errcode())

	h.wxOK("card/testwhitelist/set", map[string]any{"openid": []string{"o1", "o2"}})
	h.wxOK("card/testwhitelist/set", map[string]any{"username": []string{"wxid_tester"}})
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "o" + string(rune('a'+i))
	}
	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wx("card/testwhitelist/set", map[string]any{"openid": eleven}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidArgs, h.wx("card/testwhitelist/set", map[string]any{"openid": eleven[:6], "username": eleven[6:]}).errcode(), "one limit for both lists")
	assert.Equal(t, emulator.ErrcodeMissingField, h.wx("card/testwhitelist/set", map[string]any{}).errcode())
	assert.Equal(t, emulator.ErrcodeInvalidOpenID, h.wx("card/testwhitelist/set", map[string]any{"openid": []string{""}}).errcode())

	assert.Equal(t, emulator.ErrcodeInvalidCardStatus, h.wx("card/mpnews/gethtml", map[string]any{"card_id": id}).errcode())
	h.approve(id)
	content := h.wxOK("card/mpnews/gethtml", map[string]any{"card_id": id}).str("content")
	assert.Contains(t, content, "<iframe")
	assert.Contains(t, content, id)

	st := h.do("GET", "/emulator/v1/state", nil, nil)
	app := st.body["apps"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{"wxid_tester"}, app["test_whitelist"].(map[string]any)["username"])
	assert.Equal(t, true, app["cards"].([]any)[0].(map[string]any)["pay_cell"])

	// Ten in all, split between the lists, is the limit and fits.
	h.wxOK("card/testwhitelist/set", map[string]any{"openid": eleven[:5], "username": eleven[5:10]})
}
