package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/internal/testreq"
)

func start(t *testing.T, args []string, env map[string]string) (addr string, out *syncbuf.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncbuf.Buffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, out, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("emulator did not start")
	}
	return addr, out, func() error { cancel(); return <-done }
}

func TestRunServesAndKeepsState(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "emu.json")
	env := map[string]string{"WXCARD_EMULATOR_SECRET": "cmd-test-secret"}
	args := []string{"-addr", "127.0.0.1:0", "-snapshot", snap, "-appid", "wx00112233445566ff", "-auto-approve"}
	addr, out, stop := start(t, args, env)
	assert.Contains(t, out.String(), "appid: wx00112233445566ff")
	assert.NotContains(t, out.String(), "cmd-test-secret")

	tok := fetchToken(t, "http://"+addr, "wx00112233445566ff", "cmd-test-secret")
	require.NoError(t, stop())

	// Restarted on the same snapshot, the token still works.
	addr, _, stop = start(t, args, env)
	res, err := http.Get("http://" + addr + "/card/getcolors?access_token=" + url.QueryEscape(tok))
	require.NoError(t, err)
	var colors struct {
		Errcode int `json:"errcode"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&colors))
	res.Body.Close()
	assert.Equal(t, 0, colors.Errcode)
	require.NoError(t, stop())
}

func TestRunPrintsGeneratedSecretOnlyWhenAsked(t *testing.T) {
	_, out, stop := start(t, []string{"-addr", "127.0.0.1:0", "-print-secret", "-no-control"}, nil)
	require.NoError(t, stop())
	assert.Regexp(t, `appid: wx[0-9a-f]{16}\nsecret: [0-9a-f]{32}\n`, out.String())
}

func TestRunRejectsBadFlags(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	none := func(string) string { return "" }
	assert.Error(t, run(ctx, []string{"-appid", "wx1"}, none, &out, nil), "appid without secret")
	assert.Error(t, run(ctx, []string{"-nope"}, none, &out, nil))
	assert.Error(t, run(ctx, []string{"-addr", "256.0.0.1:0"}, none, &out, nil))
	assert.Error(t, run(ctx, []string{"-addr", "127.0.0.1:0", "-public-url", "nope"}, none, &out, nil))
	assert.True(t, strings.Contains(out.String(), "flag provided but not defined"))
}

func TestRunOnANonLoopbackAddressTurnsControlOff(t *testing.T) {
	t.Parallel()
	addr, out, stop := start(t, []string{"-addr", "0.0.0.0:0"}, nil)
	assert.Contains(t, out.String(), "WARNING: 0.0.0.0:0 is reachable from other machines; the control routes are off (-control turns them on)")
	base := "http://127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	status, code := testreq.Status(t, http.MethodGet, base+"/emulator/v1/state", "", "", "", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", code)
	require.NoError(t, stop())

	addr, out, stop = start(t, []string{"-addr", "0.0.0.0:0", "-control"}, nil)
	assert.Contains(t, out.String(), "-control lets them drive the emulator")
	base = "http://127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	status, _ = testreq.Status(t, http.MethodGet, base+"/emulator/v1/state", "", "", "", "")
	assert.Equal(t, http.StatusOK, status)
	require.NoError(t, stop())

	_, out, stop = start(t, []string{"-addr", "127.0.0.1:0"}, nil)
	assert.NotContains(t, out.String(), "WARNING")
	require.NoError(t, stop())
}

func TestRunRefusesForeignHostsAndCrossSitePosts(t *testing.T) {
	t.Parallel()
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-public-url", "http://emu.test:9999/", "-public-hosts", "proxy.test"}, nil)
	defer stop()
	base := "http://" + addr
	for _, path := range []string{"/emulator/v1/state", "/cgi-bin/token?grant_type=client_credential", "/card/getcolors"} {
		for _, host := range []string{"attacker.example", "attacker.example:8081", "localhost.", "127.0.0.1.nip.io"} {
			status, code := testreq.Status(t, http.MethodGet, base+path, host, "", "", "")
			assert.Equal(t, http.StatusForbidden, status, "%s Host %s", path, host)
			assert.Equal(t, "host_not_allowed", code, "%s Host %s", path, host)
		}
		for _, host := range []string{"", "localhost:1", "[::1]", "emu.test:9999", "proxy.test"} {
			status, code := testreq.Status(t, http.MethodGet, base+path, host, "", "", "")
			assert.NotEqual(t, "host_not_allowed", code, "%s Host %q (%d)", path, host, status)
		}
	}
	for _, path := range []string{"/emulator/v1/clock", "/emulator/v1/faults", "/emulator/v1/cards/x/approve", "/emulator/v1/wallet/add", "/emulator/v1/encrypt"} {
		for _, origin := range []string{"https://attacker.example", ""} {
			status, code := testreq.Status(t, http.MethodPost, base+path, "", origin, "text/plain", `{"advance":"1h"}`)
			assert.Contains(t, []int{http.StatusForbidden, http.StatusUnsupportedMediaType}, status, "%s from %q", path, origin)
			assert.Contains(t, []string{"forbidden_origin", "unsupported_media_type"}, code, "%s from %q", path, origin)
		}
	}
	var clock struct{ Offset string }
	res, err := http.Get(base + "/emulator/v1/clock")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&clock))
	res.Body.Close()
	assert.Equal(t, "0s", clock.Offset, "no refused post moved the clock")
}

func TestRunFlagMistakesAreUsageErrors(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	tests := map[string][]string{
		"unknown flag":            {"-nope"},
		"appid without secret":    {"-appid", "wx1"},
		"appid with a space":      {"-appid", "wx 1", "-secret", "s"},
		"appid over 64 bytes":     {"-appid", strings.Repeat("w", 65), "-secret", "s"},
		"public url not a URL":    {"-public-url", "nope"},
		"public url with a query": {"-public-url", "http://emu.test/?"},
		"addr without port":       {"-addr", "127.0.0.1"},
		"public host with scheme": {"-public-hosts", "http://proxy.test"},
		"control both ways":       {"-control", "-no-control"},
		"stray argument":          {"serve"},
	}
	// Cancelled: a case that wrongly passes returns at once instead of
	// serving.
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for name, args := range tests {
		var out bytes.Buffer
		err := run(stopped, append([]string{"-addr", "127.0.0.1:0"}, args...), none, &out, nil)
		require.Error(t, err, name)
		assert.Equal(t, 2, exitCode(err), "%s: %v", name, err)
	}
	assert.Equal(t, 0, exitCode(nil))
	var out bytes.Buffer
	help := run(stopped, []string{"-h"}, none, &out, nil)
	assert.Equal(t, 0, exitCode(help))
	assert.Contains(t, out.String(), "-public-hosts")
	// A port in use is not a usage mistake.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	assert.Equal(t, 1, exitCode(run(stopped, []string{"-addr", ln.Addr().String()}, none, &out, nil)))
}

func TestRunPushesToTheServerURL(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h, err := events.NewHandler("pushTok1", func(_ context.Context, m *events.Message) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m.Event+" "+m.Field("CardId"))
		return nil
	}, events.WithSafeMode("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx00112233445566ff"))
	require.NoError(t, err)
	backend := httptest.NewServer(h)
	defer backend.Close()
	env := map[string]string{"WXCARD_EMULATOR_SECRET": "cmd-test-secret", "WXCARD_EMULATOR_PUSH_TOKEN": "pushTok1",
		"WXCARD_EMULATOR_PUSH_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	addr, out, stop := start(t, []string{"-addr", "127.0.0.1:0", "-appid", "wx00112233445566ff", "-auto-approve", "-push-url", backend.URL, "-push-mode", "safe"}, env)
	assert.NotContains(t, out.String(), "pushTok1")

	tok := fetchToken(t, "http://"+addr, "wx00112233445566ff", "cmd-test-secret")
	card := `{"card":{"card_type":"GENERAL_COUPON","general_coupon":{"default_detail":"满100减10","base_info":{"logo_url":"http://mmbiz.qpic.cn/l.png",` +
		`"brand_name":"咖啡店","code_type":"CODE_TYPE_QRCODE","title":"十元券","color":"Color010","notice":"出示二维码","description":"每人限领一张",` +
		`"sku":{"quantity":10},"date_info":{"type":"DATE_TYPE_FIX_TERM","fixed_term":30}}}}}`
	res, err := http.Post("http://"+addr+"/card/create?access_token="+url.QueryEscape(tok), "application/json", strings.NewReader(card))
	require.NoError(t, err)
	var created struct {
		CardID string `json:"card_id"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&created))
	res.Body.Close()
	require.NotEmpty(t, created.CardID)

	var pushes struct {
		Target struct{ Mode string } `json:"target"`
	}
	res, err = http.Get("http://" + addr + "/emulator/v1/push?wait=10s")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&pushes))
	res.Body.Close()
	assert.Equal(t, "safe", pushes.Target.Mode)
	mu.Lock()
	assert.Equal(t, []string{"card_pass_check " + created.CardID}, got)
	mu.Unlock()
	require.NoError(t, stop())

	assert.Error(t, run(context.Background(), []string{"-addr", "127.0.0.1:0", "-push-url", backend.URL}, func(string) string { return "" }, io.Discard, nil),
		"a push URL without a token")
}

