package emulator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestSnapshotSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, emulator.WithSnapshotFile(path))
	id := h.approvedCoupon(nil)
	code := h.addOne("oP", signer.Card{CardID: id}).Code
	token := h.accessToken()
	ticket := h.ticket("wx_card")
	h.advance(10 * time.Minute)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// A new emulator on the same file (and clock) continues where it was.
	h2 := newHarness(t, emulator.WithSnapshotFile(path))
	assert.Equal(t, testEpoch.Add(10*time.Minute), h2.emu.Now(), "the clock offset is kept")
	h2.token = token
	got := h2.wxOK("card/code/get", map[string]any{"code": code})
	assert.Equal(t, "oP", got.str("openid"))
	assert.Equal(t, ticket, h2.ticket("wx_card"))
	h2.wxOK("card/code/consume", map[string]any{"code": code})
	require.NoError(t, h2.emu.Save(context.Background()))

	// The dev app is remembered too when no WithApp is given.
	emu, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	appID, secret := emu.DevApp()
	assert.Equal(t, testAppID, appID)
	assert.Equal(t, testSecret, secret)
}

func TestSnapshotGeneratedDevAppIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	a, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	require.NoError(t, a.Save(context.Background()))
	b, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	id1, s1 := a.DevApp()
	id2, s2 := b.DevApp()
	assert.Equal(t, id1, id2)
	assert.Equal(t, s1, s2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, b.Save(ctx), context.Canceled)
}

func TestSnapshotErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json":  "not json",
		"version.json":  `{"version":99}`,
		"mismatch.json": `{"version":1,"apps":{"wx1":{"appid":"wx2"}}}`,
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		_, err := emulator.New(emulator.WithSnapshotFile(p))
		assert.Error(t, err, name)
	}
	// An unwritable location makes state-changing calls answer -1.
	h := newHarness(t, emulator.WithSnapshotFile(filepath.Join(dir, "missing-dir", "state.json")))
	r := h.do("GET", tokenQuery(testAppID, testSecret), nil, nil)
	assert.Equal(t, emulator.ErrcodeSystemBusy, r.errcode())
	assert.Error(t, h.emu.Save(context.Background()))
}

// TestSnapshotFormatIsStable loads a snapshot written by an earlier build
// (testdata/snapshot-v1.json): a format change that breaks it must bump
// the snapshot version.
func TestSnapshotFormatIsStable(t *testing.T) {
	data, err := os.ReadFile("testdata/snapshot-v1.json")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	h := newHarness(t, emulator.WithSnapshotFile(path))
	const cardID = "pc0IwDnK5SNqa7UpcYbOeMaF8-jZ"
	got := h.wxOK("card/code/get", map[string]any{"code": "SNAP-1", "card_id": cardID})
	assert.Equal(t, "oSnap", got.str("openid"))
	r := h.wxOK("card/code/checkcode", map[string]any{"card_id": cardID, "code": []string{"SNAP-1", "SNAP-2", "SNAP-3"}})
	assert.Equal(t, []any{"SNAP-1", "SNAP-2"}, r.body["exist_code"])
	// The stored ticket is still the current one, and SNAP-2 can be claimed.
	res := h.addOne("oSnap2", signer.Card{CardID: cardID, Code: "SNAP-2"})
	assert.True(t, res.IsSuccess, res.Errmsg)
	assert.Equal(t, emulator.ReasonCodeTaken, h.addOne("oSnap3", signer.Card{CardID: cardID, Code: "SNAP-1"}).Reason)
}
