//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/grant"
)

// The whole wx.addCard path offline: the worker in workerd signs a cardList
// with the ticket it fetched from the emulator, and the emulator's simulated
// phone (wallet/add) verifies each cardExt the way the WeChat client does.
func TestWorkerCardListIsAcceptedByTheEmulatedPhone(t *testing.T) {
	emu, err := emulator.New(emulator.WithApp(testAppID, testSecret))
	require.NoError(t, err)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cardID := createApprovedCoupon(t, srv.URL)

	h := newHarness(t, "entry.mjs", map[string]string{app.EnvBaseURL: srv.URL, app.EnvPublicCardIDs: cardID})
	// One card as a public card, one from a grant that sets outer_str.
	r := h.addCard(`{"card_id":"` + cardID + `"},` + grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: cardID, OuterStr: "edge-test"})))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var signed struct {
		CardList json.RawMessage `json:"cardList"`
	}
	require.NoError(t, json.Unmarshal(r.body, &signed))

	var added emulator.WalletResponse
	postJSON(t, srv.URL+"/emulator/v1/wallet/add", map[string]any{"openid": "oEdgeUser", "cardList": signed.CardList}, &added)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
	require.Len(t, added.CardList, 2)
	for _, c := range added.CardList {
		assert.True(t, c.IsSuccess, "%s: %s", c.Reason, c.Errmsg)
	}

	// Replaying the same cardList is refused (nonce reuse), so the phone
	// really checked it.
	postJSON(t, srv.URL+"/emulator/v1/wallet/add", map[string]any{"openid": "oEdgeUser", "cardList": signed.CardList}, &added)
	assert.NotEqual(t, "addCard:ok", added.ErrMsg)
}

func createApprovedCoupon(t *testing.T, base string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	postJSON(t, base+"/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": testAppID, "secret": testSecret}, &tok)
	require.NotEmpty(t, tok.AccessToken)
	var created struct {
		Errcode int    `json:"errcode"`
		CardID  string `json:"card_id"`
	}
	postJSON(t, base+"/card/create?access_token="+url.QueryEscape(tok.AccessToken), map[string]any{"card": map[string]any{
		"card_type": "GENERAL_COUPON", "general_coupon": map[string]any{
			"default_detail": "满100减10",
			"base_info": map[string]any{
				"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "边缘咖啡", "code_type": "CODE_TYPE_QRCODE",
				"title": "十元券", "color": "Color010", "notice": "出示二维码", "description": "每人限领五张",
				"sku": map[string]any{"quantity": 100}, "get_limit": 5,
				"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30},
			},
		},
	}}, &created)
	require.Zero(t, created.Errcode)
	require.NotEmpty(t, created.CardID)
	var review map[string]string
	postJSON(t, base+"/emulator/v1/cards/"+created.CardID+"/approve", map[string]any{}, &review)
	require.Equal(t, "CARD_STATUS_VERIFY_OK", review["status"])
	return created.CardID
}

func postJSON(t *testing.T, u string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	res, err := http.Post(u, "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer res.Body.Close()
	require.NoError(t, json.NewDecoder(res.Body).Decode(out))
}