// TestRunRefusesASnapshotInUse: a second emulator on the same snapshot
// exits with an error instead of overwriting the first one's state.
func TestRunRefusesASnapshotInUse(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "emu.db")
	_, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-snapshot", snap}, nil)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-snapshot", snap}, func(string) string { return "" }, &out, nil)
	require.ErrorIs(t, err, emulator.ErrSnapshotInUse)
	require.NoError(t, stop())
}

// TestRunImportsJSONSnapshot: a -snapshot path ending in .json (the format
// of earlier versions) is imported into the .db beside it, and said so.
func TestRunImportsJSONSnapshot(t *testing.T) {
	dir := t.TempDir()
	legacy, err := os.ReadFile("../../testdata/snapshot-v1.json")
	require.NoError(t, err)
	jsonPath := filepath.Join(dir, "emu.json")
	require.NoError(t, os.WriteFile(jsonPath, legacy, 0o600))
	_, out, stop := start(t, []string{"-addr", "127.0.0.1:0", "-snapshot", jsonPath}, nil)
	require.NoError(t, stop())
	assert.Contains(t, out.String(), "imported "+jsonPath+" into "+filepath.Join(dir, "emu.db"))
	assert.Contains(t, out.String(), "appid: wx0123456789abcdef")
}

// fetchToken gets an access_token for the app from the emulator at base.
func fetchToken(t *testing.T, base, appID, secret string) string {
	t.Helper()
	res, err := http.Get(base + "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}.Encode())
	require.NoError(t, err)
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return tok.AccessToken
}
