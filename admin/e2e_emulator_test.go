package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/signer"
)

const (
	e2eAppID  = "wx0123456789abcdef"
	e2eSecret = "emulator-dev-secret-0123456789"
)

// e2e is an admin client (Client) talking to the emulator (Emu) over real
// HTTP, with the test it serves.
type e2e struct {
	*emulatortest.Server
	t   *testing.T
	ctx context.Context
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	// WithBaseURL alone (which the helper's client uses) also moves
	// showqrcode to the emulator.
	s := emulatortest.Start(t, emulatortest.WithApp(e2eAppID, e2eSecret), emulatortest.WithEmulator(emulator.WithRandSeed(42)))
	return &e2e{Server: s, t: t, ctx: t.Context()}
}

func (h *e2e) approve(cardID string) {
	h.t.Helper()
	h.Approve(h.t, cardID)
}

// addToWallet signs cards with JSSDK.AddCard and has the simulated phone
// add them, as wx.addCard would; it returns the code of each card.
func (h *e2e) addToWallet(openID string, cards ...signer.Card) []string {
	h.t.Helper()
	res := h.addToWalletResult(openID, cards...)
	codes := make([]string, len(res.CardList))
	for i, r := range res.CardList {
		codes[i] = r.Code
	}
	return codes
}

// addToWalletResult is addToWallet returning the phone's whole answer
// (with each card's encrypt_code, as the page's wx.addCard callback gets it).
func (h *e2e) addToWalletResult(openID string, cards ...signer.Card) emulator.WalletResponse {
	h.t.Helper()
	list, err := h.Client.JSSDK.AddCard(h.ctx, cards)
	require.NoError(h.t, err)
	res := h.AddToWallet(h.t, openID, list)
	require.Equal(h.t, "addCard:ok", res.ErrMsg, "%+v", res)
	return res
}

func baseInfo(title string) admin.BaseInfo {
	return admin.BaseInfo{
		LogoURL: "http://mmbiz.qpic.cn/mmbiz/logo/0", BrandName: "微信餐厅", CodeType: admin.CodeTypeQRCode,
		Title: title, Color: "Color010", Notice: "出示二维码", Description: "每人限领五张",
		SKU:      &admin.SKU{Quantity: 100},
		DateInfo: &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
		GetLimit: 5,
	}
}

func (h *e2e) create(cardType admin.CardType, attrs any) string {
	h.t.Helper()
	id, err := h.Client.Card.Create(h.ctx, cardType, attrs)
	require.NoError(h.t, err)
	require.Len(h.t, id, 28)
	return id
}

func apiCode(t *testing.T, err error) int {
	t.Helper()
	var ae *admin.APIError
	require.ErrorAs(t, err, &ae)
	return ae.Code
}

