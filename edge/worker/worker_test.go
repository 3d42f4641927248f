//go:build !js

package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testenv"
	"github.com/wxcard/wxcard/signer"
)

// These tests run the real Worker (GOOS=js wasm built by `make edge`) in
// workerd through miniflare, with Workers KV persisted to a directory and a
// WeChat emulator on a loopback port as WXCARD_BASE_URL. The emulator
// issues a new ticket on every getticket, so a cache that fetches twice
// signs with a ticket that is no longer the current one.

const (
	testAppID  = "wxedge0123456789a"
	testSecret = "SECRET-edge-0123456789abcdef0123"
	origin     = "https://shop.example.com"
)

var (
	repoRoot string
	buildDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		return m.Run() // benchmarks only (make bench): there are none here
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := workerd.RepoRoot(ctx)
	if err == nil {
		err = workerd.Available(root)
	}
	if err != nil {
		if testenv.ServicesRequired() {
			fmt.Fprintln(os.Stderr, "edge/worker: workerd is required under make test and CI:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "edge/worker: skipping the workerd tests:", err)
		return 0
	}
	dir, err := os.MkdirTemp("", "wxcard-edge-build-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := workerd.Build(ctx, root, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot, buildDir = root, dir
	return m.Run()
}

// running is the current workerd process, shared by a harness and the
// copies its subtests use.
type running struct{ worker *workerd.Worker }

type harness struct {
	t        *testing.T
	up       *emulatortest.Server
	kvDir    string
	running  *running
	client   *http.Client
	log      *syncbuf.Buffer
	bindings map[string]string
	// rateLimits are Rate Limiting bindings for the next start.
	rateLimits map[string]workerd.RateLimit
}

// newHarness starts the upstream and a worker with a fresh persisted KV dir.
func newHarness(t *testing.T, script string, bindings map[string]string) *harness {
	t.Helper()
	up := emulatortest.Start(t, emulatortest.WithApp(testAppID, testSecret),
		emulatortest.WithEmulator(emulator.WithTicketPerCall(true)))
	b := map[string]string{
		app.EnvAppID:          testAppID,
		app.EnvSecret:         testSecret,
		app.EnvBaseURL:        up.URL,
		app.EnvAllowedOrigins: origin,
		// The policy: pCardA and pCardC (and "a", for the input checks)
		// are public; anything else needs a grant signed with key A or B.
		app.EnvPublicCardIDs:       "pCardA, pCardC, a",
		app.EnvGrantKeys:           grantKeyVar(grantKeyA, grantKeyB),
		app.EnvJSConfigURLPrefixes: origin + "/",
	}
	for k, v := range bindings {
		if v == "" {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	h := &harness{t: t, up: up, kvDir: t.TempDir(), log: &syncbuf.Buffer{}, bindings: b, running: &running{},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true}}}
	h.start(script)
	t.Cleanup(func() {
		h.stop()
		// What the Worker logged (workerd's stdout and stderr, including
		// the upstream failures the tests provoke) names no secret either.
		for _, s := range up.Secrets() {
			assert.NotContains(t, h.log.String(), s, "the worker log leaks a secret")
		}
		if t.Failed() {
			t.Logf("workerd output:\n%s", h.log.String())
		}
	})
	return h
}

func (h *harness) start(script string) {
	h.t.Helper()
	w, err := workerd.Start(context.Background(), repoRoot, workerd.Options{
		Dir: buildDir, Script: script, KVNamespaces: []string{app.KVBinding},
		KVPersist: h.kvDir, Bindings: h.bindings, RateLimits: h.rateLimits, Log: h.log,
	})
	require.NoError(h.t, err, h.log.String())
	h.running.worker = w
}

// sub returns the harness for a subtest, so failures stop the subtest.
func (h *harness) sub(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// ticket is the emulator's current ticket of typ, "" if none is valid.
func (h *harness) ticket(typ string) string {
	v, _ := h.up.Emu.Ticket(testAppID, typ)
	return v
}

// failTickets makes every getticket fail with fault until the returned
// function clears it.
func (h *harness) failTickets(fault emulator.FaultRule) (clear func()) {
	h.t.Helper()
	fault.Path, fault.Count = ticketPath, 1<<30
	require.NoError(h.t, h.up.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{fault}}))
	return func() { require.NoError(h.t, h.up.Emu.SetFaults(emulator.Faults{})) }
}

// failNextTicket makes the next getticket fail with fault.
func (h *harness) failNextTicket(fault emulator.FaultRule) {
	h.t.Helper()
	fault.Path, fault.Count = ticketPath, 1
	require.NoError(h.t, h.up.Emu.SetFaults(emulator.Faults{Rules: []emulator.FaultRule{fault}}))
}

const ticketPath = "cgi-bin/ticket/getticket"

// Upstream failures of getticket.
var (
	faultHTTP500           = emulator.FaultRule{HTTPStatus: http.StatusInternalServerError}
	faultBusy              = emulator.FaultRule{Errcode: emulator.ErrcodeSystemBusy}
	faultInvalidCredential = emulator.FaultRule{Errcode: emulator.ErrcodeInvalidCredential}
)

func (h *harness) url() string { return h.running.worker.URL }

func (h *harness) stop() {
	if h.running.worker != nil {
		h.running.worker.Close()
		h.running.worker = nil
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(method, path, body string, headers ...string) reply {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url()+path, rd)
	require.NoError(h.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.client.Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	r := reply{status: res.StatusCode, header: res.Header, body: data}
	h.assertNoSecret(r)
	return r
}

// assertNoSecret fails if the app secret or any token or ticket the upstream
// ever issued shows up in a response.
func (h *harness) assertNoSecret(r reply) {
	h.t.Helper()
	for _, s := range h.up.Secrets() {
		require.NotContains(h.t, string(r.body), s, "response body leaks a secret")
		for name, values := range r.header {
			for _, v := range values {
				require.NotContains(h.t, v, s, "header %s leaks a secret", name)
			}
		}
	}
}

func (h *harness) addCard(cards string) reply {
	h.t.Helper()
	return h.do(http.MethodPost, "/v1/addcard", `{"cards":[`+cards+`]}`, "Content-Type", "application/json")
}

// requireValidCardList checks every cardExt against the upstream's current
// wx_card ticket, independently of the worker, and returns the cardExts.
func (h *harness) requireValidCardList(r reply, cardIDs ...string) []signer.ParsedCardExt {
	h.t.Helper()
	require.Equal(h.t, http.StatusOK, r.status, string(r.body))
	var out struct {
		CardList []struct {
			CardID  string `json:"cardId"`
			CardExt string `json:"cardExt"`
		} `json:"cardList"`
	}
	require.NoError(h.t, json.Unmarshal(r.body, &out))
	require.Len(h.t, out.CardList, len(cardIDs))
	ticket := h.ticket("wx_card")
	require.NotEmpty(h.t, ticket)
	var exts []signer.ParsedCardExt
	for i, item := range out.CardList {
		require.Equal(h.t, cardIDs[i], item.CardID)
		ext, err := signer.ParseCardExt(item.CardExt)
		require.NoError(h.t, err)
		require.NotEmpty(h.t, ext.NonceStr)
		require.NotEmpty(h.t, ext.Timestamp)
		require.InDelta(h.t, time.Now().Unix(), ext.TimestampValue, 120, "cardExt carries the signed timestamp")
		want := signer.CardExtSignature(ticket, ext.TimestampValue, item.CardID, ext.Code, ext.OpenID, ext.NonceStr)
		require.Equal(h.t, want, ext.Signature, "card %d must verify against the upstream's current wx_card ticket", i)
		exts = append(exts, ext)
	}
	return exts
}

func errorCode(t *testing.T, r reply) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), string(r.body))
	require.NotEmpty(t, e.Error.Message)
	return e.Error.Code
}

func TestWorkerInWorkerd(t *testing.T) {
	h := newHarness(t, "entry.mjs", map[string]string{app.EnvAllowedCardIDs: "pCardA, pCardB, pCardC, a"})

	t.Run("healthz", func(t *testing.T) {
		h := h.sub(t)
		r := h.do(http.MethodGet, "/healthz", "")
		assert.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, `{"status":"ok"}`, string(r.body))
	})

	t.Run("addcard signs with the wx_card ticket, fetched once for 50 requests", func(t *testing.T) {
		h := h.sub(t)
		exts := h.requireValidCardList(h.addCard(
			`{"card_id":"pCardA"},`+grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: "pCardB", Code: "0123456789", OpenID: "oUser1", OuterStr: "spring"}))),
			"pCardA", "pCardB")
		assert.NotEqual(t, exts[0].NonceStr, exts[1].NonceStr, "each card gets its own nonce")
		assert.Equal(t, "0123456789", exts[1].Code)
		assert.Equal(t, "oUser1", exts[1].OpenID)
		assert.Equal(t, "spring", exts[1].OuterStr)
		for i := 1; i < 50; i++ {
			h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
		}
		assert.Equal(t, 1, h.up.TicketFetches("wx_card"), "the ticket comes from KV after the first request")
		assert.Equal(t, 1, h.up.TokenFetches())
	})

	t.Run("concurrent requests share the cached ticket", func(t *testing.T) {
		h := h.sub(t)
		var wg sync.WaitGroup
		replies := make([]reply, 12)
		for i := range replies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, h.url()+"/v1/addcard", strings.NewReader(`{"cards":[{"card_id":"pCardC"}]}`))
				res, err := h.client.Do(req)
				if err != nil {
					replies[i] = reply{status: -1, body: []byte(err.Error())}
					return
				}
				defer res.Body.Close()
				body, _ := io.ReadAll(res.Body)
				replies[i] = reply{status: res.StatusCode, header: res.Header, body: body}
			}()
		}
		wg.Wait()
		for _, r := range replies {
			h.assertNoSecret(r)
			h.requireValidCardList(r, "pCardC")
		}
		assert.Equal(t, 1, h.up.TicketFetches("wx_card"))
	})

	t.Run("choosecard", func(t *testing.T) {
		h := h.sub(t)
		r := h.do(http.MethodPost, "/v1/choosecard", `{"shop_id":"88","card_type":"GROUPON","card_id":"pCardA"}`)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var p signer.ChooseCardParams
		require.NoError(t, json.Unmarshal(r.body, &p))
		assert.Equal(t, signer.ChooseCardSignature(h.ticket("wx_card"), testAppID, "88", p.Timestamp, p.NonceStr, "pCardA", "GROUPON"), p.CardSign)
	})

	t.Run("jsconfig uses the jsapi ticket and strips the fragment", func(t *testing.T) {
		h := h.sub(t)
		const page = "https://shop.example.com/cards?id=7&from=singlemessage"
		r := h.do(http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape(page+"#wechat_redirect"), "")
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var cfg struct {
			AppID     string `json:"appId"`
			Timestamp int64  `json:"timestamp"`
			NonceStr  string `json:"nonceStr"`
			Signature string `json:"signature"`
		}
		require.NoError(t, json.Unmarshal(r.body, &cfg))
		assert.Equal(t, testAppID, cfg.AppID)
		jsapi := h.ticket("jsapi")
		require.NotEmpty(t, jsapi)
		assert.Equal(t, signer.JSSDKSignature(jsapi, cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)
		assert.NotEqual(t, signer.JSSDKSignature(h.ticket("wx_card"), cfg.NonceStr, cfg.Timestamp, page), cfg.Signature)
		assert.Equal(t, 1, h.up.TicketFetches("jsapi"))
	})

	t.Run("bad input gets a 4xx with a stable code", func(t *testing.T) {
		h := h.sub(t)
		before := h.up.TicketFetches("wx_card") + h.up.TicketFetches("jsapi")
		tests := []struct {
			method, path, body, contentType string
			status                          int
			code                            string
		}{
			{http.MethodPost, "/v1/addcard", `{"cards":`, "application/json", 400, "invalid_json"},
			{http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"a"}],"extra":1}`, "application/json", 400, "unknown_field"},
			{http.MethodPost, "/v1/addcard", `{"cards":[{"code":"1"}]}`, "application/json", 400, "missing_card_id"},
			{http.MethodPost, "/v1/addcard", `{"cards":[]}`, "application/json", 400, "missing_cards"},
			{http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"pCardA"},{"card_id":"pNotOurs"}]}`, "application/json", 403, "grant_required"},
			{http.MethodPost, "/v1/addcard", `{"cards":[` + grantCard(mintNow(t, grantKeyA, grant.Claims{CardID: "pNotOurs"})) + `]}`, "application/json", 403, "card_not_allowed"},
			{http.MethodPost, "/v1/choosecard", `{"card_id":"pNotOurs"}`, "application/json", 403, "grant_required"},
			{http.MethodPost, "/v1/addcard", `{"cards":[` + strings.Repeat(`{"card_id":"a"},`, signer.MaxCardsPerAddCard) + `{"card_id":"a"}]}`, "application/json", 400, "too_many_cards"},
			{http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"` + strings.Repeat("x", 20<<10) + `"}]}`, "application/json", 413, "body_too_large"},
			{http.MethodPost, "/v1/addcard", `cards=1`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
			{http.MethodGet, "/v1/addcard", "", "", 405, "method_not_allowed"},
			{http.MethodGet, "/v1/jsconfig?url=" + url.QueryEscape("/relative"), "", "", 400, "invalid_url"},
			{http.MethodGet, "/v1/jsconfig", "", "", 400, "invalid_url"},
			{http.MethodGet, "/nope", "", "", 404, "not_found"},
		}
		for _, tt := range tests {
			r := h.do(tt.method, tt.path, tt.body, "Content-Type", tt.contentType)
			assert.Equal(t, tt.status, r.status, "%s %s: %s", tt.method, tt.path, r.body)
			assert.Equal(t, tt.code, errorCode(t, r), "%s %s", tt.method, tt.path)
		}
		assert.Equal(t, before, h.up.TicketFetches("wx_card")+h.up.TicketFetches("jsapi"))
	})

	t.Run("CORS preflight", func(t *testing.T) {
		h := h.sub(t)
		r := h.do(http.MethodOptions, "/v1/addcard", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		assert.Equal(t, http.StatusNoContent, r.status)
		assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, r.header.Get("Access-Control-Allow-Methods"), "POST")

		r = h.do(http.MethodOptions, "/v1/addcard", "", "Origin", "https://evil.example.com", "Access-Control-Request-Method", "POST")
		assert.Equal(t, http.StatusForbidden, r.status)
		assert.Equal(t, "origin_not_allowed", errorCode(t, r))
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))

		r = h.do(http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"pCardA"}]}`, "Origin", origin, "Content-Type", "application/json")
		assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
	})

	t.Run("restart with the same KV dir fetches nothing", func(t *testing.T) {
		h := h.sub(t)
		h.stop()
		h.start("entry.mjs")
		h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
		r := h.do(http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape("https://shop.example.com/"), "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, 1, h.up.TicketFetches("wx_card"))
		assert.Equal(t, 1, h.up.TicketFetches("jsapi"))
		assert.Equal(t, 1, h.up.TokenFetches())
	})
}

