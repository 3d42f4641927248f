package main

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/signer"
)

type cardsAnswer struct {
	Cards []cardFace `json:"cards"`
}

type cardListAnswer struct {
	CardList []struct {
		CardID  string `json:"cardId"`
		CardExt string `json:"cardExt"`
	} `json:"cardList"`
}

// approvedCard returns a seeded card the config API may sign for wallet/add.
func approvedCard(t *testing.T, base string) cardFace {
	t.Helper()
	var cards cardsAnswer
	resp := httpJSON(t, http.MethodGet, base+"/demo/api/cards", nil, &cards)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, c := range cards.Cards {
		if c.Status == "CARD_STATUS_VERIFY_OK" {
			return c
		}
	}
	t.Fatalf("no approved card among %+v", cards.Cards)
	return cardFace{}
}

// adminFor is an admin client of the server's dev app, as a developer's own
// code would make one from the banner.
func adminFor(t *testing.T, p *proc) *admin.Client {
	t.Helper()
	c, err := admin.NewClient(p.AppID, p.Secret, admin.WithBaseURL(p.URL+"/wechat/"))
	require.NoError(t, err)
	return c
}

// walletAdd is the simulated phone adding a signed cardList.
func walletAdd(t *testing.T, base, openid string, list cardListAnswer) emulator.WalletResponse {
	t.Helper()
	var out emulator.WalletResponse
	resp := httpJSON(t, http.MethodPost, base+"/wechat/emulator/v1/wallet/add", map[string]any{"openid": openid, "cardList": list.CardList}, &out)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return out
}

