package e2e_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// world is an emulator (Emu) behind a real HTTP server and an admin client
// (Client) pointed at it, sharing the emulator's clock, with the test it
// serves.
type world struct {
	*emulatortest.Server
	t *testing.T
}

func newWorld(t *testing.T) *world {
	t.Helper()
	base := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	s := emulatortest.Start(t, emulatortest.WithApp(appID, secret),
		emulatortest.WithEmulator(emulator.WithRandSeed(42), emulator.WithClock(func() time.Time { return base })))
	return &world{Server: s, t: t}
}

func (w *world) walletAdd(openID string, list signer.CardList) emulator.WalletResponse {
	w.t.Helper()
	out := w.AddToWallet(w.t, openID, list)
	require.Len(w.t, out.CardList, len(list))
	return out
}

// approvedCard creates a card of cardType with a valid base_info and the
// extra fields, and approves it.
func (w *world) approvedCard(cardType admin.CardType, extra map[string]any) string {
	w.t.Helper()
	attrs := map[string]any{"base_info": map[string]any{
		"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "端到端咖啡", "code_type": "CODE_TYPE_QRCODE",
		"title": "拿铁买一送一", "color": "Color010", "notice": "向店员出示", "description": "每人限领两张",
		"sku": map[string]any{"quantity": 100}, "date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30},
	}}
	for k, v := range extra {
		attrs[k] = v
	}
	id, err := w.Client.Card.Create(context.Background(), cardType, attrs)
	require.NoError(w.t, err)
	w.Approve(w.t, id)
	return id
}

// claim puts a card into openID's wallet through JSSDK.AddCard.
func (w *world) claim(cardID, openID string) string {
	w.t.Helper()
	list, err := w.Client.JSSDK.AddCard(context.Background(), []signer.Card{{CardID: cardID}})
	require.NoError(w.t, err)
	res := w.walletAdd(openID, list).CardList[0]
	require.True(w.t, res.IsSuccess, "%+v", res)
	return res.Code
}

func apiCode(err error) int {
	var ae *admin.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
