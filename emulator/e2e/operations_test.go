package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// baseInfoMap is a valid base_info for cards created from maps.
func baseInfoMap() map[string]any {
	return map[string]any{
		"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "端到端", "code_type": "CODE_TYPE_TEXT",
		"title": "会员卡", "color": "Color020", "notice": "出示会员卡", "description": "会员专享",
		"sku": map[string]any{"quantity": 50}, "date_info": map[string]any{"type": "DATE_TYPE_PERMANENT"},
	}
}

// approvedCard creates a card of cardType from a map and approves it.
func (w *world) approvedCard(cardType admin.CardType, extra map[string]any) string {
	w.t.Helper()
	attrs := map[string]any{"base_info": baseInfoMap()}
	for k, v := range extra {
		attrs[k] = v
	}
	id, err := w.client.Card.Create(context.Background(), cardType, attrs)
	require.NoError(w.t, err)
	w.control("/emulator/v1/cards/"+id+"/approve", nil, nil)
	return id
}

// claim puts a card into openID's wallet through JSSDK.AddCard.
func (w *world) claim(cardID, openID string) string {
	w.t.Helper()
	list, err := w.client.JSSDK.AddCard(context.Background(), []signer.Card{{CardID: cardID}})
	require.NoError(w.t, err)
	res := w.walletAdd(openID, list).CardList[0]
	require.True(w.t, res.IsSuccess, "%+v", res)
	return res.Code
}

// TestAdminCardAndCodeOperations runs the card and code operations the
// main flow does not touch.
func TestAdminCardAndCodeOperations(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.client

	colors, err := c.Card.Colors(ctx)
	require.NoError(t, err)
	assert.Equal(t, admin.Color{Name: "Color010", Value: "#63b359"}, colors[0])
	cats, err := c.Card.Categories(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, cats)
	assert.NotEmpty(t, cats[0].Secondary)

	id, err := c.Card.Create(ctx, admin.CardTypeGeneralCoupon, coupon(0, true))
	require.NoError(t, err)
	w.control("/emulator/v1/cards/"+id+"/approve", nil, nil)
	sendCheck, err := c.Card.Update(ctx, id, admin.CardTypeGeneralCoupon, map[string]any{"base_info": map[string]any{"title": "新标题"}})
	require.NoError(t, err)
	assert.True(t, sendCheck)
	got, err := c.Card.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "新标题", got.BaseInfo.Title)
	assert.Equal(t, admin.CardStatusNotVerify, got.BaseInfo.Status)
	w.control("/emulator/v1/cards/"+id+"/approve", nil, nil)

	require.NoError(t, c.Card.SetPayCell(ctx, id, true))
	require.NoError(t, c.Card.SetSelfConsumeCell(ctx, id, admin.SelfConsumeCell{IsOpen: true, NeedVerifyCod: true}))
	require.NoError(t, c.Card.SetTestWhitelist(ctx, admin.TestWhitelist{OpenIDs: []string{"oTester"}, Usernames: []string{"wxid_tester"}}))
	codes := []string{"K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9", "K10"}
	_, err = c.Code.Deposit(ctx, id, codes)
	require.NoError(t, err)
	err = c.Card.IncreaseStock(ctx, id, 11)
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, apiCode(err), "more stock than deposited codes: %v", err)
	require.NoError(t, c.Card.IncreaseStock(ctx, id, 10))
	require.NoError(t, c.Card.ReduceStock(ctx, id, 4))
	got, err = c.Card.Get(ctx, id)
	require.NoError(t, err)
	assert.EqualValues(t, 6, got.BaseInfo.SKU.Quantity)
	err = c.Card.ReduceStock(ctx, id, 7)
	assert.Equal(t, emulator.ErrcodeInvalidQuantity, apiCode(err), "%v", err)

	check, err := c.Code.Check(ctx, id, []string{"K1", "Z9"})
	require.NoError(t, err)
	assert.Equal(t, []string{"K1"}, check.Exist)
	assert.Equal(t, []string{"Z9"}, check.NotExist)

	list, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: id, Code: "K1"}, {CardID: id, Code: "K2"}})
	require.NoError(t, err)
	require.Equal(t, "addCard:ok", w.walletAdd("oUser", list).ErrMsg)
	require.NoError(t, c.Code.Update(ctx, admin.UpdateCodeRequest{Code: "K1", NewCode: "K1-NEW", CardID: id}))
	info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: "K1-NEW", CardID: id, CheckConsume: true})
	require.NoError(t, err)
	assert.Equal(t, "oUser", info.OpenID)
	_, err = c.Code.Get(ctx, admin.GetCodeRequest{Code: "K1", CardID: id, CheckConsume: true})
	assert.ErrorIs(t, err, admin.ErrInvalidCode)
	require.NoError(t, c.Code.Disable(ctx, admin.DisableCodeRequest{Code: "K2", CardID: id, Reason: "退款"}))
	_, err = c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: "K2", CardID: id})
	assert.ErrorIs(t, err, admin.ErrCodeNotConsumable)

	wallet, err := c.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: "oUser", CardID: id})
	require.NoError(t, err)
	assert.Equal(t, []admin.UserCard{{Code: "K1-NEW", CardID: id}}, wallet.Cards)

	require.NoError(t, c.Card.Delete(ctx, id))
	_, err = c.Card.Get(ctx, "pDoesNotExist000000000000000")
	assert.ErrorIs(t, err, admin.ErrInvalidCardID)
}