func TestEveryPartIsMounted(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir())
	base := p.URL
	require.Regexp(t, `^wx[0-9a-f]{16}$`, p.AppID)
	require.NotEmpty(t, p.Secret)
	banner := p.Stdout.String()
	for _, want := range []string{base + "/demo/", base + "/js/preview/", base + "/v1/addcard", base + "/healthz", base + "/wechat/", base + "/wx-standin.js", "4 created for the demo (3 approved, 1 left in review)"} {
		assert.Contains(t, banner, want)
	}
	assert.NotContains(t, p.Stderr.String(), "path=/wechat/card/create", "start-up calls stay off the first screen")
	ctx := context.Background()

	t.Run("healthz", func(t *testing.T) {
		var h map[string]string
		resp := httpJSON(t, http.MethodGet, base+"/healthz", nil, &h)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "ok", h["status"])
	})

	card := approvedCard(t, base)
	// The demo logos are served here, under WeChat's 128-byte logo_url.
	require.True(t, strings.HasPrefix(card.LogoURL, base+"/demo/logo/"), card.LogoURL)
	assert.LessOrEqual(t, len(card.LogoURL), 128)
	logo, err := http.Get(card.LogoURL)
	require.NoError(t, err)
	logo.Body.Close()
	assert.Equal(t, http.StatusOK, logo.StatusCode)
	assert.Equal(t, "image/svg+xml", logo.Header.Get("Content-Type"))
	client := adminFor(t, p)
	openid := "oTestUser0000000000000000001"
	var list cardListAnswer

	t.Run("edge addcard signs with the emulator's wx_card ticket", func(t *testing.T) {
		resp := httpJSON(t, http.MethodPost, base+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": card.CardID, "openid": openid}}}, &list)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Len(t, list.CardList, 1)
		ticket, err := client.CardTicket(ctx)
		require.NoError(t, err)
		v, err := signer.VerifyCardExt(ticket, card.CardID, list.CardList[0].CardExt)
		require.NoError(t, err)
		assert.True(t, v.Valid, "%+v", v.Problems)
	})

	t.Run("the simulated phone accepts the cardList", func(t *testing.T) {
		res := walletAdd(t, base, openid, list)
		require.Equal(t, "addCard:ok", res.ErrMsg, "%+v", res.CardList)
		users, err := client.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: openid})
		require.NoError(t, err)
		require.Len(t, users.Cards, 1)
		assert.Equal(t, card.CardID, users.Cards[0].CardID)

		var dec map[string]string
		resp := httpJSON(t, http.MethodPost, base+"/demo/api/decrypt", map[string]string{"encrypt_code": res.CardList[0].EncryptCode}, &dec)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, res.CardList[0].Code, dec["code"])

		var consumed map[string]string
		resp = httpJSON(t, http.MethodPost, base+"/demo/api/consume", map[string]string{"code": dec["code"], "card_id": card.CardID}, &consumed)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, openid, consumed["openid"])
		var again map[string]map[string]string
		resp = httpJSON(t, http.MethodPost, base+"/demo/api/consume", map[string]string{"code": dec["code"], "card_id": card.CardID}, &again)
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		assert.Equal(t, "wechat_error", again["error"]["code"])
		assert.Contains(t, again["error"]["message"], "40099")
	})

	t.Run("jsconfig and the stand-in's wx.config check", func(t *testing.T) {
		page := base + "/demo/?from=test"
		var cfg struct {
			AppID     string `json:"appId"`
			Timestamp int64  `json:"timestamp"`
			NonceStr  string `json:"nonceStr"`
			Signature string `json:"signature"`
		}
		resp := httpJSON(t, http.MethodGet, base+"/v1/jsconfig?url="+url.QueryEscape(page), nil, &cfg)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, p.AppID, cfg.AppID)
		check := func(sig, pageURL string) checkResult {
			var res checkResult
			resp := httpJSON(t, http.MethodPost, base+"/standin/v1/config", map[string]any{
				"appId": cfg.AppID, "timestamp": cfg.Timestamp, "nonceStr": cfg.NonceStr, "signature": sig, "url": pageURL,
			}, &res)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			return res
		}
		assert.Equal(t, checkResult{OK: true, ErrMsg: "config:ok"}, check(cfg.Signature, page+"#wallet"))
		bad := check(strings.Repeat("0", 40), page)
		assert.False(t, bad.OK)
		assert.Equal(t, "config:invalid signature", bad.ErrMsg)
		other := check(cfg.Signature, base+"/other-page")
		assert.False(t, other.OK)
		assert.Contains(t, other.Hint, "signature does not match")
		upper := check(strings.ToUpper(cfg.Signature), page)
		assert.False(t, upper.OK)
		assert.Contains(t, upper.Hint, "lowercase hex")
	})

	t.Run("choosecard and the stand-in's cardSign check", func(t *testing.T) {
		var params map[string]any
		resp := httpJSON(t, http.MethodPost, base+"/v1/choosecard", map[string]string{"card_type": "CASH"}, &params)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		params["appId"] = p.AppID
		var res checkResult
		httpJSON(t, http.MethodPost, base+"/standin/v1/choosecard", params, &res)
		assert.Equal(t, checkResult{OK: true, ErrMsg: "chooseCard:ok"}, res)
		params["cardType"] = "DISCOUNT"
		httpJSON(t, http.MethodPost, base+"/standin/v1/choosecard", params, &res)
		assert.False(t, res.OK)
		assert.Equal(t, "chooseCard:fail, invalid signature", res.ErrMsg)
		assert.Contains(t, res.Hint, "cardSign does not match")
		params["cardType"] = "CASH"
		params["timestamp"] = strconv.FormatFloat(params["timestamp"].(float64)*1000, 'f', 0, 64)
		httpJSON(t, http.MethodPost, base+"/standin/v1/choosecard", params, &res)
		assert.False(t, res.OK)
		assert.Contains(t, res.Hint, "milliseconds")
	})

	t.Run("emulator under /wechat/", func(t *testing.T) {
		var tok map[string]any
		q := url.Values{"grant_type": {"client_credential"}, "appid": {p.AppID}, "secret": {p.Secret}}
		resp := httpJSON(t, http.MethodGet, base+"/wechat/cgi-bin/token?"+q.Encode(), nil, &tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.NotEmpty(t, tok["access_token"])
		var st map[string]any
		resp = httpJSON(t, http.MethodGet, base+"/wechat/emulator/v1/state", nil, &st)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, p.AppID, st["dev_app"])
	})

	t.Run("pages and assets", func(t *testing.T) {
		get := func(path string) (*http.Response, string) {
			resp, err := http.Get(base + path)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			return resp, string(raw)
		}
		resp, body := get("/demo/")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, `<script src="/wx-standin.js"></script>`)
		resp, body = get("/wx-standin.js")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/javascript")
		assert.Contains(t, body, "addCard:cancel")
		resp, body = get("/js/preview/")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "wxcard preview")
		resp, _ = get("/js/index.js")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "javascript")

		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := noRedirect.Get(base + "/preview/")
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, http.StatusFound, r.StatusCode)
		assert.Equal(t, "/js/preview/", r.Header.Get("Location"))

		_, built := wasmPath(filepath.Join(repoRoot(t), "js"))
		for _, path := range []string{"/wxcard.wasm", "/js/wxcard.wasm"} {
			resp, body := get(path)
			if built {
				require.Equal(t, http.StatusOK, resp.StatusCode, path)
				assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
				assert.True(t, strings.HasPrefix(body, "\x00asm"), "wasm magic")
			} else {
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
				assert.Contains(t, body, "wasm_not_built")
			}
		}
		resp, body = get("/js/.gitignore")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.NotContains(t, body, "wxcard.wasm\n", "the dotfile's content is not served")
		resp, body = get("/no/such/page")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, body, `"code":"not_found"`)
	})

	t.Run("request logs carry method, path, status, latency and no secret", func(t *testing.T) {
		// stable_token returns the token the server itself holds.
		var st map[string]any
		httpJSON(t, http.MethodPost, base+"/wechat/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": p.AppID, "secret": p.Secret}, &st)
		token, _ := st["access_token"].(string)
		require.NotEmpty(t, token)
		cardTicket, err := client.CardTicket(ctx)
		require.NoError(t, err)
		jsTicket, err := client.JSAPITicket(ctx)
		require.NoError(t, err)
		p.flushLogs(t)
		logs := p.Stderr.String()
		assert.Regexp(t, `msg=request method=POST path=/v1/addcard status=200 bytes=\d+ latency=\S+`, logs)
		for name, secret := range map[string]string{"secret": p.Secret, "access_token": token, "wx_card ticket": cardTicket, "jsapi ticket": jsTicket} {
			assert.NotContains(t, logs, secret, "the %s leaked into the logs", name)
		}
		assert.NotContains(t, logs, "access_token=")
	})
}

