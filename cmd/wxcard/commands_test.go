package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/internal/testproc"
	"github.com/wxcard/wxcard/signer"
)

func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	top := runCLI(t, nil, "", "-h")
	assert.Equal(t, exitOK, top.code)
	assert.Contains(t, top.stdout, "Exit status")
	for _, c := range commands() {
		r := runCLI(t, nil, "", append(strings.Fields(c.name), "-h")...)
		assert.Equal(t, exitOK, r.code, c.name)
		assert.Contains(t, r.stdout, "Usage:\n  wxcard "+c.name, c.name)
		assert.Contains(t, r.stdout, "-json", c.name)
		assert.Contains(t, top.stdout, c.name)
	}
	assert.Equal(t, exitUsage, runCLI(t, nil, "").code)
	r := runCLI(t, nil, "", "codes", "import")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `unknown command "codes import"`)
}

func TestCodesCountCheckGetConsume(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	ctx := t.Context()
	cardID := newDepositCard(t, s)
	codes := makeCodes("G", 5)
	_, err := s.Client.Code.Deposit(ctx, cardID, codes)
	require.NoError(t, err)
	require.NoError(t, s.Client.Card.IncreaseStock(ctx, cardID, 5))
	list, err := s.Client.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID, Code: codes[0]}})
	require.NoError(t, err)
	require.Equal(t, "addCard:ok", s.AddToWallet(t, "oUser", list).ErrMsg)
	vars := emulatorVars(s)

	r := runCLI(t, vars, "", "codes", "count", "--card", cardID)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "5\n", r.stdout)
	r = runCLI(t, vars, "", "--json", "codes", "count", "--card", cardID)
	assert.JSONEq(t, `{"card_id":"`+cardID+`","count":5}`, r.stdout)

	r = runCLI(t, vars, "", "codes", "check", "--card", cardID, codes[1], "NOPE")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "1 deposited, 1 not deposited")
	assert.Contains(t, r.stdout, "not deposited  NOPE")

	r = runCLI(t, vars, "", "code", "get", "--card", cardID, codes[0])
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "openid       oUser")
	assert.Contains(t, r.stdout, "status       NORMAL")
	r = runCLI(t, vars, "", "code", "get", "--json", "--card", cardID, codes[0])
	var info admin.CodeInfo
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &info))
	assert.True(t, info.CanConsume)

	r = runCLI(t, vars, "", "code", "consume", codes[0], "--card", cardID)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "consumed "+codes[0])
	r = runCLI(t, vars, "", "--json", "code", "consume", "--card", cardID, codes[0])
	assert.Equal(t, exitWeChat, r.code, "a second consume is refused")
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Errcode int    `json:"errcode"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &body), r.stdout)
	assert.Equal(t, "wechat_error", body.Error.Code)
	assert.Equal(t, 40099, body.Error.Errcode)

	r = runCLI(t, vars, "", "code", "get", "--card", cardID, "NOPE")
	assert.Equal(t, exitWeChat, r.code)
	r = runCLI(t, vars, "", "codes", "check", "--card", cardID)
	assert.Equal(t, exitUsage, r.code)
}

func TestCards(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	vars := emulatorVars(s)
	dir := t.TempDir()
	attrs, err := json.Marshal(depositCoupon())
	require.NoError(t, err)
	wrapped := filepath.Join(dir, "wrapped.json")
	require.NoError(t, os.WriteFile(wrapped, []byte(`{"card":{"card_type":"CASH","cash":`+string(attrs)+`}}`), 0o600))

	r := runCLI(t, vars, "", "cards", "create", "-f", wrapped)
	require.Equal(t, exitOK, r.code, r.stderr)
	first := strings.TrimSpace(r.stdout)
	r = runCLI(t, vars, `{"card_type":"cash","cash":`+string(attrs)+`}`, "cards", "create", "--json", "-f", "-")
	require.Equal(t, exitOK, r.code, r.stderr)
	var created struct {
		CardID string `json:"card_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))

	r = runCLI(t, vars, "", "cards", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, first+"\n"+created.CardID+"\n", r.stdout)
	assert.Contains(t, r.stderr, "2 of 2 cards")

	r = runCLI(t, vars, "", "cards", "get", first)
	require.Equal(t, exitOK, r.code, r.stderr)
	var got struct {
		CardType string `json:"card_type"`
		Cash     struct {
			BaseInfo struct {
				Title string `json:"title"`
			} `json:"base_info"`
		} `json:"cash"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
	assert.Equal(t, "CASH", got.CardType)
	assert.Equal(t, "十元券", got.Cash.BaseInfo.Title)

	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"no file":   {"", []string{"cards", "create"}, "-f card.json is required"},
		"not json":  {"nope", []string{"cards", "create", "-f", "-"}, "not a JSON object"},
		"no type":   {`{"cash":{}}`, []string{"cards", "create", "-f", "-"}, `"card_type" is missing`},
		"wrong key": {`{"card_type":"CASH","gift":{}}`, []string{"cards", "create", "-f", "-"}, `belong under "cash"`},
		"bad count": {"", []string{"cards", "list", "--count", "51"}, "count"},
	} {
		r := runCLI(t, vars, tc.stdin, tc.args...)
		assert.Equal(t, exitUsage, r.code, name)
		assert.Contains(t, r.stderr, tc.want, name)
	}
	r = runCLI(t, vars, "", "cards", "get", "pNoSuchCard")
	assert.Equal(t, exitWeChat, r.code)
}

func TestTicketIsMaskedUnlessShown(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	vars := emulatorVars(s)
	r := runCLI(t, vars, "", "ticket")
	require.Equal(t, exitOK, r.code, r.stderr)
	ticket, ok := s.Emu.Ticket(s.AppID, "wx_card")
	require.True(t, ok)
	assert.NotContains(t, r.stdout+r.stderr, ticket)
	assert.Contains(t, r.stdout, ticket[:4]+"…"+ticket[len(ticket)-4:])
	assert.Contains(t, r.stderr, "--show")

	r = runCLI(t, vars, "", "ticket", "--show")
	assert.Equal(t, ticket+"\n", r.stdout)
	r = runCLI(t, vars, "", "ticket", "--json", "--type", "jsapi")
	var out struct {
		Type   string `json:"type"`
		Ticket string `json:"ticket"`
		Masked bool   `json:"masked"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	jsapi, ok := s.Emu.Ticket(s.AppID, "jsapi")
	require.True(t, ok)
	assert.Equal(t, "jsapi", out.Type)
	assert.True(t, out.Masked)
	assert.NotContains(t, r.stdout, jsapi)
	assert.Equal(t, exitUsage, runCLI(t, vars, "", "ticket", "--type", "card").code)
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	vars := emulatorVars(s)
	ctx := t.Context()
	cardTicket, err := s.Client.CardTicket(ctx)
	require.NoError(t, err)
	jsapiTicket, err := s.Client.JSAPITicket(ctx)
	require.NoError(t, err)

	t.Run("addcard", func(t *testing.T) {
		r := runCLI(t, vars, "", "sign", "addcard", "--card", "pCard1", "--code", "C1", "--openid", "oUser")
		require.Equal(t, exitOK, r.code, r.stderr)
		var item signer.CardListItem
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &item))
		assert.Equal(t, "pCard1", item.CardID)

		r = runCLI(t, vars, "", "verify", "cardext", "--card", "pCard1", "--card-ext", item.CardExt)
		require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, "VALID")
		assert.Contains(t, r.stdout, "Sorted values")
		assert.NotContains(t, r.stdout, cardTicket, "the ticket is masked")

		// Offline, from stdin, with the ticket given.
		r = runCLI(t, nil, item.CardExt, "verify", "cardext", "--ticket", cardTicket, "--card", "pCard1", "--card-ext", "-", "--show")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, cardTicket, "--show prints it")

		r = runCLI(t, vars, "", "verify", "cardext", "--card", "pCard2", "--card-ext", item.CardExt)
		assert.Equal(t, exitMismatch, r.code)
		assert.Contains(t, r.stdout, "DOES NOT VERIFY")
		assert.Contains(t, r.stdout, "The usual causes")
	})

	t.Run("cardext signed with the jsapi ticket", func(t *testing.T) {
		ext := signer.SignCardExt(jsapiTicket, time.Now().Unix(), "nonce123", signer.Card{CardID: "pCard1"})
		r := runCLI(t, vars, "", "verify", "cardext", "--json", "--card", "pCard1", "--card-ext", ext.String())
		assert.Equal(t, exitMismatch, r.code)
		var v signer.Verification
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), r.stdout)
		assert.False(t, v.Valid)
		var codes []string
		for _, p := range v.Problems {
			codes = append(codes, p.Code)
		}
		assert.Contains(t, codes, signer.ProblemWrongTicketType)
		assert.NotContains(t, r.stdout, cardTicket)
		assert.NotContains(t, r.stdout, jsapiTicket)
		assert.NotContains(t, r.stdout, `"error"`, "the verification is the document; no error body after it")

		r = runCLI(t, vars, "", "verify", "cardext", "--card", "pCard1", "--card-ext", ext.String())
		assert.Contains(t, r.stdout, "Found it: the card was signed with the jsapi ticket")
	})

	t.Run("jsconfig", func(t *testing.T) {
		page := "https://shop.example.com/a?x=1"
		r := runCLI(t, vars, "", "sign", "jsconfig", "--url", page+"#top")
		require.Equal(t, exitOK, r.code, r.stderr)
		var cfg signer.JSConfig
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &cfg))
		assert.Equal(t, []string{"addCard", "chooseCard"}, cfg.JSAPIList)
		config := `{"timestamp":` + strconv.FormatInt(cfg.Timestamp, 10) + `,"nonceStr":"` + cfg.NonceStr + `","signature":"` + cfg.Signature + `"}`

		r = runCLI(t, vars, "", "verify", "jsconfig", "--url", page+"#elsewhere", "--config", config)
		require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, "signed URL  "+page)
		assert.NotContains(t, r.stdout, jsapiTicket)

		r = runCLI(t, vars, "", "verify", "jsconfig", "--url", page+"/", "--config", config)
		assert.Equal(t, exitMismatch, r.code)
		assert.Contains(t, r.stdout, "Found it: the signed URL differs from the page URL by a trailing slash")
		assert.Equal(t, exitUsage, runCLI(t, vars, "", "verify", "jsconfig", "--url", page, "--config", "[").code)
	})

	t.Run("choosecard", func(t *testing.T) {
		r := runCLI(t, vars, "", "sign", "choosecard", "--card-type", "CASH")
		require.Equal(t, exitOK, r.code, r.stderr)
		var p signer.ChooseCardParams
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
		params, err := json.Marshal(p)
		require.NoError(t, err)
		r = runCLI(t, vars, "", "verify", "choosecard", "--params", string(params))
		require.Equal(t, exitOK, r.code, r.stdout+r.stderr)

		p.CardType = "GIFT"
		params, err = json.Marshal(p)
		require.NoError(t, err)
		r = runCLI(t, vars, "", "verify", "choosecard", "--params", string(params))
		assert.Equal(t, exitMismatch, r.code)
		r = runCLI(t, nil, "", "verify", "choosecard", "--ticket", cardTicket, "--params", string(params))
		assert.Equal(t, exitUsage, r.code, "offline, the app id must be given")
		assert.Contains(t, r.stderr, "appId")
	})

	assert.Equal(t, exitUsage, runCLI(t, vars, "", "sign", "addcard").code)
	assert.Equal(t, exitUsage, runCLI(t, vars, "", "sign", "jsconfig", "--url", "ftp://x").code)
	assert.Equal(t, exitUsage, runCLI(t, vars, "", "verify", "cardext", "--card", "p", "--card-ext", "{").code)
}

