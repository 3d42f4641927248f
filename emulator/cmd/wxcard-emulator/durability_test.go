package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testproc"
)

const (
	durabilityAppID  = "wx0d0d0d0d0d0d0d0d"
	durabilitySecret = "durability-test-secret"
	// durabilityRounds of write load, kill -9 and restart.
	durabilityRounds = 3
	// ackedBeforeKill is how many acknowledged deposits each round waits
	// for before the kill; writers are still sending when it lands.
	ackedBeforeKill = 60
)

// emulatorProc is a running wxcard-emulator binary.
type emulatorProc struct {
	*testproc.Process
	base string
}

func startEmulatorProc(t *testing.T, bin, snapshot string) *emulatorProc {
	t.Helper()
	p, err := testproc.Start(testproc.Command{
		Path: bin,
		Args: []string{"-addr", "127.0.0.1:0", "-snapshot", snapshot, "-appid", durabilityAppID, "-auto-approve"},
		Env:  append(os.Environ(), "WXCARD_EMULATOR_SECRET="+durabilitySecret),
	})
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	m, err := p.WaitForLine(15*time.Second, regexp.MustCompile(`wxcard emulator on (http://\S+)`))
	require.NoError(t, err, p.Output())
	return &emulatorProc{Process: p, base: m[1]}
}

// call posts body to a WeChat path and decodes the answer into out; an
// error means no answer was received (the write is not acknowledged).
func (e *emulatorProc) call(ctx context.Context, path, token string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	u := e.base + "/" + path + "?access_token=" + url.QueryEscape(token)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out)
}

func (e *emulatorProc) token(t *testing.T) string {
	t.Helper()
	return fetchToken(t, e.base, durabilityAppID, durabilitySecret)
}

// TestKillDuringWritesLosesNothingAcknowledged runs write load against the
// real binary, kills it with SIGKILL mid-load, restarts it on the same
// snapshot and checks that every deposit a client saw acknowledged is
// there: the commit (and its fsync) happens before the answer.
func TestKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	ctx := t.Context()
	bin, err := testproc.Build(ctx, ".", ".")
	require.NoError(t, err)
	snapshot := filepath.Join(t.TempDir(), "emulator.db")

	proc := startEmulatorProc(t, bin, snapshot)
	token := proc.token(t)
	var created struct {
		Errcode int    `json:"errcode"`
		CardID  string `json:"card_id"`
	}
	require.NoError(t, proc.call(ctx, "card/create", token, map[string]any{"card": map[string]any{
		"card_type": "GENERAL_COUPON",
		"general_coupon": map[string]any{"default_detail": "十元", "base_info": map[string]any{
			"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "测试商户", "code_type": "CODE_TYPE_QRCODE",
			"title": "十元代金券", "color": "Color010", "notice": "出示二维码", "description": "不可与其他优惠同享",
			"sku": map[string]any{"quantity": 0}, "use_custom_code": true, "get_limit": 3,
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 0},
		}},
	}}, &created))
	require.Zero(t, created.Errcode)
	cardID := created.CardID

	var acked []string // every code whose deposit was answered with success
	for round := range durabilityRounds {
		acked = append(acked, depositUntilKilled(t, proc, token, cardID, round)...)

		proc = startEmulatorProc(t, bin, snapshot)
		// The token was committed before it was answered, too.
		var count struct {
			Errcode int `json:"errcode"`
			Count   int `json:"count"`
		}
		require.NoError(t, proc.call(ctx, "card/code/getdepositcount", token, map[string]any{"card_id": cardID}, &count))
		require.Zero(t, count.Errcode, "the token survived the kill")
		require.GreaterOrEqual(t, count.Count, len(acked), "round %d", round)
		for start := 0; start < len(acked); start += 100 {
			chunk := acked[start:min(start+100, len(acked))]
			var check struct {
				Errcode  int      `json:"errcode"`
				NotExist []string `json:"not_exist_code"`
			}
			require.NoError(t, proc.call(ctx, "card/code/checkcode", token, map[string]any{"card_id": cardID, "code": chunk}, &check))
			require.Zero(t, check.Errcode)
			require.Empty(t, check.NotExist, "round %d: acknowledged deposits lost by kill -9", round)
		}
	}
	code, err := proc.Stop(10 * time.Second)
	require.NoError(t, err)
	require.Zero(t, code, proc.Output())
}

// depositUntilKilled has four writers deposit codes (three per call)
// until ackedBeforeKill calls are acknowledged, kills the process with
// SIGKILL while they keep sending, and returns the acknowledged codes.
func depositUntilKilled(t *testing.T, proc *emulatorProc, token, cardID string, round int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var (
		mu     sync.Mutex
		acked  []string
		calls  int
		enough = make(chan struct{})
		wg     sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				codes := []string{fmt.Sprintf("K%d-%d-%d-a", round, w, i), fmt.Sprintf("K%d-%d-%d-b", round, w, i), fmt.Sprintf("K%d-%d-%d-c", round, w, i)}
				var res struct {
					Errcode int      `json:"errcode"`
					Succ    []string `json:"succ_code"`
				}
				if err := proc.call(ctx, "card/code/deposit", token, map[string]any{"card_id": cardID, "code": codes}, &res); err != nil || res.Errcode != 0 {
					return // killed (or refused): not acknowledged
				}
				mu.Lock()
				acked = append(acked, res.Succ...)
				calls++
				if calls == ackedBeforeKill {
					close(enough)
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-proc.Done():
		t.Fatalf("the emulator ended under load:\n%s", proc.Output())
	case <-time.After(20 * time.Second):
		t.Fatal("too few deposits acknowledged")
	}
	proc.Kill()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), acked...)
}

// TestInvalidSnapshotExitsOne: a snapshot that does not hold together (a
// null card entry, a card_order naming a missing card) stops the binary
// with exit code 1 and one clear line, not a stack trace or a server that
// wedges on its first state request.
func TestInvalidSnapshotExitsOne(t *testing.T) {
	bin, err := testproc.Build(t.Context(), ".", ".")
	require.NoError(t, err)
	for name, content := range map[string]string{
		"null-card":      `{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":null},"card_order":["pX"]}}}`,
		"dangling-order": `{"version":1,"apps":{"wx1":{"appid":"wx1","card_order":["pX"]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			snap := filepath.Join(t.TempDir(), "state.json")
			require.NoError(t, os.WriteFile(snap, []byte(content), 0o600))
			p, err := testproc.Start(testproc.Command{Path: bin, Args: []string{"-addr", "127.0.0.1:0", "-snapshot", snap}})
			require.NoError(t, err)
			t.Cleanup(p.Kill)
			code, err := p.Wait(15 * time.Second)
			require.NoError(t, err)
			require.Equal(t, 1, code, p.Output())
			require.Regexp(t, `^wxcard-emulator: emulator: invalid snapshot: state.json: app "wx1": card`, p.Stderr.String())
			require.NotContains(t, p.Output(), "goroutine")
		})
	}
}
