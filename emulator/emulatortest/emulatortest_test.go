package emulatortest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/signer"
)

func coupon() *admin.GeneralCoupon {
	return &admin.GeneralCoupon{DefaultDetail: "满100减10", BaseInfo: admin.BaseInfo{
		LogoURL: "http://mmbiz.qpic.cn/logo.png", BrandName: "测试商户", CodeType: admin.CodeTypeQRCode,
		Title: "十元券", Color: "Color010", Notice: "出示二维码", Description: "每人限领一张",
		SKU: &admin.SKU{Quantity: 10}, DateInfo: &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
	}}
}

func TestStartApproveAddToWallet(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	ctx := t.Context()
	id, err := s.Client.Card.Create(ctx, admin.CardTypeGeneralCoupon, coupon())
	require.NoError(t, err)
	s.Approve(t, id)
	list, err := s.Client.JSSDK.AddCard(ctx, []signer.Card{{CardID: id}})
	require.NoError(t, err)
	added := s.AddToWallet(t, "oTester", list)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)

	assert.Equal(t, 1, s.TokenFetches())
	assert.Equal(t, 1, s.TicketFetches("wx_card"))
	assert.Equal(t, 1, s.Calls("/card/create"))
	ticket, ok := s.Emu.Ticket(s.AppID, "wx_card")
	require.True(t, ok)
	token, err := s.Client.AccessToken(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{emulatortest.DefaultSecret, token, ticket}, s.Secrets())
}

func TestOptions(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	s := emulatortest.Start(t,
		emulatortest.WithApp("wx00aa11bb22cc33dd", "another-secret-0123456789"),
		emulatortest.WithEmulator(emulator.WithClock(func() time.Time { return base }), emulator.WithTicketPerCall(true)),
		emulatortest.WithClient(admin.WithTokenMode(admin.TokenModeClassic)))
	assert.Equal(t, "wx00aa11bb22cc33dd", s.AppID)
	_, err := s.Client.AccessToken(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, s.Calls("/cgi-bin/token"), "classic mode")
	assert.Zero(t, s.Calls("/cgi-bin/stable_token"))
	assert.Equal(t, base, s.Emu.Now())
}

func TestHoldTickets(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	release := s.HoldTickets()
	defer release()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := s.NewClient(t).CardTicket(ctx)
	require.Error(t, err, "a held getticket does not answer")
	assert.Zero(t, s.TicketFetches("wx_card"), "a held call is counted only once it goes through")
	release()
	_, err = s.Client.CardTicket(t.Context())
	require.NoError(t, err)
	assert.Positive(t, s.TicketFetches("wx_card"))
}

func TestRecorderKeepsConnectionFaults(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	require.NoError(t, s.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "cgi-bin/stable_token", Count: 1, Disconnect: true}}}))
	res, err := http.Post(s.URL+"/cgi-bin/stable_token", "application/json", nil)
	if err == nil {
		_, err = res.Body.Read(make([]byte, 1<<10))
		for err == nil {
			_, err = res.Body.Read(make([]byte, 1<<10))
		}
		res.Body.Close()
	}
	assert.ErrorContains(t, err, "unexpected EOF", "the half-written answer reaches the client through the recorder")
}

// A Recorder in front of the emulator counts the calls a cache makes and
// remembers the credentials it handed out.
func ExampleNewRecorder() {
	const appID, secret = "wx0123456789abcdef", "example-secret-0123456789"
	emu, err := emulator.New(emulator.WithApp(appID, secret))
	if err != nil {
		panic(err)
	}
	rec := emulatortest.NewRecorder(emu, secret)
	srv := httptest.NewServer(rec)
	defer srv.Close()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}
	res, err := http.Get(srv.URL + "/cgi-bin/token?" + q.Encode())
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(rec.TokenFetches(), len(rec.Secrets()))
	// Output: 1 2
}