func TestCredentialsAndFailures(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "http://" + closed.Addr().String() + "/"
	closed.Close()
	noDir := t.TempDir()
	for name, tc := range map[string]struct {
		vars map[string]string
		args []string
		code int
		want string
	}{
		"nothing configured": {map[string]string{"WXCARD_DATA_DIR": noDir}, nil, exitConfig, "set WXCARD_APPID and WXCARD_SECRET, or start the local server"},
		"appid only":         {map[string]string{"WXCARD_APPID": s.AppID}, nil, exitConfig, "set WXCARD_SECRET"},
		"secret only":        {map[string]string{"WXCARD_SECRET": "x"}, nil, exitConfig, "no appid"},
		"wrong secret":       {map[string]string{"WXCARD_APPID": s.AppID, "WXCARD_SECRET": "wrong-secret-0123456789", "WXCARD_BASE_URL": s.URL}, nil, exitConfig, "errcode=40125"},
		"unreachable":        {map[string]string{"WXCARD_APPID": s.AppID, "WXCARD_SECRET": s.Secret, "WXCARD_BASE_URL": deadURL}, nil, exitUnavailable, "connection refused"},
		"bad base url":       {map[string]string{"WXCARD_APPID": s.AppID, "WXCARD_SECRET": s.Secret}, []string{"--base-url", "ftp://x"}, exitUsage, "--base-url"},
		"bad store":          {emulatorVars(s), []string{"--store", "etcd://x"}, exitUsage, "want memory, file:PATH or redis://"},
		"redis down":         {emulatorVars(s), []string{"--store", "redis://:pw@" + closed.Addr().String()}, exitConfig, "unreachable"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tc.vars, "", append([]string{"--json", "codes", "count", "--card", "pCard"}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stdout+r.stderr, "wrong-secret-0123456789")
			assert.NotContains(t, r.stdout+r.stderr, s.Secret)
			assert.NotContains(t, r.stdout+r.stderr, ":pw@")
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &body), r.stdout)
			assert.NotEmpty(t, body.Error.Code)
		})
	}
}

