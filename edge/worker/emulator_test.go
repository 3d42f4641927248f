//go:build !js

package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/signer"
)

// The whole wx.addCard path offline: the worker in workerd signs a cardList
// with the ticket it fetched from the emulator, and the emulator's simulated
// phone (wallet/add) verifies each cardExt the way the WeChat client does.
func TestWorkerCardListIsAcceptedByTheEmulatedPhone(t *testing.T) {
	h := newHarness(t, "entry.mjs", nil)
	cardID := createApprovedCoupon(t, h)

	// The card is not public in this deployment: both entries come from
	// grants, the second one setting outer_str.
	r := h.addCard(grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: cardID})) + "," +
		grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: cardID, OuterStr: "edge-test"})))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var signed struct {
		CardList signer.CardList `json:"cardList"`
	}
	require.NoError(t, json.Unmarshal(r.body, &signed))

	added := h.up.AddToWallet(t, "oEdgeUser", signed.CardList)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
	require.Len(t, added.CardList, 2)
	for _, c := range added.CardList {
		assert.True(t, c.IsSuccess, "%s: %s", c.Reason, c.Errmsg)
	}

	// Replaying the same cardList is refused (nonce reuse), so the phone
	// really checked it.
	added = h.up.AddToWallet(t, "oEdgeUser", signed.CardList)
	assert.NotEqual(t, "addCard:ok", added.ErrMsg)
}

func createApprovedCoupon(t *testing.T, h *harness) string {
	t.Helper()
	id, err := h.up.Client.Card.Create(t.Context(), admin.CardTypeGeneralCoupon, &admin.GeneralCoupon{
		DefaultDetail: "满100减10",
		BaseInfo: admin.BaseInfo{
			LogoURL: "http://mmbiz.qpic.cn/logo.png", BrandName: "边缘咖啡", CodeType: admin.CodeTypeQRCode,
			Title: "十元券", Color: "Color010", Notice: "出示二维码", Description: "每人限领五张",
			SKU: &admin.SKU{Quantity: 100}, GetLimit: 5,
			DateInfo: &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
		},
	})
	require.NoError(t, err)
	h.up.Approve(t, id)
	return id
}