// After the emulator's clock moves, the config API signs on that clock: a
// fresh ticket (the cached one expired with the emulator's) and timestamps
// in the phone's window, before and after a restart that keeps store.db.
func TestAutoApproveBannerCountsNothingInReview(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-auto-approve")
	assert.Contains(t, p.Stdout.String(), "4 created for the demo (4 approved, 0 left in review)")
}

func TestConfigAPIRunsOnTheEmulatorsClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openid := "oClockUser00000000000000001"
	addAndWallet := func(p *proc, card cardFace) emulator.WalletResponse {
		t.Helper()
		var list cardListAnswer
		resp := httpJSON(t, http.MethodPost, p.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": card.CardID}}}, &list)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return walletAdd(t, p.URL, openid, list)
	}
	first := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir, "-log-level", "debug")
	card := approvedCard(t, first.URL)
	require.Equal(t, "addCard:ok", addAndWallet(first, card).ErrMsg)
	// Past the ticket's two hours: the kept ticket is dead in the emulator.
	resp := httpJSON(t, http.MethodPost, first.URL+"/wechat/emulator/v1/clock", map[string]any{"advance": "3h"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	added := addAndWallet(first, card)
	require.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
	assert.Equal(t, 2, first.countRequests(t, "/wechat/cgi-bin/ticket/getticket"), "the expired ticket was replaced")
	first.stop(t)

	second := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir, "-log-level", "debug")
	require.Equal(t, http.StatusOK, httpJSON(t, http.MethodPost, second.URL+"/wechat/emulator/v1/clock", map[string]any{"advance": "3h"}, nil).StatusCode)
	added = addAndWallet(second, card)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "the ticket kept in store.db is not served past the emulator's expiry: %+v", added.CardList)
	assert.Equal(t, 1, second.countRequests(t, "/wechat/cgi-bin/ticket/getticket"))
}

