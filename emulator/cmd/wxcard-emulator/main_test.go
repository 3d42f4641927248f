package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wxcard/wxcard/emulator"
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
