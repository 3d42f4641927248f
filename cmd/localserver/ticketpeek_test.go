package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

func getCardTicket(t *testing.T, base string, edit func(*http.Request)) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+cardTicketPath, nil)
	require.NoError(t, err)
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body), "%s", raw)
	return resp, body
}

func TestCardTicketIsTheOneThatSigns(t *testing.T) {
	t.Parallel()
	srv, _, stderr := startInProcess(t)
	resp, body := getCardTicket(t, srv.baseURL, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") })
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "wx_card", body["type"])
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "no CORS")
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	ticket, _ := body["ticket"].(string)
	require.NotEmpty(t, ticket)

	// A cardList /v1/addcard signs verifies with that ticket: it is the
	// one the preview tool needs.
	card := approvedCard(t, srv.baseURL)
	var signed struct {
		CardList []struct {
			CardID  string `json:"cardId"`
			CardExt string `json:"cardExt"`
		} `json:"cardList"`
	}
	r := httpJSON(t, http.MethodPost, srv.baseURL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": card.CardID, "openid": "oTicketPeek000000000000000001"}}}, &signed)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Len(t, signed.CardList, 1)
	v, err := signer.VerifyCardExt(ticket, card.CardID, signed.CardList[0].CardExt)
	require.NoError(t, err)
	assert.True(t, v.Valid, "%+v", v)
	assert.NotContains(t, stderr.String(), ticket, "the ticket is not logged")
}

func TestCardTicketRefusesOtherHostsSitesAndMethods(t *testing.T) {
	t.Parallel()
	srv, _, _ := startInProcess(t)
	tests := []struct {
		name   string
		edit   func(*http.Request)
		status int
		code   string
	}{
		{name: "a DNS-rebinding host name", edit: func(r *http.Request) { r.Host = "attacker.example:8080" }, status: http.StatusForbidden, code: "forbidden_host"},
		{name: "another site's page", edit: func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, status: http.StatusForbidden, code: "cross_site"},
		{name: "a page on another local port", edit: func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-site") }, status: http.StatusForbidden, code: "cross_site"},
		{name: "POST", edit: func(r *http.Request) { r.Method = http.MethodPost }, status: http.StatusMethodNotAllowed, code: "method_not_allowed"},
		{name: "localhost by name", edit: func(r *http.Request) { r.Host = "localhost" }, status: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := getCardTicket(t, srv.baseURL, tt.edit)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			if tt.code == "" {
				assert.NotEmpty(t, body["ticket"])
				return
			}
			assert.Nil(t, body["ticket"])
			errBody, _ := body["error"].(map[string]any)
			assert.Equal(t, tt.code, errBody["code"])
		})
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, remote, host, site, code string
	}{
		{name: "loopback v4", remote: "127.0.0.1:5000", host: "127.0.0.1:8080"},
		{name: "loopback v6", remote: "[::1]:5000", host: "[::1]:8080"},
		{name: "localhost, typed in the address bar", remote: "127.0.0.1:5000", host: "localhost:8080", site: "none"},
		{name: "another machine", remote: "192.0.2.7:5000", host: "127.0.0.1:8080", code: "not_loopback"},
		{name: "a LAN address as host", remote: "127.0.0.1:5000", host: "192.168.1.2:8080", code: "forbidden_host"},
		{name: "a name that resolves to loopback", remote: "127.0.0.1:5000", host: "rebind.example", code: "forbidden_host"},
		{name: "garbage remote", remote: "nonsense", host: "127.0.0.1", code: "not_loopback"},
		{name: "cross-site", remote: "127.0.0.1:5000", host: "127.0.0.1:8080", site: "cross-site", code: "cross_site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, cardTicketPath, nil)
			r.RemoteAddr, r.Host = tt.remote, tt.host
			if tt.site != "" {
				r.Header.Set("Sec-Fetch-Site", tt.site)
			}
			code, msg := loopbackOnly(r)
			assert.Equal(t, tt.code, code, msg)
		})
	}
}

func TestCardTicketDoesNotExistInWeChatMode(t *testing.T) {
	t.Parallel()
	env := map[string]string{"WXCARD_SECRET": "a-secret-that-is-never-used-here"}
	srv, stdout, _ := startInProcessEnv(t, env, nil, "-mode", "wechat", "-appid", "wx0123456789abcdef",
		"-public-card-ids", "pPublicCard", "-base-url", "http://127.0.0.1:1/")
	resp, body := getCardTicket(t, srv.baseURL, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Nil(t, body["ticket"])
	errBody, _ := body["error"].(map[string]any)
	assert.Equal(t, "not_found", errBody["code"])
	assert.False(t, strings.Contains(stdout.String(), cardTicketPath), "the banner does not offer it")
}