func TestRestartKeepsTicketsAndEmulatorState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir, "-log-level", "debug")
	card := approvedCard(t, first.URL)
	openid := "oRestartUser000000000000001"
	var list cardListAnswer
	resp := httpJSON(t, http.MethodPost, first.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": card.CardID, "openid": openid}}}, &list)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "addCard:ok", walletAdd(t, first.URL, openid, list).ErrMsg)
	require.Equal(t, 4, first.countRequests(t, "/wechat/card/create"), "the demo cards were created through the admin client")
	require.Equal(t, 1, first.countRequests(t, "/wechat/cgi-bin/ticket/getticket"))
	first.stop(t)
	require.FileExists(t, filepath.Join(dir, "emulator.db"))
	require.FileExists(t, filepath.Join(dir, "store.db"))

	second := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir, "-log-level", "debug")
	assert.Equal(t, first.AppID, second.AppID, "the dev app survives")
	assert.Equal(t, first.Secret, second.Secret)
	assert.Contains(t, second.Stdout.String(), "none created: the emulator already has 4 cards")
	assert.Zero(t, second.countRequests(t, "/wechat/card/create"))

	resp = httpJSON(t, http.MethodPost, second.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": card.CardID, "openid": openid}}}, &list)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Zero(t, second.countRequests(t, "/wechat/cgi-bin/ticket/getticket"), "the ticket comes from the file store")
	assert.Zero(t, second.countRequests(t, "/wechat/cgi-bin/stable_token"), "so does the access token")
	// The kept ticket is still the emulator's: the phone accepts the card.
	require.Equal(t, "addCard:ok", walletAdd(t, second.URL, openid, list).ErrMsg)

	users, err := adminFor(t, second).Card.UserCards(context.Background(), admin.UserCardsRequest{OpenID: openid, CardID: card.CardID})
	require.NoError(t, err)
	assert.Len(t, users.Cards, 2, "the card added before the restart is still in the wallet")
	second.stop(t)
}

// inFlightAnswer is what the client of startWithRequestInFlight got.
type inFlightAnswer struct {
	status int
	body   string
	err    error
}

// startWithRequestInFlight starts the server with its data in dir and its
// emulator answering after latencyMS, sends it GET /wechat/card/getcolors
// from another goroutine and returns once the server holds the request.
// The answer (or the error that cut it off) arrives on the channel.
func startWithRequestInFlight(t *testing.T, dir string, latencyMS int64) (*proc, <-chan inFlightAnswer) {
	t.Helper()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir)
	resp := httpJSON(t, http.MethodPost, p.URL+"/wechat/emulator/v1/faults", emulator.Faults{LatencyMS: latencyMS}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	wrote := make(chan struct{})
	answer := make(chan inFlightAnswer, 1)
	go func() {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, p.URL+"/wechat/card/getcolors?access_token=anything", nil)
		if err != nil {
			answer <- inFlightAnswer{err: err}
			return
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- inFlightAnswer{err: err}
			return
		}
		defer r.Body.Close()
		raw, err := io.ReadAll(r.Body)
		answer <- inFlightAnswer{status: r.StatusCode, body: string(raw), err: err}
	}()
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the request was never sent")
	}
	// Sent is not yet read: give the server a moment to pick the request
	// up, or Shutdown closes the connection as idle and nothing is in
	// flight.
	time.Sleep(300 * time.Millisecond)
	return p, answer
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 1.5 s of injected latency: the request is in flight when the server
	// is asked to stop.
	p, answer := startWithRequestInFlight(t, dir, 1500)
	start := time.Now()
	p.stop(t)
	got := <-answer
	require.NoError(t, got.err, "the in-flight request was cut off")
	assert.Equal(t, http.StatusOK, got.status)
	assert.Contains(t, got.body, "errcode", "the emulator answered it")
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "shutdown waited for the request")
	assert.Contains(t, p.Stderr.String(), "msg=stopped")

	// The emulator's state file is intact after the shutdown.
	raw, err := os.ReadFile(filepath.Join(dir, "emulator.db"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), p.AppID)
}

