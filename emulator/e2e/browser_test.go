package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/internal/testenv"
	"github.com/wxcard/wxcard/signer"
)

// chromium finds the browser, or skips (fails under make test and CI, which install it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Unavailable(t, "chromium is not on PATH (Debian: apt-get install chromium)")
	return ""
}

// TestBrowserCallsWalletAddCrossOrigin: a page served from another
// loopback origin calls wallet/add with fetch (a CORS preflight, since the
// body is JSON) and reads the answer, as the demo page does.
func TestBrowserCallsWalletAddCrossOrigin(t *testing.T) {
	bin := chromium(t)
	w := newWorld(t)
	ctx := context.Background()
	cardID := w.approvedCard(admin.CardTypeGeneralCoupon, map[string]any{"default_detail": "x"})
	list, err := w.Client.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
	require.NoError(t, err)
	data, err := list.MarshalJSON()
	require.NoError(t, err)

	// The emulator is on 127.0.0.1; the page is served as "localhost", a
	// different origin.
	emuURL := w.URL
	page := `<!doctype html><html><body><pre id="out">pending</pre><script>
fetch(` + "`" + emuURL + `/emulator/v1/wallet/add` + "`" + `, {method: "POST", headers: {"Content-Type": "application/json"},
  body: JSON.stringify({openid: "oBrowser", cardList: ` + string(data) + `})})
  .then(r => r.json()).then(j => { document.getElementById("out").textContent = "RESULT " + j.errMsg + " " + j.cardList[0].isSuccess; })
  .catch(e => { document.getElementById("out").textContent = "FAILED " + e; });
</script></body></html>`
	pageSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Write([]byte(page))
	}))
	t.Cleanup(pageSrv.Close)
	pageURL := strings.Replace(pageSrv.URL, "127.0.0.1", "localhost", 1)

	runCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", pageURL)
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", out)
	assert.Contains(t, string(out), "RESULT addCard:ok true")
}