// TestEmulatorEndToEnd runs every card, code, member, sub-merchant and
// ticket operation of the admin client against the emulator.
func TestEmulatorEndToEnd(t *testing.T) {
	t.Parallel()
	h := newE2E(t)
	ctx := h.ctx
	c := h.Client

	t.Run("catalogues", func(t *testing.T) {
		colors, err := c.Card.Colors(ctx)
		require.NoError(t, err)
		assert.Equal(t, admin.Color{Name: "Color010", Value: "#63b359"}, colors[0])
		cats, err := c.Card.Categories(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, cats)
		assert.NotEmpty(t, cats[0].Secondary)
	})

	// A coupon: create, review, read, list, update, whitelist, cells, stock.
	coupon := h.create(admin.CardTypeGeneralCoupon, &admin.GeneralCoupon{BaseInfo: baseInfo("十元券"), DefaultDetail: "满100减10"})
	t.Run("card lifecycle", func(t *testing.T) {
		got, err := c.Card.Get(ctx, coupon)
		require.NoError(t, err)
		assert.Equal(t, admin.CardTypeGeneralCoupon, got.Type)
		assert.Equal(t, admin.CardStatusNotVerify, got.BaseInfo.Status)
		assert.Equal(t, int64(100), got.BaseInfo.SKU.Quantity)
		var def admin.GeneralCoupon
		require.NoError(t, got.Decode(&def))
		assert.Equal(t, "满100减10", def.DefaultDetail)

		_, err = c.Card.HTML(ctx, coupon)
		assert.Equal(t, 40078, apiCode(t, err), "not reviewed yet")
		h.approve(coupon)
		html, err := c.Card.HTML(ctx, coupon)
		require.NoError(t, err)
		assert.Contains(t, html, coupon)

		list, err := c.Card.List(ctx, 0, 50, admin.CardStatusVerifyOK, admin.CardStatusDispatch)
		require.NoError(t, err)
		assert.Contains(t, list.CardIDs, coupon)
		none, err := c.Card.List(ctx, 0, 10, admin.CardStatusVerifyFail)
		require.NoError(t, err)
		assert.Empty(t, none.CardIDs)
		assert.Zero(t, none.Total)

		sendCheck, err := c.Card.Update(ctx, coupon, admin.CardTypeGeneralCoupon, &admin.GeneralCoupon{BaseInfo: admin.BaseInfo{Title: "八元券"}})
		require.NoError(t, err)
		assert.True(t, sendCheck, "a new title goes back to review")
		got, err = c.Card.Get(ctx, coupon)
		require.NoError(t, err)
		assert.Equal(t, "八元券", got.BaseInfo.Title)
		assert.Equal(t, admin.CardStatusNotVerify, got.BaseInfo.Status)
		_, err = c.Card.Update(ctx, coupon, admin.CardTypeCash, map[string]any{"base_info": map[string]any{}})
		assert.Equal(t, 40071, apiCode(t, err))
		h.approve(coupon)

		require.NoError(t, c.Card.SetTestWhitelist(ctx, admin.TestWhitelist{OpenIDs: []string{"oTester1", "oTester2"}, Usernames: []string{"wxid_tester"}}))
		require.NoError(t, c.Card.SetPayCell(ctx, coupon, true))
		require.NoError(t, c.Card.SetSelfConsumeCell(ctx, coupon, admin.SelfConsumeCell{IsOpen: true, NeedVerifyCod: true}))
		require.NoError(t, c.Card.IncreaseStock(ctx, coupon, 50))
		require.NoError(t, c.Card.ReduceStock(ctx, coupon, 20))
		got, err = c.Card.Get(ctx, coupon)
		require.NoError(t, err)
		assert.Equal(t, int64(130), got.BaseInfo.SKU.Quantity)
		assert.Equal(t, 40122, apiCode(t, c.Card.ReduceStock(ctx, coupon, 1000)), "stock cannot go below zero")
	})

	t.Run("QR codes and landing page", func(t *testing.T) {
		qr, err := c.Card.CreateQRCode(ctx, admin.CreateQRCodeRequest{Card: &admin.QRCodeCard{CardID: coupon, OuterStr: "door"}, ExpireSeconds: 600})
		require.NoError(t, err)
		assert.Equal(t, 600, qr.ExpireSeconds)
		assert.True(t, strings.HasSuffix(qr.Ticket, "=="))
		u, err := c.Card.QRCodeURL(qr.Ticket)
		require.NoError(t, err)
		assert.Equal(t, qr.ShowQRCodeURL, u, "our URL is the one WeChat hands out")
		img, ct, err := c.Card.QRCode(ctx, qr.Ticket)
		require.NoError(t, err)
		assert.Equal(t, "image/png", ct)
		_, err = png.Decode(bytes.NewReader(img))
		require.NoError(t, err)
		// The emulator answers an unknown ticket with HTTP 404 and an
		// errcode body; the errcode wins.
		_, _, err = c.Card.QRCode(ctx, "bm90LWEtdGlja2V0")
		assert.Equal(t, 40097, apiCode(t, err))

		multi, err := c.Card.CreateQRCode(ctx, admin.CreateQRCodeRequest{MultipleCards: []admin.QRCodeCard{{CardID: coupon}, {CardID: coupon, OuterStr: "b"}}})
		require.NoError(t, err)
		assert.NotEmpty(t, multi.URL)

		page, err := c.Card.CreateLandingPage(ctx, admin.LandingPage{Banner: "http://mmbiz.qpic.cn/banner/0", PageTitle: "优惠大派送",
			CanShare: true, Scene: admin.SceneH5, Cards: []admin.LandingCard{{CardID: coupon, ThumbURL: "http://mmbiz.qpic.cn/thumb/0"}}})
		require.NoError(t, err)
		assert.Equal(t, int64(1), page.PageID)
		assert.Contains(t, page.URL, "page_id=1")
		res, err := http.Get(h.URL + "/bizmall/cardlandingpage?biz=" + e2eAppID + "&page_id=1")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "the page is served")
	})

	// A custom-code card: deposit 250 codes (three calls), check them, put
	// one in a wallet, then every code operation.
	custom := baseInfo("自定义券")
	custom.UseCustomCode = true
	custom.GetCustomCodeMode = "GET_CUSTOM_CODE_MODE_DEPOSIT"
	custom.SKU = &admin.SKU{Quantity: 0}
	deposit := h.create(admin.CardTypeCash, &admin.Cash{BaseInfo: custom, LeastCost: 10000, ReduceCost: 1000})
	h.approve(deposit)
	codes := make([]string, 250)
	for i := range codes {
		codes[i] = fmt.Sprintf("DEP%06d", i)
	}
	t.Run("codes", func(t *testing.T) {
		res, err := c.Code.Deposit(ctx, deposit, codes)
		require.NoError(t, err, "250 codes go in three calls; the emulator refuses more than 100 in one")
		assert.Len(t, res.Succeeded, 250)
		assert.Empty(t, res.Unconfirmed)
		again, err := c.Code.Deposit(ctx, deposit, codes[:3])
		require.NoError(t, err)
		assert.Equal(t, codes[:3], again.Duplicate)
		n, err := c.Code.DepositedCount(ctx, deposit)
		require.NoError(t, err)
		assert.Equal(t, 250, n)
		check, err := c.Code.Check(ctx, deposit, append(append([]string{}, codes[240:]...), "NOPE1", "NOPE2"))
		require.NoError(t, err)
		assert.Equal(t, codes[240:], check.Exist)
		assert.Equal(t, []string{"NOPE1", "NOPE2"}, check.NotExist)
		assert.Equal(t, 40122, apiCode(t, c.Card.IncreaseStock(ctx, deposit, 251)), "more stock than deposited codes")
		require.NoError(t, c.Card.IncreaseStock(ctx, deposit, 250))

		added := h.addToWalletResult("oAlice", signer.Card{CardID: deposit, Code: codes[0]})
		require.Equal(t, codes[0], added.CardList[0].Code)
		mine, err := c.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: "oAlice"})
		require.NoError(t, err)
		assert.Equal(t, []admin.UserCard{{Code: codes[0], CardID: deposit}}, mine.Cards)
		mine, err = c.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: "oAlice", CardID: coupon})
		require.NoError(t, err)
		assert.Empty(t, mine.Cards, "filtered by another card")

		info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: codes[0], CardID: deposit, CheckConsume: true})
		require.NoError(t, err)
		assert.Equal(t, "oAlice", info.OpenID)
		assert.True(t, info.CanConsume)
		assert.Equal(t, admin.UserCardNormal, info.UserCardStatus)
		_, err = c.Code.Get(ctx, admin.GetCodeRequest{Code: codes[0], CheckConsume: true})
		assert.Equal(t, 41012, apiCode(t, err), "a custom code needs its card_id")

		// The encrypt_code wx.addCard's callback hands the page.
		plain, err := c.Code.Decrypt(ctx, added.CardList[0].EncryptCode)
		require.NoError(t, err)
		assert.Equal(t, codes[0], plain)

		require.NoError(t, c.Code.Update(ctx, admin.UpdateCodeRequest{Code: codes[0], NewCode: "NEW-0001", CardID: deposit}))
		_, err = c.Code.Get(ctx, admin.GetCodeRequest{Code: codes[0], CardID: deposit, CheckConsume: true})
		assert.ErrorIs(t, err, admin.ErrInvalidCode, "the old code is gone")
		res2, err := c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: "NEW-0001", CardID: deposit})
		require.NoError(t, err)
		assert.Equal(t, &admin.ConsumeResult{CardID: deposit, OpenID: "oAlice"}, res2)
		_, err = c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: "NEW-0001", CardID: deposit})
		assert.Equal(t, 40099, apiCode(t, err), "a code is consumed once")
		after, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: "NEW-0001", CardID: deposit})
		require.NoError(t, err)
		assert.Equal(t, admin.UserCardConsumed, after.UserCardStatus)
		assert.False(t, after.CanConsume)

		got := h.addToWallet("oBob", signer.Card{CardID: deposit, Code: codes[1]})
		require.NoError(t, c.Code.Disable(ctx, admin.DisableCodeRequest{Code: got[0], CardID: deposit, Reason: "refunded"}))
		_, err = c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: got[0], CardID: deposit})
		assert.Equal(t, 40127, apiCode(t, err))
		assert.ErrorIs(t, err, admin.ErrCodeNotConsumable)
	})

	// A member card: activate, form, user info, points.
	member := h.create(admin.CardTypeMemberCard, &admin.MemberCard{BaseInfo: baseInfo("会员卡"), Prerogative: "九折",
		SupplyBonus: true, SupplyBalance: true, CustomField1: &admin.CustomField{NameType: "FIELD_NAME_TYPE_LEVEL"}})
	h.approve(member)
	t.Run("member card", func(t *testing.T) {
		require.NoError(t, c.MemberCard.SetActivationForm(ctx, member, admin.ActivationForm{
			RequiredForm: &admin.FormFields{CommonFieldIDList: []string{"USER_FORM_INFO_FLAG_MOBILE"}},
		}))
		err := c.MemberCard.SetActivationForm(ctx, coupon, admin.ActivationForm{RequiredForm: &admin.FormFields{CanModify: true}})
		assert.Equal(t, 40071, apiCode(t, err), "only member cards have activation forms")
		u, err := c.MemberCard.ActivateURL(ctx, admin.ActivateURLRequest{CardID: member, OuterStr: "menu"})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(u, h.URL+"/"), "the activation page is the emulator's: %s", u)
		assert.Contains(t, u, "outer_str=menu")
		ticket, err := h.Emu.FillActivationForm(ctx, e2eAppID, member, "oCarol", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000"})
		require.NoError(t, err)
		form, err := c.MemberCard.ActivationTempInfo(ctx, ticket)
		require.NoError(t, err)
		assert.Equal(t, []admin.FormValue{{Name: "USER_FORM_INFO_FLAG_MOBILE", Value: "13800000000"}}, form.CommonFields)

		code := h.addToWallet("oCarol", signer.Card{CardID: member})[0]
		require.NoError(t, c.MemberCard.Activate(ctx, admin.ActivateInfo{MembershipNumber: "M0001", Code: code, CardID: member,
			InitBonus: 100, InitBalance: 5000, InitCustomFieldValue1: "金卡"}))
		user, err := c.MemberCard.User(ctx, admin.MemberUserRequest{CardID: member, Code: code})
		require.NoError(t, err)
		assert.Equal(t, "oCarol", user.OpenID)
		assert.Equal(t, "M0001", user.MembershipNumber)
		assert.Equal(t, int64(100), user.Bonus)
		assert.True(t, user.HasActive)
		res, err := c.MemberCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: code, CardID: member, AddBonus: ptr(int64(-30)), Balance: ptr(int64(0))})
		require.NoError(t, err)
		assert.Equal(t, &admin.UpdateUserResult{ResultBonus: 70, ResultBalance: 0, OpenID: "oCarol"}, res)
		_, err = c.MemberCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: code, CardID: member, AddBonus: ptr(int64(-1000))})
		assert.Equal(t, 40097, apiCode(t, err))
		info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: code, CardID: member, CheckConsume: true})
		require.NoError(t, err)
		assert.Equal(t, "M0001", info.Card.MembershipNumber)
		assert.Equal(t, ptr(int64(70)), info.Card.Bonus)
	})

	t.Run("general card", func(t *testing.T) {
		general := h.create(admin.CardTypeGeneralCard, &admin.GeneralCard{BaseInfo: baseInfo("储值卡"), Prerogative: "储值消费", SupplyBalance: true})
		h.approve(general)
		code := h.addToWallet("oDave", signer.Card{CardID: general})[0]
		require.NoError(t, c.GeneralCard.Activate(ctx, admin.ActivateInfo{MembershipNumber: "G0001", Code: code, InitBalance: 10000}))
		res, err := c.GeneralCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: code, CardID: general, AddBalance: ptr(int64(-2500))})
		require.NoError(t, err)
		assert.Equal(t, int64(7500), res.ResultBalance)
		require.NoError(t, c.GeneralCard.Deactivate(ctx, admin.DeactivateGeneralCardRequest{CardID: general, Code: code}))
		assert.Equal(t, 40127, apiCode(t, c.GeneralCard.Deactivate(ctx, admin.DeactivateGeneralCardRequest{CardID: general, Code: code})), "already deactivated")
		err = c.GeneralCard.Activate(ctx, admin.ActivateInfo{MembershipNumber: "X", Code: code, CardID: coupon})
		assert.Error(t, err)
	})

	t.Run("ticket cards", func(t *testing.T) {
		pass := h.create(admin.CardTypeBoardingPass, map[string]any{"base_info": baseInfo("CA1234"), "from": "成都", "to": "广州", "flight": "CA1234"})
		meeting := h.create(admin.CardTypeMeetingTicket, map[string]any{"base_info": baseInfo("年会"), "meeting_detail": "2026 年会"})
		movie := h.create(admin.CardTypeMovieTicket, map[string]any{"base_info": baseInfo("电影票"), "detail": "IMAX"})
		for _, id := range []string{pass, meeting, movie} {
			h.approve(id)
		}
		codes := h.addToWallet("oErin", signer.Card{CardID: pass}, signer.Card{CardID: meeting}, signer.Card{CardID: movie})
		require.NoError(t, c.BoardingPass.Checkin(ctx, admin.BoardingPassCheckin{Code: codes[0], CardID: pass,
			PassengerName: "乘客", Class: "经济舱", Seat: "32A", ETKTBNR: "7843123456789"}))
		err := c.BoardingPass.Checkin(ctx, admin.BoardingPassCheckin{Code: codes[0], CardID: pass, Seat: "32A"})
		assert.Equal(t, 41011, apiCode(t, err), "the emulator requires passenger_name, class, etkt_bnr")
		require.NoError(t, c.MeetingTicket.UpdateUser(ctx, admin.MeetingTicketUpdate{Code: codes[1], CardID: meeting, Zone: "A区", SeatNumber: "3排5号"}))
		require.NoError(t, c.MovieTicket.UpdateUser(ctx, admin.MovieTicketUpdate{Code: codes[2], CardID: movie,
			TicketClass: "IMAX", ShowTime: 1893456000, Duration: 120, ScreeningRoom: "1号厅", SeatNumber: []string{"5排14号"}}))
		err = c.MovieTicket.UpdateUser(ctx, admin.MovieTicketUpdate{Code: codes[1], CardID: meeting, TicketClass: "2D", ShowTime: 1, Duration: 1})
		assert.Equal(t, 40071, apiCode(t, err), "a meeting ticket is not a movie ticket")
	})

	t.Run("sub-merchants", func(t *testing.T) {
		cats, err := c.Card.Categories(ctx)
		require.NoError(t, err)
		info := admin.SubMerchantInfo{BrandName: "兰州拉面", LogoURL: "http://mmbiz.qpic.cn/logo/0", Protocol: "MEDIA_ID_PROTOCOL",
			EndTime: 1893456000, PrimaryCategoryID: cats[0].ID, SecondaryCategoryID: cats[0].Secondary[0].ID}
		m, err := c.SubMerchant.Create(ctx, info)
		require.NoError(t, err)
		assert.Equal(t, admin.SubMerchantChecking, m.Status)
		assert.Equal(t, e2eAppID, m.AppID)
		info.BrandName = "咖啡小馆"
		second, err := c.SubMerchant.Create(ctx, info)
		require.NoError(t, err)
		updated, err := c.SubMerchant.Update(ctx, m.MerchantID, admin.SubMerchantInfo{LogoURL: "http://mmbiz.qpic.cn/logo2/0"})
		require.NoError(t, err)
		assert.Equal(t, "http://mmbiz.qpic.cn/logo2/0", updated.LogoURL)
		assert.Equal(t, "兰州拉面", updated.BrandName)
		got, err := c.SubMerchant.Get(ctx, second.MerchantID)
		require.NoError(t, err)
		assert.Equal(t, "咖啡小馆", got.BrandName)
		page, err := c.SubMerchant.List(ctx, 0, 1, admin.SubMerchantChecking)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, second.MerchantID, page.NextBeginID)
		_, err = c.SubMerchant.Get(ctx, 999)
		assert.Equal(t, 40097, apiCode(t, err))
	})

	t.Run("delete", func(t *testing.T) {
		require.NoError(t, c.Card.Delete(ctx, coupon))
		got, err := c.Card.Get(ctx, coupon)
		require.NoError(t, err)
		assert.Equal(t, admin.CardStatusDelete, got.BaseInfo.Status)
		assert.Equal(t, 40078, apiCode(t, c.Card.Delete(ctx, coupon)))
		_, err = c.Card.Get(ctx, "pNoSuchCard00000000000000000")
		assert.True(t, errors.Is(err, admin.ErrInvalidCardID))
	})
}