// TestAdminMemberAndTicketCards runs the member, general, boarding-pass,
// meeting and movie services.
func TestAdminMemberAndTicketCards(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.client

	member := w.approvedCard(admin.CardTypeMemberCard, map[string]any{"prerogative": "九五折", "supply_bonus": true, "supply_balance": true})
	code := w.claim(member, "oMember")
	require.NoError(t, c.MemberCard.SetActivationForm(ctx, member, map[string]any{
		"required_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE"}},
	}))
	ticket, err := w.emu.FillActivationForm(context.Background(), appID, member, "oMember", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000"})
	require.NoError(t, err)
	form, err := c.MemberCard.ActivationTempInfo(ctx, ticket)
	require.NoError(t, err)
	assert.Equal(t, []admin.FormValue{{Name: "USER_FORM_INFO_FLAG_MOBILE", Value: "13800000000"}}, form.CommonFields)
	u, err := c.MemberCard.ActivateURL(ctx, admin.ActivateURLRequest{CardID: member, OuterStr: "channel-1"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(u, w.URL+"/"), u)

	require.NoError(t, c.MemberCard.Activate(ctx, admin.ActivateInfo{MembershipNumber: "VIP-1", Code: code, CardID: member, InitBonus: 10, InitBalance: 1000}))
	user, err := c.MemberCard.User(ctx, admin.MemberUserRequest{CardID: member, Code: code})
	require.NoError(t, err)
	assert.Equal(t, "VIP-1", user.MembershipNumber)
	assert.True(t, user.HasActive)
	assert.EqualValues(t, 10, user.Bonus)
	add, spend := int64(5), int64(-300)
	res, err := c.MemberCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: code, CardID: member, AddBonus: &add, AddBalance: &spend})
	require.NoError(t, err)
	assert.Equal(t, admin.UpdateUserResult{ResultBonus: 15, ResultBalance: 700, OpenID: "oMember"}, *res)

	general := w.approvedCard(admin.CardTypeGeneralCard, map[string]any{"prerogative": "会员价"})
	gcode := w.claim(general, "oGeneral")
	require.NoError(t, c.GeneralCard.Activate(ctx, admin.ActivateInfo{MembershipNumber: "G-1", Code: gcode, CardID: general}))
	_, err = c.GeneralCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: gcode, CardID: general, AddBonus: &add})
	require.NoError(t, err)
	require.NoError(t, c.GeneralCard.Deactivate(ctx, admin.DeactivateGeneralCardRequest{CardID: general, Code: gcode}))

	boarding := w.approvedCard(admin.CardTypeBoardingPass, map[string]any{"from": "PEK", "to": "SZX", "flight": "CA1301"})
	bcode := w.claim(boarding, "oFlyer")
	require.NoError(t, c.BoardingPass.Checkin(ctx, map[string]any{"code": bcode, "card_id": boarding, "passenger_name": "旅客", "class": "Y", "etkt_bnr": "9991234567", "seat": "23C"}))
	meeting := w.approvedCard(admin.CardTypeMeetingTicket, map[string]any{"meeting_detail": "开发者大会"})
	mcode := w.claim(meeting, "oGuest")
	require.NoError(t, c.MeetingTicket.UpdateUser(ctx, map[string]any{"code": mcode, "card_id": meeting, "zone": "B", "seat_number": "12"}))
	movie := w.approvedCard(admin.CardTypeMovieTicket, map[string]any{"detail": "午夜场"})
	vcode := w.claim(movie, "oViewer")
	require.NoError(t, c.MovieTicket.UpdateUser(ctx, map[string]any{"code": vcode, "card_id": movie, "ticket_class": "IMAX", "show_time": time.Date(2026, 5, 21, 20, 0, 0, 0, time.UTC).Unix(), "duration": 150}))
	err = c.MovieTicket.UpdateUser(ctx, map[string]any{"code": bcode, "card_id": boarding, "ticket_class": "x", "show_time": 1, "duration": 1})
	assert.Equal(t, emulator.ErrcodeInvalidCardType, apiCode(err), "%v", err)
}

func TestAdminSubMerchants(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.client
	info := admin.SubMerchantInfo{BrandName: "子商户", LogoURL: "http://mmbiz.qpic.cn/s.png", Protocol: "media-1",
		EndTime: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), PrimaryCategoryID: 1, SecondaryCategoryID: 101}
	m, err := c.SubMerchant.Create(ctx, info)
	require.NoError(t, err)
	assert.EqualValues(t, 1, m.MerchantID)
	assert.Equal(t, appID, m.AppID)
	assert.EqualValues(t, "CHECKING", m.Status)
	m, err = c.SubMerchant.Update(ctx, m.MerchantID, admin.SubMerchantInfo{BrandName: "改名"})
	require.NoError(t, err)
	assert.Equal(t, "改名", m.BrandName)
	got, err := c.SubMerchant.Get(ctx, m.MerchantID)
	require.NoError(t, err)
	assert.Equal(t, "改名", got.BrandName)
	assert.Equal(t, "media-1", got.Protocol)
	list, err := c.SubMerchant.List(ctx, 0, 10, "")
	require.NoError(t, err)
	assert.Len(t, list.Items, 1)
}
