package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testenv"
)

// e2eEnv turns the Chromium test on; `make test-localserver-e2e` sets it
// after building the wasm the preview tool needs.
const e2eEnv = "WXCARD_LOCALSERVER_E2E"

// chromiumTools finds node and Chromium, or skips (fails under make test and CI).
func chromiumTools(t *testing.T) (node, chromium string) {
	t.Helper()
	if os.Getenv(e2eEnv) == "" {
		t.Skipf("set %s=1 (make test-localserver-e2e builds the wasm first)", e2eEnv)
	}
	missing := func(what string) {
		testenv.Unavailable(t, what+" is needed for the Chromium test")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("chromium")
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "node_modules", "playwright-core")); err != nil {
		missing("playwright-core (npm ci)")
	}
	if _, ok := wasmPath(filepath.Join(repoRoot(t), "js")); !ok {
		missing("js/wxcard.wasm (make wasm)")
	}
	return node, chromium
}

// runPhase runs one phase of e2e/demo.mjs and decodes what it prints.
func runPhase(t *testing.T, node, chromium, phase string, args map[string]any, out any) {
	t.Helper()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/demo.mjs", phase, string(raw))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, "phase %s:\n%s", phase, stderr.String())
	require.NoError(t, json.Unmarshal(stdout, out), "phase %s printed %q", phase, stdout)
}

func TestDemoInChromium(t *testing.T) {
	node, chromium := chromiumTools(t)
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir())
	card := approvedCard(t, p.URL)
	shots := t.TempDir()
	if dir := os.Getenv("WXCARD_E2E_SHOTS"); dir != "" {
		// Keep the screenshots after the test.
		require.NoError(t, os.MkdirAll(dir, 0o755))
		shots = dir
	}
	profile := t.TempDir()
	t.Logf("screenshots in %s", shots)

	var added struct {
		OpenID   string            `json:"openid"`
		Code     string            `json:"code"`
		CardList []json.RawMessage `json:"cardList"`
	}
	runPhase(t, node, chromium, "add", map[string]any{"base": p.URL, "profile": profile, "shots": shots, "cardId": card.CardID}, &added)
	require.NotEmpty(t, added.OpenID)
	require.NotEmpty(t, added.Code)

	// The merchant's backend sees the card in the user's wallet and redeems it.
	ctx := context.Background()
	client := adminFor(t, p)
	users, err := client.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: added.OpenID})
	require.NoError(t, err)
	require.Len(t, users.Cards, 1)
	assert.Equal(t, card.CardID, users.Cards[0].CardID)
	assert.Equal(t, added.Code, users.Cards[0].Code)
	consumed, err := client.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: added.Code, CardID: card.CardID})
	require.NoError(t, err)
	assert.Equal(t, added.OpenID, consumed.OpenID)
	ticket, err := client.CardTicket(ctx)
	require.NoError(t, err)

	var checked struct {
		Status         string `json:"status"`
		PreviewSummary string `json:"previewSummary"`
	}
	runPhase(t, node, chromium, "check", map[string]any{
		"base": p.URL, "profile": profile, "shots": shots, "cardId": card.CardID,
		"code": added.Code, "cardList": added.CardList, "ticket": ticket,
	}, &checked)
	assert.Equal(t, "CONSUMED", checked.Status)
	assert.Contains(t, checked.PreviewSummary, "1 valid")
	for _, name := range []string{"1-add-sheet.png", "2-added.png", "2b-choose-sheet.png", "3-consumed.png", "3b-pushed-events.png", "4-preview-valid.png", "5-preview-tampered.png", "6-consent.png"} {
		assert.FileExists(t, filepath.Join(shots, name))
	}

	// Both sizes, both languages; the preview fills in the ticket that signed.
	var laidOut struct {
		Checked []string `json:"checked"`
	}
	runPhase(t, node, chromium, "layout", map[string]any{
		"base": p.URL, "profiles": t.TempDir(), "shots": shots, "cardId": card.CardID, "ticket": ticket,
	}, &laidOut)
	assert.Equal(t, []string{"layout-1280-en", "layout-1280-zh-CN", "layout-390-en", "layout-390-zh-CN", "switch"}, laidOut.Checked)
	p.stop(t)
}

// merchantPage is a merchant's own H5 page, as a developer would write it,
// served from another origin: it signs with the local server's /v1/ and uses
// the stand-in through its one <script> line.
const merchantPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>my shop</title>
<script src="{{SERVER}}/wx-standin.js" data-confirm="auto" data-openid="oMerchantPageUser00000000001"></script>
</head><body><p>my shop</p>
<script>
(async () => {
  const server = '{{SERVER}}';
  const report = (r) => { window.merchantResult = r; };
  try {
    const cfg = await (await fetch(server + '/v1/jsconfig?url=' + encodeURIComponent(location.href.split('#')[0]))).json();
    wx.config({ debug: false, appId: cfg.appId, timestamp: cfg.timestamp, nonceStr: cfg.nonceStr, signature: cfg.signature, jsApiList: ['addCard'] });
    wx.error((res) => report({ stage: 'config', errMsg: res.errMsg }));
    wx.ready(async () => {
      const resp = await fetch(server + '/v1/addcard', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ cards: [{ card_id: '{{CARD}}', openid: 'oMerchantPageUser00000000001' }] }) });
      const { cardList } = await resp.json();
      wx.addCard({
        cardList,
        success: (res) => report({ stage: 'addCard', errMsg: res.errMsg, isSuccess: res.cardList[0].isSuccess, encrypted: res.cardList[0].code }),
        fail: (res) => report({ stage: 'addCard', errMsg: res.errMsg }),
      });
    });
  } catch (err) {
    report({ stage: 'page', errMsg: String(err) });
  }
})();
</script></body></html>`

func TestStandInOnAMerchantsOwnPage(t *testing.T) {
	node, chromium := chromiumTools(t)
	var html atomic.Value
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, html.Load().(string))
	}))
	t.Cleanup(page.Close)
	// Another origin than the server's: localhost instead of 127.0.0.1.
	pageURL := strings.Replace(page.URL, "127.0.0.1", "localhost", 1) + "/shop/cards?ref=test#top"
	origin := strings.Replace(page.URL, "127.0.0.1", "localhost", 1)

	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-allowed-origins", origin)
	card := approvedCard(t, p.URL)
	html.Store(strings.NewReplacer("{{SERVER}}", p.URL, "{{CARD}}", card.CardID).Replace(merchantPage))

	var got struct {
		Stage     string `json:"stage"`
		ErrMsg    string `json:"errMsg"`
		IsSuccess bool   `json:"isSuccess"`
		Encrypted string `json:"encrypted"`
	}
	runPhase(t, node, chromium, "foreign", map[string]any{"page": pageURL, "profile": t.TempDir()}, &got)
	assert.Equal(t, "addCard", got.Stage)
	assert.Equal(t, "addCard:ok", got.ErrMsg)
	assert.True(t, got.IsSuccess)

	// The page got an encrypted code, which the merchant's server decrypts.
	client := adminFor(t, p)
	code, err := client.Code.Decrypt(context.Background(), got.Encrypted)
	require.NoError(t, err)
	users, err := client.Card.UserCards(context.Background(), admin.UserCardsRequest{OpenID: "oMerchantPageUser00000000001", CardID: card.CardID})
	require.NoError(t, err)
	require.Len(t, users.Cards, 1)
	assert.Equal(t, code, users.Cards[0].Code)
	p.stop(t)
}