// hookTransport runs before on each request, then sends it.
type hookTransport struct {
	before func(*http.Request)
	next   http.RoundTripper
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.before(r)
	return h.next.RoundTrip(r)
}

// A deposit whose second call loses its answer (the emulator stores the
// codes, then cuts the connection) keeps every code accounted for, and
// depositing the unconfirmed ones again completes it without storing any
// twice.
func TestEmulatorDepositResume(t *testing.T) {
	t.Parallel()
	h := newE2E(t)
	var deposits atomic.Int32
	hc := &http.Client{Transport: hookTransport{next: http.DefaultTransport, before: func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/card/code/deposit") && deposits.Add(1) == 2 {
			require.NoError(t, h.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/code/deposit", Count: 1, Disconnect: true}}}))
		}
	}}}
	c := h.NewClient(t, admin.WithHTTPClient(hc))

	bi := baseInfo("续传券")
	bi.UseCustomCode = true
	id, err := c.Card.Create(h.ctx, admin.CardTypeGift, &admin.Gift{BaseInfo: bi, Gift: "咖啡一杯"})
	require.NoError(t, err)
	codes := make([]string, 230)
	for i := range codes {
		codes[i] = fmt.Sprintf("R%05d", i)
	}
	res, err := c.Code.Deposit(h.ctx, id, codes)
	var be *admin.BatchError
	require.ErrorAs(t, err, &be, "%v", err)
	assert.Equal(t, 1, be.Batch)
	assert.Equal(t, 3, be.Batches)
	assert.EqualValues(t, 2, deposits.Load(), "the call whose answer was lost is not repeated, the third is not made")
	assert.Equal(t, codes[:100], res.Succeeded)
	assert.Equal(t, codes[100:], res.Unconfirmed)

	rest, err := c.Code.Deposit(h.ctx, id, res.Unconfirmed)
	require.NoError(t, err)
	assert.Equal(t, codes[100:200], rest.Duplicate, "the lost call had stored its codes")
	assert.Equal(t, codes[200:], rest.Succeeded)
	n, err := c.Code.DepositedCount(h.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 230, n)
}

