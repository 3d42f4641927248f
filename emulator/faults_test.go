package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

func (h *harness) setFaults(f map[string]any) {
	h.t.Helper()
	r := h.do("POST", "/emulator/v1/faults", f, nil)
	require.Equal(h.t, http.StatusOK, r.status, string(r.raw))
}

func TestFaultFailNext(t *testing.T) {
	h := newPersistedHarness(t)
	h.accessToken()
	h.setFaults(map[string]any{"rules": []any{
		map[string]any{"path": "card/getcolors", "count": 2, "errcode": 45009},
		map[string]any{"path": "/card/get", "count": 1, "http_status": 502},
	}})
	got := h.do("GET", "/emulator/v1/faults", nil, nil)
	assert.Len(t, got.body["rules"], 2)
	assert.Equal(t, 45009, h.wxGet("card/getcolors", nil).errcode())
	assert.Equal(t, 45009, h.wxGet("card/getcolors", nil).errcode())
	assert.Equal(t, 0, h.wxGet("card/getcolors", nil).errcode())
	r := h.wx("card/get", map[string]any{"card_id": "x"})
	assert.Equal(t, http.StatusBadGateway, r.status)
	assert.Equal(t, emulator.ErrcodeInvalidCardID, h.wx("card/get", map[string]any{"card_id": "x"}).errcode())
	got = h.do("GET", "/emulator/v1/faults", nil, nil)
	assert.Equal(t, []any{}, got.body["rules"], "used-up rules are dropped")
	// Control routes are never faulted.
	h.setFaults(map[string]any{"http_5xx_rate": 1, "busy_rate": 1})
	assert.Equal(t, http.StatusOK, h.do("GET", "/emulator/v1/state", nil, nil).status)
}

func TestFaultRates(t *testing.T) {
	h := newPersistedHarness(t)
	h.accessToken()
	h.setFaults(map[string]any{"http_5xx_rate": 1})
	r := h.wxGet("card/getcolors", nil)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Contains(t, r.header.Get("Content-Type"), "text/html")
	h.setFaults(map[string]any{"busy_rate": 1})
	assert.Equal(t, emulator.ErrcodeSystemBusy, h.wxGet("card/getcolors", nil).errcode())
	// A busy answer happens before the call runs: nothing is created.
	assert.Equal(t, emulator.ErrcodeSystemBusy, h.wx("card/create", couponBody(nil)).errcode())
	h.setFaults(map[string]any{})
	assert.EqualValues(t, 0, h.wxOK("card/batchget", map[string]any{"count": 10}).body["total_num"])

	// A rate of one half fails about half the calls, reproducibly for a seed.
	h.setFaults(map[string]any{"busy_rate": 0.5})
	busy := 0
	for i := 0; i < 200; i++ {
		if h.wxGet("card/getcolors", nil).errcode() == emulator.ErrcodeSystemBusy {
			busy++
		}
	}
	assert.InDelta(t, 100, busy, 30)
}

func TestFaultLatency(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithLatency(50*time.Millisecond))
	h.accessToken()
	start := time.Now()
	h.wxGet("card/getcolors", nil)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	// A client that gives up is let go.
	h.setFaults(map[string]any{"latency_ms": 60000})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", withToken(h.srv.URL+"/card/getcolors", h.token), nil)
	_, err := h.srv.Client().Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFaultDisconnectAfterTheCallRan(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	code := h.claim("oD", id).Code
	h.setFaults(map[string]any{"rules": []any{map[string]any{"path": "card/code/consume", "count": 1, "disconnect": true}}})
	res, err := h.srv.Client().Post(withToken(h.srv.URL+"/card/code/consume", h.accessToken()), "application/json", strings.NewReader(`{"code":"`+code+`"}`))
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF"), err.Error())
	// The consume happened; only the answer was lost. A blind retry fails.
	assert.Equal(t, emulator.ErrcodeCodeConsumed, h.wx("card/code/consume", map[string]any{"code": code}).errcode())
}

func TestFaultDisconnectWithoutHijacker(t *testing.T) {
	emu, err := emulator.New(emulator.WithDisconnectRate(1))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		emu.ServeHTTP(rec, httptest.NewRequest("GET", "/card/getcolors", nil))
	})
}

func TestSetFaults(t *testing.T) {
	h := newPersistedHarness(t)
	require.NoError(t, h.emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/getcolors", Count: 1, Errcode: 48001}}}))
	assert.Equal(t, 48001, h.wxGet("card/getcolors", nil).errcode())
	assert.ErrorIs(t, h.emu.SetFaults(emulator.Faults{BusyRate: 3}), emulator.ErrInvalidArgument)
}
