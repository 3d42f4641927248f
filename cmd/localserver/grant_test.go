package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

// Emulator mode: the demo backend mints a grant when -grant-keys is set, the
// page passes it to /v1/addcard, and the emulated phone accepts the card for
// the user the grant names. The open policy still signs plain requests, as
// the banner says.
func TestDemoGrantsInEmulatorMode(t *testing.T) {
	t.Parallel()
	srv, stdout, stderr := startInProcess(t, "-grant-keys", "demo1:"+testGrantSecret)
	base := srv.baseURL
	assert.Contains(t, stdout.String(), "OPEN (emulator demo)")
	assert.Contains(t, stdout.String(), "grants with keys demo1")
	card := approvedCard(t, base)

	var g map[string]string
	resp := httpJSON(t, http.MethodPost, base+"/demo/api/grant", map[string]string{"card_id": card.CardID, "openid": "oDemoUser"}, &g)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, g["grant"])

	var list cardListAnswer
	resp = httpJSON(t, http.MethodPost, base+"/v1/addcard", map[string]any{"cards": []map[string]string{{"grant": g["grant"]}}}, &list)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ext, err := signer.ParseCardExt(list.CardList[0].CardExt)
	require.NoError(t, err)
	assert.Equal(t, "oDemoUser", ext.OpenID)
	added := walletAdd(t, base, "oDemoUser", list)
	assert.Equal(t, "addCard:ok", added.ErrMsg)

	// A grant cannot be stretched to another user, even in open mode.
	var refused map[string]map[string]string
	resp = httpJSON(t, http.MethodPost, base+"/v1/addcard", map[string]any{"cards": []map[string]string{{"grant": g["grant"], "openid": "oOther"}}}, &refused)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "field_not_allowed", refused["error"]["code"])

	resp = httpJSON(t, http.MethodPost, base+"/demo/api/grant", map[string]string{"card_id": "", "openid": "o"}, &refused)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.NotContains(t, stdout.String()+stderr.String(), testGrantSecret[:16])
}

func TestDemoWithoutGrantKeys(t *testing.T) {
	t.Parallel()
	srv, _, _ := startInProcess(t)
	var g map[string]string
	resp := httpJSON(t, http.MethodPost, srv.baseURL+"/demo/api/grant", map[string]string{"card_id": "p1"}, &g)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, map[string]string{"grant": ""}, g, "no grant: the page asks the open policy directly")
}
