package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/internal/syncbuf"
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

	res, err := http.Get("http://" + addr + "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {"wx00112233445566ff"}, "secret": {"cmd-test-secret"}}.Encode())
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	res.Body.Close()
	require.NotEmpty(t, tok.AccessToken)
	require.NoError(t, stop())

	// Restarted on the same snapshot, the token still works.
	addr, _, stop = start(t, args, env)
	res, err = http.Get("http://" + addr + "/card/getcolors?access_token=" + url.QueryEscape(tok.AccessToken))
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

	res, err := http.Get("http://" + addr + "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {"wx00112233445566ff"}, "secret": {"cmd-test-secret"}}.Encode())
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	res.Body.Close()
	card := `{"card":{"card_type":"GENERAL_COUPON","general_coupon":{"default_detail":"满100减10","base_info":{"logo_url":"http://mmbiz.qpic.cn/l.png",` +
		`"brand_name":"咖啡店","code_type":"CODE_TYPE_QRCODE","title":"十元券","color":"Color010","notice":"出示二维码","description":"每人限领一张",` +
		`"sku":{"quantity":10},"date_info":{"type":"DATE_TYPE_FIX_TERM","fixed_term":30}}}}}`
	res, err = http.Post("http://"+addr+"/card/create?access_token="+url.QueryEscape(tok.AccessToken), "application/json", strings.NewReader(card))
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