func TestFileStoreKeepsTheTokenAcrossRuns(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	vars := emulatorVars(s)
	vars["WXCARD_STORE"] = "file:" + filepath.Join(t.TempDir(), "cli-store.db")
	for range 3 {
		r := runCLI(t, vars, "", "cards", "list")
		require.Equal(t, exitOK, r.code, r.stderr)
	}
	assert.Equal(t, 1, s.TokenFetches())
}

// TestFindsTheLocalServersEmulator runs the real local server on a free
// port with its own data directory and uses it without any credentials:
// wxcard reads the dev app from the emulator's state file there.
func TestFindsTheLocalServersEmulator(t *testing.T) {
	t.Parallel()
	bin, err := testproc.Build(t.Context(), "../..", "./cmd/localserver")
	require.NoError(t, err)
	dataDir := t.TempDir()
	srv, err := testproc.Start(testproc.Command{Path: bin, Args: []string{"-addr", "127.0.0.1:0", "-data-dir", dataDir},
		Dir: t.TempDir(), Env: []string{"HOME=" + dataDir}})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Stop(10 * time.Second) })
	m, err := srv.WaitForLine(time.Minute, regexp.MustCompile(`Ready on (http://[0-9.:]+)\.`))
	require.NoError(t, err, srv.Output())

	appID, err := srv.WaitForLine(time.Second, regexp.MustCompile(`Dev app appid\s+(\S+)`))
	require.NoError(t, err, srv.Output())

	vars := map[string]string{"WXCARD_DATA_DIR": dataDir, "WXCARD_BASE_URL": m[1] + "/wechat/"}
	r := runCLI(t, vars, "", "--json", "ticket")
	require.Equal(t, exitOK, r.code, r.stderr)
	var ticket struct {
		AppID string `json:"appid"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ticket))
	assert.Equal(t, appID[1], ticket.AppID, "the dev app of the banner")
	assert.NotContains(t, r.stdout+r.stderr, "secret")
}
