//go:build !js

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/grant"
)

// The grant keys the harness configures (WXCARD_GRANT_KEYS), as during a
// rotation: both are accepted.
var (
	grantKeyA = grant.Key{ID: "k2025a", Secret: []byte("worker-grant-key-a-0123456789abcdef")}
	grantKeyB = grant.Key{ID: "k2025b", Secret: []byte("worker-grant-key-b-0123456789abcdef")}
)

func grantKeyVar(keys ...grant.Key) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, k.ID+":"+base64.RawURLEncoding.EncodeToString(k.Secret))
	}
	return strings.Join(parts, ",")
}

// mintNow mints for testAppID on the real clock, which is the Worker's.
func mintNow(t testing.TB, k grant.Key, c grant.Claims) string {
	t.Helper()
	return mintAt(t, k, c, time.Now())
}

func mintAt(t testing.TB, k grant.Key, c grant.Claims, at time.Time) string {
	t.Helper()
	if c.AppID == "" {
		c.AppID = testAppID
	}
	tok, err := grant.Mint(k, c, at)
	require.NoError(t, err)
	return tok
}

func grantCard(tok string) string { return `{"grant":"` + tok + `"}` }

// jsMint mints with the JavaScript package (js/grant.js) in Node, as a
// merchant's Node backend would.
func jsMint(t *testing.T, k grant.Key, claims map[string]any) string {
	t.Helper()
	claims["app"] = testAppID
	key, err := json.Marshal(map[string]string{"id": k.ID, "secret": base64.RawURLEncoding.EncodeToString(k.Secret)})
	require.NoError(t, err)
	cl, err := json.Marshal(claims)
	require.NoError(t, err)
	module := (&url.URL{Scheme: "file", Path: filepath.Join(repoRoot, "js", "grant.js")}).String()
	script := `const { mintGrant } = await import(process.argv[1]);
process.stdout.write(await mintGrant(JSON.parse(process.argv[2]), JSON.parse(process.argv[3])));`
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", "--input-type=module", "-e", script, module, string(key), string(cl)).Output()
	require.NoError(t, err)
	return string(out)
}