func TestWorkerRefreshesExpiredTicket(t *testing.T) {
	h := newHarness(t, "entry.mjs", nil)
	// A ticket that lives 4 s is refreshed after half its life (the admin
	// client's margin for short-lived credentials).
	require.NoError(t, h.up.Emu.SetTicketLifetime(4*time.Second))
	h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	first := h.ticket("wx_card")
	require.Equal(t, 1, h.up.TicketFetches("wx_card"))
	h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	require.Equal(t, 1, h.up.TicketFetches("wx_card"), "still fresh")

	time.Sleep(2500 * time.Millisecond)
	require.NoError(t, h.up.Emu.SetTicketLifetime(7200*time.Second))
	h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	assert.Equal(t, 2, h.up.TicketFetches("wx_card"), "the expired ticket in KV was replaced")
	assert.NotEqual(t, first, h.ticket("wx_card"))

	// The refreshed ticket is what a restarted worker reads from KV.
	h.stop()
	h.start("entry.mjs")
	h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	assert.Equal(t, 2, h.up.TicketFetches("wx_card"))
}

func TestWorkerUpstreamFailures(t *testing.T) {
	h := newHarness(t, "entry.mjs", nil)
	card := `{"card_id":"pCardA"}`

	// Every getticket fails: the error the page sees; fetches is how many
	// getticket calls the one addcard made.
	for _, tc := range []struct {
		name   string
		fault  emulator.FaultRule
		status int
		code   string
		check  func(t *testing.T, r reply, fetches int)
	}{
		{"HTTP 500", faultHTTP500, http.StatusBadGateway, "upstream_unavailable", nil},
		{"errcode -1 is retried, then reported as busy", faultBusy, http.StatusServiceUnavailable, "upstream_busy", func(t *testing.T, r reply, fetches int) {
			assert.NotEmpty(t, r.header.Get("Retry-After"))
			assert.Greater(t, fetches, 1, "a busy read is retried")
		}},
		{"errcode 40001 every time is a refusal", faultInvalidCredential, http.StatusBadGateway, "upstream_rejected", func(t *testing.T, r reply, fetches int) {
			assert.Contains(t, string(r.body), "40001")
			assert.Equal(t, 2, fetches, "retried once with a refreshed token")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.sub(t)
			defer h.failTickets(tc.fault)()
			before := h.up.TicketFetches("wx_card")
			r := h.addCard(card)
			assert.Equal(t, tc.status, r.status, string(r.body))
			assert.Equal(t, tc.code, errorCode(t, r))
			if tc.check != nil {
				tc.check(t, r, h.up.TicketFetches("wx_card")-before)
			}
		})
	}

	t.Run("errcode 40001 once is recovered", func(t *testing.T) {
		h := h.sub(t)
		h.failNextTicket(faultInvalidCredential)
		h.requireValidCardList(h.addCard(card), "pCardA")
	})

	t.Run("busy once is recovered", func(t *testing.T) {
		h := h.sub(t)
		h.failNextTicket(faultBusy)
		r := h.do(http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape("https://shop.example.com/"), "")
		assert.Equal(t, http.StatusOK, r.status, string(r.body))
	})
}

