package e2e_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// TestAdminCardListRejections: the ways a cardList built (or mangled) on
// the merchant side is refused by the simulated phone.
func TestAdminCardListRejections(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.Client
	cardID := w.approvedCard(admin.CardTypeGeneralCoupon, map[string]any{"default_detail": "拿铁买一送一"})

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
		s, err := signer.New(signer.WithClock(w.Emu.Now))
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
		require.NoError(t, w.Emu.Advance(context.Background(), 2*time.Hour+time.Minute))
		res := w.walletAdd("oErin", list).CardList[0]
		assert.Equal(t, emulator.ReasonTicketExpired, res.Reason)
		// The client notices the expiry, fetches a new ticket and succeeds.
		fresh, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
		require.NoError(t, err)
		assert.True(t, w.walletAdd("oErin", fresh).CardList[0].IsSuccess)
	})
}