func ptr[T any](v T) *T { return &v }

// Mounted under a path prefix, the emulator and the client agree on every
// URL, the QR code image's included.
func TestEmulatorUnderPrefix(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	emu, err := emulator.New(emulator.WithApp(e2eAppID, e2eSecret), emulator.WithAutoApprove(true),
		emulator.WithPublicURL(srv.URL+"/wechat"))
	require.NoError(t, err)
	mux.Handle("/wechat/", http.StripPrefix("/wechat", emu))
	c, err := admin.NewClient(e2eAppID, e2eSecret, admin.WithBaseURL(srv.URL+"/wechat"))
	require.NoError(t, err)
	ctx := t.Context()

	id, err := c.Card.Create(ctx, admin.CardTypeGift, &admin.Gift{BaseInfo: baseInfo("兑换券"), Gift: "咖啡"})
	require.NoError(t, err)
	qr, err := c.Card.CreateQRCode(ctx, admin.CreateQRCodeRequest{Card: &admin.QRCodeCard{CardID: id}})
	require.NoError(t, err)
	u, err := c.Card.QRCodeURL(qr.Ticket)
	require.NoError(t, err)
	assert.Equal(t, qr.ShowQRCodeURL, u)
	img, ct, err := c.Card.QRCode(ctx, qr.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "image/png", ct)
	assert.NotEmpty(t, img)
	html, err := c.Card.HTML(ctx, id)
	require.NoError(t, err)
	assert.Contains(t, html, srv.URL+"/wechat/")
}

