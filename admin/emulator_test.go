package admin_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/signer"
)

// startEmulated runs the offline WeChat emulator with cards approved on
// creation and reproducible randomness.
func startEmulated(t *testing.T) *emulatortest.Server {
	t.Helper()
	return emulatortest.Start(t, emulatortest.WithEmulator(emulator.WithAutoApprove(true), emulator.WithRandSeed(7)))
}

// createCoupon makes an (auto-approved) coupon whose text carries HTML
// metacharacters.
func createCoupon(t *testing.T, c *admin.Client) string {
	t.Helper()
	id, err := c.Card.Create(t.Context(), admin.CardTypeGeneralCoupon, &admin.GeneralCoupon{
		DefaultDetail: "满100减10 <b>&</b>",
		BaseInfo: admin.BaseInfo{
			LogoURL: "http://mmbiz.qpic.cn/logo.png", BrandName: "咖啡店", CodeType: admin.CodeTypeQRCode,
			Title: "十元券", Color: "Color010", Notice: "出示二维码", Description: "每人限领一张",
			SKU:      &admin.SKU{Quantity: 100},
			DateInfo: &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
		},
	})
	require.NoError(t, err)
	require.NotEmpty(t, id)
	return id
}

// TestEmulatorStampedeThenWallet: the stampede against the emulator and a
// real Redis, then the phone accepts the cards signed with the ticket every
// caller got.
func TestEmulatorStampedeThenWallet(t *testing.T) {
	e := startEmulated(t)
	srv := kvtest.StartRedis(t)
	var clients []*admin.Client
	for i := 0; i < 3; i++ {
		// 5 s per store call: on a loaded machine a slow Redis answer must
		// not count as an outage (a second fetch); see kv.Guard.
		clients = append(clients, e.NewClient(t, admin.WithStore(admin.RedisStore(t, srv)), admin.WithStoreTimeout(5*time.Second)))
	}
	seen := admin.Stampede(t, clients, 500)
	require.Len(t, seen, 1)
	assert.Equal(t, 1, e.Calls("/cgi-bin/stable_token"))
	assert.Equal(t, 1, e.TicketFetches("wx_card"))
	want, ok := e.Emu.Ticket(e.AppID, "wx_card")
	require.True(t, ok)
	for got := range seen {
		assert.Equal(t, want, got)
	}

	cardID := createCoupon(t, clients[1])
	list, err := clients[2].JSSDK.AddCard(t.Context(), []signer.Card{{CardID: cardID}})
	require.NoError(t, err)
	added := e.AddToWallet(t, "oUser1", list)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
}

// TestEmulatorTicketExpiry: two hours later the client replaces the ticket
// on its own, and the phone accepts what it signs.
func TestEmulatorTicketExpiry(t *testing.T) {
	e := startEmulated(t)
	c := e.Client
	cardID := createCoupon(t, c)
	first, err := c.CardTicket(t.Context())
	require.NoError(t, err)

	require.NoError(t, e.Emu.Advance(t.Context(), 2*time.Hour+time.Minute))
	list, err := c.JSSDK.AddCard(t.Context(), []signer.Card{{CardID: cardID}})
	require.NoError(t, err)
	second, err := c.CardTicket(t.Context())
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
	added := e.AddToWallet(t, "oUser1", list)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
}

// TestEmulatorClassicTokensKnockEachOtherOut reproduces the classic
// production failure: two servers with separate caches in classic mode. The
// second fetch supersedes the first token; 5 minutes later the first server
// gets 40001. The client refreshes once, retries, and the call succeeds.
func TestEmulatorClassicTokensKnockEachOtherOut(t *testing.T) {
	e := startEmulated(t)
	a, ta, tb := twoServersSixMinutesOn(t, e, admin.WithTokenMode(admin.TokenModeClassic))
	require.NotEqual(t, ta, tb)

	colors, err := a.Card.Colors(t.Context())
	require.NoError(t, err)
	assert.NotEmpty(t, colors)
	assert.Equal(t, 3, e.Calls("/cgi-bin/token"), "A's first, B's, and A's one refresh")
	assert.Equal(t, 2, e.Calls("/card/getcolors"), "one rejected call, one retry")
}

// twoServersSixMinutesOn has two servers with separate caches (opts
// applied to both) fetch a token each, then moves the emulator's clock six
// minutes on. It returns the first server's client and both tokens.
func twoServersSixMinutesOn(t *testing.T, e *emulatortest.Server, opts ...admin.Option) (a *admin.Client, ta, tb string) {
	t.Helper()
	a = e.NewClient(t, append([]admin.Option{admin.WithStore(kv.NewMemory())}, opts...)...)
	b := e.NewClient(t, append([]admin.Option{admin.WithStore(kv.NewMemory())}, opts...)...)
	ta, err := a.AccessToken(t.Context())
	require.NoError(t, err)
	tb, err = b.AccessToken(t.Context())
	require.NoError(t, err)
	require.NoError(t, e.Emu.Advance(t.Context(), 6*time.Minute))
	return a, ta, tb
}

// TestEmulatorStableTokensDoNot: the same two servers in the default
// stable_token mode share a token and never see 40001.
func TestEmulatorStableTokensDoNot(t *testing.T) {
	e := startEmulated(t)
	a, ta, tb := twoServersSixMinutesOn(t, e)
	assert.Equal(t, ta, tb)
	_, err := a.Card.Colors(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, e.Calls("/card/getcolors"))
}

// TestEmulatorHTMLEscapingOff: card text with <, > and & reaches WeChat as
// written and comes back the same.
func TestEmulatorHTMLEscapingOff(t *testing.T) {
	e := startEmulated(t)
	c := e.Client
	cardID := createCoupon(t, c)
	got, err := c.Card.Get(t.Context(), cardID)
	require.NoError(t, err)
	var coupon admin.GeneralCoupon
	require.NoError(t, got.Decode(&coupon))
	assert.Equal(t, "满100减10 <b>&</b>", coupon.DefaultDetail)
}