func TestWorkerMisconfigured(t *testing.T) {
	h := newHarness(t, "entry.mjs", map[string]string{app.EnvSecret: ""})
	r := h.do(http.MethodGet, "/healthz", "")
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.Equal(t, "worker_misconfigured", errorCode(t, r))
	assert.Contains(t, string(r.body), app.EnvSecret)
}

// The same wasm also runs under syumai's stock worker.mjs, which starts a
// fresh Go instance per request (the benchmark baseline).
func TestWorkerUnderStockRuntime(t *testing.T) {
	h := newHarness(t, "worker.mjs", nil)
	for i := 0; i < 3; i++ {
		h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	}
	assert.Equal(t, 1, h.up.TicketFetches("wx_card"))
}

func TestBundleFitsTheFreePlan(t *testing.T) {
	var raw, gz int64
	for _, m := range []string{"entry.mjs", "coordinator.mjs", "wasm_exec.js", "app.wasm"} {
		r, g := gzipSize(t, filepath.Join(buildDir, m))
		raw += r
		gz += g
	}
	t.Logf("bundle: %d bytes raw, %d bytes gzip", raw, gz)
	// Cloudflare's free plan: 3 MiB after compression.
	assert.Less(t, gz, int64(3<<20))
}

// gzipSize compresses with the gzip command (compress/gzip under -race takes
// seconds for the 7 MB wasm), falling back to compress/gzip.
func gzipSize(t *testing.T, path string) (raw, gz int64) {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	if _, err := exec.LookPath("gzip"); err == nil {
		var n countingWriter
		cmd := exec.Command("gzip", "-6", "-c", path)
		cmd.Stdout = &n
		require.NoError(t, cmd.Run())
		return info.Size(), int64(n)
	}
	r, g, err := workerd.BundleSize(filepath.Dir(path), gzip.DefaultCompression, filepath.Base(path))
	require.NoError(t, err)
	return r, g
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// TestWorkerSurvivesClientsHangingUp: clients give up on requests stuck on
// a stalled upstream, more of them than the entry module keeps Go
// instances. Every instance must come back (or be replaced): once the
// upstream answers again, the Worker serves as before instead of leaving
// new requests waiting for an instance that never returns. The instances
// that were stuck at the same time must not each have fetched a ticket.
func TestWorkerSurvivesClientsHangingUp(t *testing.T) {
	h := newHarness(t, "entry.mjs", nil)
	release := h.up.HoldTickets()
	defer release()

	const hangingUp = 6 // more than entry.mjs's MAX_INSTANCES (4)
	var wg sync.WaitGroup
	for range hangingUp {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url()+"/v1/addcard",
				strings.NewReader(`{"cards":[{"card_id":"pCardA"}]}`))
			if !assert.NoError(t, err) {
				return
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := h.client.Do(req)
			if err == nil {
				res.Body.Close()
				t.Errorf("a request on a held upstream answered %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	release()

	// The next requests are served, each within the client's patience, and
	// all with the one ticket fetched: the instances that were waiting for
	// it shared the first one's fetch (the upstream here issues a new ticket
	// per call, so a second fetch would have left signatures made with the
	// first failing requireValidCardList).
	h.client.Timeout = 10 * time.Second
	for range 8 {
		h.requireValidCardList(h.addCard(`{"card_id":"pCardA"}`), "pCardA")
	}
	assert.Equal(t, 1, h.up.TicketFetches("wx_card"))
}