// The emulator accepts a card of each of the twelve types as Create sends
// it.
func TestEmulatorCreateEveryType(t *testing.T) {
	t.Parallel()
	h := newE2E(t)
	extra := map[admin.CardType]map[string]any{
		admin.CardTypeGroupon:       {"deal_detail": "双人套餐"},
		admin.CardTypeCash:          {"least_cost": 10000, "reduce_cost": 1000},
		admin.CardTypeDiscount:      {"discount": 30},
		admin.CardTypeGift:          {"gift": "咖啡一杯"},
		admin.CardTypeGeneralCoupon: {"default_detail": "满100减10"},
		admin.CardTypeMemberCard:    {"prerogative": "九折", "supply_bonus": false, "supply_balance": false},
		admin.CardTypeGeneralCard:   {"prerogative": "储值"},
		admin.CardTypeScenicTicket:  {"ticket_class": "成人票"},
		admin.CardTypeMovieTicket:   {"detail": "IMAX"},
		admin.CardTypeBoardingPass:  {"from": "成都", "to": "广州", "flight": "CA1234"},
		admin.CardTypeMeetingTicket: {"meeting_detail": "年会"},
		admin.CardTypeLuckyMoney:    {},
	}
	for ct, fields := range extra {
		attrs := map[string]any{"base_info": baseInfo(string(ct)[:4])}
		for k, v := range fields {
			attrs[k] = v
		}
		id, err := h.Client.Card.Create(h.ctx, ct, attrs)
		require.NoError(t, err, ct)
		card, err := h.Client.Card.Get(h.ctx, id)
		require.NoError(t, err)
		assert.Equal(t, ct, card.Type)
		assert.Equal(t, id, card.BaseInfo.ID)
	}
	list, err := h.Client.Card.List(h.ctx, 0, 50)
	require.NoError(t, err)
	assert.Equal(t, 12, list.Total)
}