func TestWorkerEnforcesGrantPolicy(t *testing.T) {
	h := newHarness(t, "entry.mjs", nil)

	refused := func(t *testing.T, r reply, code string) {
		t.Helper()
		assert.Equal(t, http.StatusForbidden, r.status, string(r.body))
		assert.Equal(t, code, errorCode(t, r))
	}

	t.Run("a grant signs its card with its fields, and nothing else", func(t *testing.T) {
		h := h.sub(t)
		tok := mintNow(t, grantKeyA, grant.Claims{CardID: "pCardB", OpenID: "oUserX", Code: "1234567890"})
		exts := h.requireValidCardList(h.addCard(grantCard(tok)), "pCardB")
		assert.Equal(t, "oUserX", exts[0].OpenID)
		assert.Equal(t, "1234567890", exts[0].Code)

		refused(t, h.addCard(`{"grant":"`+tok+`","card_id":"pCardD"}`), "field_not_allowed")
		refused(t, h.addCard(`{"grant":"`+tok+`","openid":"oUserY"}`), "field_not_allowed")
		refused(t, h.addCard(`{"card_id":"pCardB","openid":"oUserX"}`), "grant_required")
		refused(t, h.addCard(`{"card_id":"pCardD"}`), "grant_required")
	})

	t.Run("refused grants, each with its code", func(t *testing.T) {
		h := h.sub(t)
		good := mintNow(t, grantKeyA, grant.Claims{CardID: "pCardB"})
		_, mac, _ := strings.Cut(good, ".")
		otherPayload, _, _ := strings.Cut(mintNow(t, grantKeyA, grant.Claims{CardID: "pCardD"}), ".")
		tests := []struct{ name, token, code string }{
			{"expired", mintAt(t, grantKeyA, grant.Claims{CardID: "pCardB"}, time.Now().Add(-10*time.Minute)), "grant_expired"},
			{"tampered", otherPayload + "." + mac, "grant_invalid"},
			{"wrong app", mintNow(t, grantKeyA, grant.Claims{AppID: "wxffffffffffffffff", CardID: "pCardB"}), "grant_wrong_app"},
			{"unknown key", mintNow(t, grant.Key{ID: "k2024z", Secret: grantKeyA.Secret}, grant.Claims{CardID: "pCardB"}), "grant_unknown_key"},
			{"known id, other secret", mintNow(t, grant.Key{ID: grantKeyA.ID, Secret: grantKeyB.Secret}, grant.Claims{CardID: "pCardB"}), "grant_invalid"},
			{"garbage", "x.y", "grant_invalid"},
		}
		for _, tt := range tests {
			refused(t, h.addCard(grantCard(tt.token)), tt.code)
			refused(t, h.do(http.MethodPost, "/v1/choosecard", grantCard(tt.token)), tt.code)
		}
		assert.NotContains(t, h.log.String(), mac, "the worker logged a grant's MAC")
		assert.NotContains(t, h.log.String(), base64.RawURLEncoding.EncodeToString(grantKeyA.Secret))
	})

	t.Run("a public card never carries caller-chosen fields", func(t *testing.T) {
		h := h.sub(t)
		exts := h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
		assert.Empty(t, exts[0].Code)
		assert.Empty(t, exts[0].OpenID)
		assert.Empty(t, exts[0].OuterStr)
		assert.Nil(t, exts[0].Balance)
		assert.Zero(t, exts[0].FixedBeginTimestamp)
		for _, field := range []string{`"code":"1"`, `"openid":"oUserY"`, `"outer_str":"x"`, `"balance":1`, `"fixed_begintimestamp":1750003600`} {
			refused(t, h.addCard(`{"card_id":"pCardA",`+field+`}`), "field_not_allowed")
		}
	})

	t.Run("both keys of a rotation, and grants minted in Node", func(t *testing.T) {
		h := h.sub(t)
		for _, k := range []grant.Key{grantKeyA, grantKeyB} {
			exts := h.requireValidCardList(h.addCard(grantCard(mintNow(t, k, grant.Claims{CardID: "pCardB", OpenID: "o" + k.ID}))), "pCardB")
			assert.Equal(t, "o"+k.ID, exts[0].OpenID)
		}
		tok := jsMint(t, grantKeyB, map[string]any{"card": "pCardB", "openid": "oFromNode", "balance": 0})
		exts := h.requireValidCardList(h.addCard(grantCard(tok)), "pCardB")
		assert.Equal(t, "oFromNode", exts[0].OpenID)
		require.NotNil(t, exts[0].Balance)
		assert.Zero(t, *exts[0].Balance)
	})

	t.Run("choosecard takes card, shop and type from the grant", func(t *testing.T) {
		h := h.sub(t)
		r := h.do(http.MethodPost, "/v1/choosecard", grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: "pCardB", ShopID: "88", CardType: "GROUPON"})))
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var p struct{ CardID, ShopID, CardType string }
		require.NoError(t, json.Unmarshal(r.body, &p))
		assert.Equal(t, [3]string{"pCardB", "88", "GROUPON"}, [3]string{p.CardID, p.ShopID, p.CardType})
		refused(t, h.do(http.MethodPost, "/v1/choosecard", `{"card_id":"pCardB"}`), "grant_required")
	})

	t.Run("jsconfig signs only the configured pages", func(t *testing.T) {
		h := h.sub(t)
		r := h.do(http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape("https://evil.example.com/"), "")
		refused(t, r, "url_not_allowed")
		r = h.do(http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape(origin+"/any/page"), "")
		assert.Equal(t, http.StatusOK, r.status, string(r.body))
	})
}

// Without a grant key and without public cards the Worker signs nothing and
// says how to configure it.
func TestWorkerRefusesToStartWithoutAPolicy(t *testing.T) {
	h := newHarness(t, "entry.mjs", map[string]string{app.EnvGrantKeys: "", app.EnvPublicCardIDs: ""})
	for _, r := range []reply{h.do(http.MethodGet, "/healthz", ""), h.addCard(`{"card_id":"pCardA"}`)} {
		assert.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, "worker_misconfigured", errorCode(t, r))
		assert.Contains(t, string(r.body), app.EnvGrantKeys)
		assert.Contains(t, string(r.body), app.EnvPublicCardIDs)
	}
	assert.Zero(t, h.up.TicketFetches("wx_card"))
}
