package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/signer"
)

const (
	appID  = "wx00aa11bb22cc33dd"
	secret = "e2e-secret-0123456789abcdef0123"
)

// world is an emulator behind a real HTTP server and an admin client
// pointed at it, sharing the emulator's clock.
type world struct {
	*emulatortest.Server
	t      *testing.T
	emu    *emulator.Emulator
	client *admin.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	base := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	s := emulatortest.Start(t, emulatortest.WithApp(appID, secret),
		emulatortest.WithEmulator(emulator.WithRandSeed(42), emulator.WithClock(func() time.Time { return base })))
	return &world{Server: s, t: t, emu: s.Emu, client: s.Client}
}

// control POSTs to a control route and decodes the answer.
func (w *world) control(path string, body any, out any) int {
	w.t.Helper()
	data, err := json.Marshal(body)
	require.NoError(w.t, err)
	res, err := http.Post(w.URL+path, "application/json", strings.NewReader(string(data)))
	require.NoError(w.t, err)
	defer res.Body.Close()
	if out != nil {
		require.NoError(w.t, json.NewDecoder(res.Body).Decode(out))
	}
	return res.StatusCode
}

func (w *world) walletAdd(openID string, list signer.CardList) emulator.WalletResponse {
	w.t.Helper()
	out := w.AddToWallet(w.t, openID, list)
	require.Len(w.t, out.CardList, len(list))
	return out
}

func coupon(quantity int64, customCode bool) *admin.GeneralCoupon {
	c := &admin.GeneralCoupon{
		BaseInfo: admin.BaseInfo{
			LogoURL: "http://mmbiz.qpic.cn/logo.png", BrandName: "端到端咖啡", CodeType: admin.CodeType("CODE_TYPE_QRCODE"),
			Title: "拿铁买一送一", Color: "Color010", Notice: "向店员出示", Description: "每人限领两张",
			SKU:      &admin.SKU{Quantity: quantity},
			DateInfo: &admin.DateInfo{Type: admin.DateType("DATE_TYPE_FIX_TERM"), FixedTerm: 30},
			GetLimit: 2,
		},
		DefaultDetail: "拿铁买一送一",
	}
	if customCode {
		c.BaseInfo.UseCustomCode = true
		c.BaseInfo.GetCustomCodeMode = "GET_CUSTOM_CODE_MODE_DEPOSIT"
	}
	return c
}

func apiCode(err error) int {
	var ae *admin.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// TestAdminEndToEnd: create card → approve → deposit → JSSDK.AddCard →
// wallet/add → Card.UserCards → Code.Get → Code.Consume → a second consume
// fails with 40099.
func TestAdminEndToEnd(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.client

	cardID, err := c.Card.Create(ctx, admin.CardTypeGeneralCoupon, coupon(0, true))
	require.NoError(t, err)
	got, err := c.Card.Get(ctx, cardID)
	require.NoError(t, err)
	assert.Equal(t, admin.CardStatusNotVerify, got.BaseInfo.Status)

	var review map[string]string
	require.Equal(t, http.StatusOK, w.control("/emulator/v1/cards/"+cardID+"/approve", nil, &review))
	list, err := c.Card.List(ctx, 0, 10, admin.CardStatusVerifyOK)
	require.NoError(t, err)
	assert.Equal(t, []string{cardID}, list.CardIDs)

	codes := []string{"LATTE-0001", "LATTE-0002", "LATTE-0003"}
	dep, err := c.Code.Deposit(ctx, cardID, codes)
	require.NoError(t, err)
	assert.ElementsMatch(t, codes, dep.Succeeded)
	n, err := c.Code.DepositedCount(ctx, cardID)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	require.NoError(t, c.Card.IncreaseStock(ctx, cardID, 3))

	cardList, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID, Code: codes[0], OpenID: "oAlice"}})
	require.NoError(t, err)
	added := w.walletAdd("oAlice", cardList)
	require.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
	assert.Equal(t, codes[0], added.CardList[0].Code)

	wallet, err := c.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: "oAlice"})
	require.NoError(t, err)
	require.Len(t, wallet.Cards, 1)
	assert.Equal(t, admin.UserCard{Code: codes[0], CardID: cardID}, wallet.Cards[0])

	info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: codes[0], CardID: cardID, CheckConsume: true})
	require.NoError(t, err)
	assert.Equal(t, "oAlice", info.OpenID)
	assert.True(t, info.CanConsume)
	assert.EqualValues(t, "NORMAL", info.UserCardStatus)

	decrypted, err := c.Code.Decrypt(ctx, added.CardList[0].EncryptCode)
	require.NoError(t, err)
	assert.Equal(t, codes[0], decrypted)

	consumed, err := c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: codes[0], CardID: cardID})
	require.NoError(t, err)
	assert.Equal(t, "oAlice", consumed.OpenID)
	assert.Equal(t, cardID, consumed.CardID)
	_, err = c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: codes[0], CardID: cardID})
	require.Error(t, err)
	assert.Equal(t, emulator.ErrcodeCodeConsumed, apiCode(err), err.Error())

	info, err = c.Code.Get(ctx, admin.GetCodeRequest{Code: codes[0], CardID: cardID})
	require.NoError(t, err)
	assert.EqualValues(t, "CONSUMED", info.UserCardStatus)
	assert.False(t, info.CanConsume)
}

// TestAdminCardListRejections: the ways a cardList built (or mangled) on
// the merchant side is refused by the simulated phone.
func TestAdminCardListRejections(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.client
	cardID, err := c.Card.Create(ctx, admin.CardTypeGeneralCoupon, coupon(100, false))
	require.NoError(t, err)
	w.control("/emulator/v1/cards/"+cardID+"/approve", nil, nil)

	t.Run("tampered signature", func(t *testing.T) {
		list, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		var ext signer.CardExt
		require.NoError(t, json.Unmarshal([]byte(list[0].CardExt), &ext))
		ext.OpenID = "oMallory" // claim a binding that was not signed
		list[0].CardExt = ext.String()
		res := w.walletAdd("oMallory", list).CardList[0]
		assert.False(t, res.IsSuccess)
		assert.Equal(t, emulator.ErrcodeInvalidCardExt, res.Errcode)
		assert.Equal(t, emulator.ReasonSignatureMismatch, res.Reason)
	})
	t.Run("jsapi ticket used for a card", func(t *testing.T) {
		jsapi, err := c.JSAPITicket(ctx)
		require.NoError(t, err)
		s, err := signer.New(signer.WithClock(w.emu.Now))
		require.NoError(t, err)
		list, err := s.AddCard(jsapi, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		res := w.walletAdd("oBob", list).CardList[0]
		assert.Equal(t, emulator.ReasonWrongTicketType, res.Reason)
	})
	t.Run("reused nonce", func(t *testing.T) {
		list, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		require.True(t, w.walletAdd("oCarol", list).CardList[0].IsSuccess)
		res := w.walletAdd("oDave", list).CardList[0]
		assert.Equal(t, emulator.ReasonNonceReused, res.Reason)
	})
	t.Run("expired ticket", func(t *testing.T) {
		list, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		require.NoError(t, w.emu.Advance(context.Background(), 2*time.Hour+time.Minute))
		res := w.walletAdd("oErin", list).CardList[0]
		assert.Equal(t, emulator.ReasonTicketExpired, res.Reason)
		// The client notices the expiry, fetches a new ticket and succeeds.
		fresh, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		assert.True(t, w.walletAdd("oErin", fresh).CardList[0].IsSuccess)
	})
}
