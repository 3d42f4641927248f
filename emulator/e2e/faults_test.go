package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
)

// TestAdminAgainstInjectedFaults: how the real client copes with the
// failures the emulator injects.
func TestAdminAgainstInjectedFaults(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.Client
	id := w.approvedCard(admin.CardTypeGeneralCoupon, map[string]any{"default_detail": "x"})
	code := w.claim(id, "oFault")

	t.Run("a stale token is refreshed and the call retried once", func(t *testing.T) {
		require.NoError(t, w.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/get", Count: 1, Errcode: emulator.ErrcodeInvalidCredential}}}))
		_, err := c.Card.Get(ctx, id)
		require.NoError(t, err)
	})
	t.Run("quota errors are not retried", func(t *testing.T) {
		require.NoError(t, w.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/get", Count: 1, Errcode: emulator.ErrcodeDailyQuota}}}))
		_, err := c.Card.Get(ctx, id)
		assert.ErrorIs(t, err, admin.ErrQuotaExceeded)
		_, err = c.Card.Get(ctx, id)
		assert.NoError(t, err)
	})
	t.Run("a 503 surfaces as an HTTP error", func(t *testing.T) {
		require.NoError(t, w.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/code/consume", Count: 1, HTTPStatus: http.StatusServiceUnavailable}}}))
		_, err := c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: code, CardID: id})
		require.Error(t, err)
		info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: code, CardID: id})
		require.NoError(t, err)
		assert.EqualValues(t, "NORMAL", info.UserCardStatus, "a 503 happens before the call runs")
	})
	t.Run("a consume whose answer is lost is not retried", func(t *testing.T) {
		require.NoError(t, w.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/code/consume", Count: 1, Disconnect: true}}}))
		_, err := c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: code, CardID: id})
		require.Error(t, err)
		assert.Zero(t, apiCode(err), "a network error, not the 40099 a retry would get: %v", err)
		// The consume ran; the client did not repeat it (a repeat would
		// have answered 40099, not a network error). Get tells the truth.
		info, err := c.Code.Get(ctx, admin.GetCodeRequest{Code: code, CardID: id})
		require.NoError(t, err)
		assert.EqualValues(t, "CONSUMED", info.UserCardStatus)
		_, err = c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: code, CardID: id})
		assert.Equal(t, emulator.ErrcodeCodeConsumed, apiCode(err), "%v", err)
	})
	t.Run("latency past the caller's deadline", func(t *testing.T) {
		require.NoError(t, w.Emu.SetFaults(emulator.Faults{LatencyMS: 2000}))
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.Card.Colors(short)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	require.NoError(t, w.Emu.SetFaults(emulator.Faults{}))
}