func TestStartupErrors(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadRedis := closed.Addr().String()
	closed.Close()

	corrupt := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(corrupt, "emulator.json"), []byte("{not json"), 0o600))
	held := t.TempDir()
	holder := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", held)
	// A store elsewhere: only the data directory's own lock can refuse the
	// second server (the file store and the emulator's file lock too).
	elsewhere := "file:" + filepath.Join(t.TempDir(), "store.db")

	tests := []struct {
		name    string
		env     []string
		args    []string
		code    int
		message string
		hidden  string // must not appear in the output
	}{
		{name: "port in use", args: []string{"-addr", busy.Addr().String()}, code: 1, message: "the port is in use"},
		{name: "bad store URL", args: []string{"-store", "postgres://db:5432/x"}, code: 2, message: "unknown store; want memory, file:PATH or redis://host:port"},
		{name: "bad redis URL", args: []string{"-store", "redis://:hunter2@[::1"}, code: 2, message: "not a valid Redis URL", hidden: "hunter2"},
		{name: "unreachable redis", args: []string{"-store", "redis://:hunter2@" + deadRedis + "/0"}, code: 1, message: "is unreachable", hidden: "hunter2"},
		{name: "wechat mode without secret", env: []string{"WXCARD_APPID=wx0123456789abcdef"}, code: 2, message: "set WXCARD_SECRET"},
		{name: "wechat mode without a signing policy", env: []string{"WXCARD_APPID=wx0123456789abcdef", "WXCARD_SECRET=s"}, code: 2, message: "set WXCARD_GRANT_KEYS"},
		{name: "wechat mode without appid", args: []string{"-mode", "wechat"}, code: 2, message: "set WXCARD_APPID"},
		{name: "unknown mode", args: []string{"-mode", "staging"}, code: 2, message: `-mode "staging": want emulator or wechat`},
		{name: "bad origin", args: []string{"-allowed-origins", "https://shop.example.com/path"}, code: 2, message: "is not an origin"},
		{name: "store held by another server", args: []string{"-data-dir", held}, code: 1, message: "in use by another process"},
		{name: "data dir held by another server", args: []string{"-data-dir", held, "-store", elsewhere}, code: 1, message: "data dir " + held + " is in use by another process"},
		{name: "corrupt emulator state", args: []string{"-data-dir", corrupt}, code: 1, message: "cannot be loaded (move the file away to start afresh)"},
		{name: "stray argument", args: []string{"serve"}, code: 2, message: `unexpected argument "serve"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !containsFlag(args, "-addr") {
				args = append([]string{"-addr", "127.0.0.1:0"}, args...)
			}
			if !containsFlag(args, "-data-dir") {
				args = append(args, "-data-dir", t.TempDir())
			}
			p := launch(t, tc.env, args...)
			code, _ := p.exit(t, 15*time.Second)
			assert.Equal(t, tc.code, code)
			out := p.Stdout.String() + p.Stderr.String()
			assert.Contains(t, out, tc.message)
			assert.NotContains(t, out, "Ready on")
			if tc.hidden != "" {
				assert.NotContains(t, out, tc.hidden)
			}
		})
	}
	holder.stop(t)
}

// redisStoreArgs starts a Redis for the test and returns the flags of a
// server that keeps its store there, on a data directory of the test's.
func redisStoreArgs(t *testing.T) []string {
	t.Helper()
	redis := kvtest.StartRedis(t)
	return []string{"-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-store", redis.URL()}
}

// TestRedisStoreDataDirIsLocked: with -store redis://… the file store
// locks nothing, and two servers on one data directory used to both start
// and overwrite each other's emulator state. The second one now exits 1.
func TestRedisStoreDataDirIsLocked(t *testing.T) {
	t.Parallel()
	args := redisStoreArgs(t)
	first := startServer(t, nil, args...)
	second := launch(t, nil, args...)
	code, _ := second.exit(t, 15*time.Second)
	assert.Equal(t, 1, code)
	out := second.Stdout.String() + second.Stderr.String()
	assert.Contains(t, out, "is in use by another process (is another localserver running with the same -data-dir?)")
	assert.NotContains(t, out, "Ready on")
	first.stop(t)

	third := startServer(t, nil, args...)
	assert.Equal(t, first.AppID, third.AppID, "the lock goes with the process; the state stays")
	third.stop(t)
}

// TestImportsLegacyEmulatorJSON: a data directory from before the emulator
// kept a bbolt file holds emulator.json; it is imported once.
func TestImportsLegacyEmulatorJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	legacy, err := os.ReadFile("../../emulator/testdata/snapshot-v1.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "emulator.json"), legacy, 0o600))
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-data-dir", dir, "-seed=false")
	assert.Equal(t, "wx0123456789abcdef", p.AppID, "the dev app of the JSON state")
	// The log goes to stderr, a pipe of its own: it may land after the banner.
	_, err = p.WaitForLine(5*time.Second, regexp.MustCompile(`imported the emulator's JSON state`))
	assert.NoError(t, err)
	assert.Contains(t, p.Stdout.String(), filepath.Join(dir, "emulator.db"))
	p.stop(t)
	require.FileExists(t, filepath.Join(dir, "emulator.db"))
}

func containsFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

func TestNonLoopbackBindWarnsAndHidesControlRoutes(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "0.0.0.0:0", "-data-dir", t.TempDir())
	out := p.Stdout.String()
	assert.Contains(t, out, "WARNING: 0.0.0.0:0 is reachable from other machines")
	assert.Contains(t, out, "none created: the emulator's control routes are off")
	// The warning goes to stderr, a pipe of its own: it may land after the
	// banner's last line.
	_, err := p.WaitForLine(5*time.Second, regexp.MustCompile(`listening on a non-loopback address`))
	assert.NoError(t, err)
	var st map[string]map[string]string
	resp := httpJSON(t, http.MethodGet, p.URL+"/wechat/emulator/v1/state", nil, &st)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	// WeChat's own paths still work: they need the dev app's secret.
	var tok map[string]any
	q := url.Values{"grant_type": {"client_credential"}, "appid": {p.AppID}, "secret": {p.Secret}}
	httpJSON(t, http.MethodGet, p.URL+"/wechat/cgi-bin/token?"+q.Encode(), nil, &tok)
	assert.NotEmpty(t, tok["access_token"])
	p.stop(t)

	enabled := startServer(t, nil, "-addr", "0.0.0.0:0", "-data-dir", t.TempDir(), "-emulator-control=true")
	assert.Contains(t, enabled.Stdout.String(), "-emulator-control=true lets them drive the emulator")
	resp = httpJSON(t, http.MethodGet, enabled.URL+"/wechat/emulator/v1/state", nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	enabled.stop(t)
}

func TestWeChatMode(t *testing.T) {
	t.Parallel()
	const appID, secret = "wx00112233445566aa", "real-secret-never-printed-0123"
	t.Run("default upstream is WeChat, configured without a call", func(t *testing.T) {
		p := startServer(t, []string{"WXCARD_APPID=" + appID, "WXCARD_SECRET=" + secret, "WXCARD_PUBLIC_CARD_IDS=pPublic"}, "-addr", "127.0.0.1:0", "-store", "memory")
		out := p.Stdout.String()
		assert.Contains(t, out, "1 public card(s)")
		assert.NotContains(t, out, "OPEN")
		assert.Contains(t, out, "wechat mode (talking to https://api.weixin.qq.com/)")
		assert.Contains(t, out, appID)
		assert.NotContains(t, out+p.Stderr.String(), secret)
		resp := httpJSON(t, http.MethodGet, p.URL+"/healthz", nil, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		var e map[string]map[string]string
		resp = httpJSON(t, http.MethodGet, p.URL+"/wechat/cgi-bin/token", nil, &e)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, "emulator_off", e["error"]["code"])
		resp = httpJSON(t, http.MethodGet, p.URL+"/demo/", nil, &e)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		p.stop(t)
	})
	t.Run("WXCARD_BASE_URL points it at another API", func(t *testing.T) {
		emu, err := emulator.New(emulator.WithApp(appID, secret), emulator.WithAutoApprove(true))
		require.NoError(t, err)
		upstream := httptest.NewServer(emu)
		t.Cleanup(upstream.Close)
		up, err := admin.NewClient(appID, secret, admin.WithBaseURL(upstream.URL))
		require.NoError(t, err)
		cardID, err := up.Card.Create(context.Background(), admin.CardType("CASH"), demoCards(upstream.URL)[0].attrs)
		require.NoError(t, err)

		key := grant.Key{ID: "k1", Secret: []byte("localserver-grant-key-0123456789abcdef")}
		keyVar := "k1:" + base64.RawURLEncoding.EncodeToString(key.Secret)
		p := startServer(t, []string{"WXCARD_APPID=" + appID, "WXCARD_SECRET=" + secret, "WXCARD_BASE_URL=" + upstream.URL, "WXCARD_GRANT_KEYS=" + keyVar},
			"-addr", "127.0.0.1:0", "-store", "memory")
		assert.Contains(t, p.Stdout.String(), "grants with keys k1")
		var refused map[string]map[string]string
		resp := httpJSON(t, http.MethodPost, p.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": cardID}}}, &refused)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Equal(t, "grant_required", refused["error"]["code"])

		tok, err := grant.Mint(key, grant.Claims{AppID: appID, CardID: cardID, OpenID: "oGranted"}, time.Now())
		require.NoError(t, err)
		var list cardListAnswer
		resp = httpJSON(t, http.MethodPost, p.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"grant": tok}}}, &list)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.NotContains(t, p.Stdout.String()+p.Stderr.String(), keyVar[3:])
		ticket, ok := emu.Ticket(appID, "wx_card")
		require.True(t, ok)
		v, err := signer.VerifyCardExt(ticket, cardID, list.CardList[0].CardExt)
		require.NoError(t, err)
		assert.True(t, v.Valid)
		assert.NotContains(t, p.Stdout.String()+p.Stderr.String(), secret)
		p.stop(t)
	})
}

