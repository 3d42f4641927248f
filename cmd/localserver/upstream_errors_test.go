package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/emulator"
)

// The config API knows admin's errors only through the small interfaces it
// declares (edge.WeChatError, edge.BusyError). These tests hold admin's real
// errors to them: a real admin client fetching its ticket from the emulator,
// which fails getticket as configured, behind a real edge handler.
func TestEdgeAnswersAdminErrorsByCategory(t *testing.T) {
	t.Parallel()
	const appID, secret = "wx0123456789abcdef", "emulator-dev-secret-0123456789"
	tests := []struct {
		name   string
		fault  emulator.FaultRule
		status int
		code   string
		detail string
	}{
		{"busy", emulator.FaultRule{Errcode: -1}, http.StatusServiceUnavailable, edge.CodeUpstreamBusy, "errcode -1"},
		{"daily quota", emulator.FaultRule{Errcode: 45009}, http.StatusServiceUnavailable, edge.CodeUpstreamQuota, "errcode 45009"},
		{"minute quota", emulator.FaultRule{Errcode: 45011}, http.StatusServiceUnavailable, edge.CodeUpstreamQuota, "quota"},
		{"ip whitelist", emulator.FaultRule{Errcode: 40164}, http.StatusBadGateway, edge.CodeUpstreamRejected, "errcode 40164"},
		{"unauthorized", emulator.FaultRule{Errcode: 48001}, http.StatusBadGateway, edge.CodeUpstreamRejected, "errcode 48001"},
		{"http 503", emulator.FaultRule{HTTPStatus: http.StatusServiceUnavailable}, http.StatusBadGateway, edge.CodeUpstreamUnavailable, "could not obtain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rule := tt.fault
			rule.Path, rule.Count = "cgi-bin/ticket/getticket", 100
			emu, err := emulator.New(emulator.WithApp(appID, secret), emulator.WithFaults(emulator.Faults{Rules: []emulator.FaultRule{rule}}))
			require.NoError(t, err)
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			client, err := admin.NewClient(appID, secret, admin.WithBaseURL(srv.URL), admin.WithBusyRetry(0, 0))
			require.NoError(t, err)

			_, ticketErr := client.CardTicket(t.Context())
			require.Error(t, ticketErr, "the emulator fails getticket")
			assertEdgeAnswer(t, client, tt.status, tt.code, tt.detail)
		})
	}
}

// ErrRefreshTimeout needs a second process holding the refresh lock to
// happen for real; the error as admin returns it is enough here.
func TestEdgeAnswersRefreshTimeoutAsBusy(t *testing.T) {
	t.Parallel()
	failing := failingTickets{fmt.Errorf("%w: another process has held the card ticket refresh lock for 2s", admin.ErrRefreshTimeout)}
	assertEdgeAnswer(t, failing, http.StatusServiceUnavailable, edge.CodeUpstreamBusy, "retry shortly")
}

type failingTickets struct{ err error }

func (f failingTickets) CardTicket(context.Context) (string, error)  { return "", f.err }
func (f failingTickets) JSAPITicket(context.Context) (string, error) { return "", f.err }

func assertEdgeAnswer(t *testing.T, tickets edge.TicketProvider, status int, code, detail string) {
	t.Helper()
	h, err := edge.NewHandler(edge.Config{AppID: "wx0123456789abcdef", Tickets: tickets, Policy: edge.Policy{Open: true}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/choosecard", strings.NewReader(`{}`)))
	assert.Equal(t, status, rec.Code)
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	assert.Equal(t, code, body.Error.Code)
	assert.Contains(t, body.Error.Message, detail)
}