// TestInterruptIsAlsoGraceful: Ctrl-C in a terminal sends SIGINT.
// TestShutdownCutsOffAStuckRequestWithin5s: a request that would outlast
// the shutdown budget is cut off, the process still exits within 5 s, says
// so, exits 3, and the emulator's state file is left intact.
func TestShutdownCutsOffAStuckRequestWithin5s(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, answered := startWithRequestInFlight(t, dir, 30000)
	require.NoError(t, p.Signal(syscall.SIGTERM))
	code, took := p.exit(t, 8*time.Second)
	assert.Less(t, took, 5*time.Second, "exit within 5 s even with a request stuck")
	assert.Equal(t, exitUncleanShutdown, code, "3: an unclean shutdown, not 1 (never started)")
	assert.Contains(t, p.Stderr.String(), "were cut off")
	select {
	case got := <-answered:
		assert.Error(t, got.err, "the stuck request was cut off, not answered")
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck request's connection was not closed")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "emulator.db"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), p.AppID, "the emulator's state file is intact")
}

func TestInterruptIsAlsoGraceful(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-store", "memory")
	require.NoError(t, p.Signal(syscall.SIGINT))
	code, took := p.exit(t, 6*time.Second)
	assert.Equal(t, 0, code)
	assert.Less(t, took, 5*time.Second)
}

// TestRedisStoreSharesTickets: with -store redis://… the tickets live in
// Redis, so the next server (or another one) reads them instead of asking
// WeChat again.
func TestRedisStoreSharesTickets(t *testing.T) {
	t.Parallel()
	args := redisStoreArgs(t)
	first := startServer(t, nil, args...)
	assert.Contains(t, first.Stdout.String(), "Store               redis://")
	card := approvedCard(t, first.URL)
	var list cardListAnswer
	body := map[string]any{"cards": []map[string]string{{"card_id": card.CardID}}}
	require.Equal(t, http.StatusOK, httpJSON(t, http.MethodPost, first.URL+"/v1/addcard", body, &list).StatusCode)
	require.Equal(t, 1, first.countRequests(t, "/wechat/cgi-bin/ticket/getticket"))
	first.stop(t)

	second := startServer(t, nil, args...)
	require.Equal(t, http.StatusOK, httpJSON(t, http.MethodPost, second.URL+"/v1/addcard", body, &list).StatusCode)
	assert.Zero(t, second.countRequests(t, "/wechat/cgi-bin/ticket/getticket"), "the ticket came from Redis")
	second.stop(t)
}
