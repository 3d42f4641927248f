package emulator_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestSnapshotSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	h := newHarness(t, emulator.WithSnapshotFile(path))
	id := h.approvedCoupon(nil)
	code := h.claim("oP", id).Code
	token := h.accessToken()
	ticket := h.ticket("wx_card")
	h.advance(10 * time.Minute)

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	// No Save and no Close: what was answered is on disk. (The harness
	// closes it at the end; the second open below needs the lock now.)
	require.NoError(t, h.emu.Close())

	// A new emulator on the same file (and clock) continues where it was.
	h2 := newHarness(t, emulator.WithSnapshotFile(path))
	assert.Equal(t, testEpoch.Add(10*time.Minute), h2.emu.Now(), "the clock offset is kept")
	h2.token = token
	got := h2.wxOK("card/code/get", map[string]any{"code": code})
	assert.Equal(t, "oP", got.str("openid"))
	assert.Equal(t, ticket, h2.ticket("wx_card"))
	h2.wxOK("card/code/consume", map[string]any{"code": code})
	require.NoError(t, h2.emu.Save(context.Background()))
	require.NoError(t, h2.emu.Close())

	// The dev app is remembered too when no WithApp is given.
	emu, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	defer emu.Close()
	appID, secret := emu.DevApp()
	assert.Equal(t, testAppID, appID)
	assert.Equal(t, testSecret, secret)
}

func TestSnapshotGeneratedDevAppIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	a, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	id1, s1 := a.DevApp()
	require.NoError(t, a.Close()) // no Save: New committed the generated app
	b, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	defer b.Close()
	id2, s2 := b.DevApp()
	assert.Equal(t, id1, id2)
	assert.Equal(t, s1, s2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, b.Save(ctx), context.Canceled)
}

// TestSnapshotIsLocked: a second emulator (in a process or this one) on
// the same file is refused instead of overwriting the first one's state.
func TestSnapshotIsLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	first, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err)
	_, err = emulator.New(emulator.WithSnapshotFile(path))
	require.ErrorIs(t, err, emulator.ErrSnapshotInUse)
	require.NoError(t, first.Close())
	second, err := emulator.New(emulator.WithSnapshotFile(path))
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, second.Close())
}

// TestSnapshotRemovesStaleTempFiles: a kill between writing a temporary
// JSON snapshot and renaming it (earlier versions) left the temporary file
// behind; opening the snapshot removes it.
func TestSnapshotRemovesStaleTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := filepath.Join(dir, ".emulator-snapshot-123456")
	require.NoError(t, os.WriteFile(stale, []byte("{"), 0o600))
	other := filepath.Join(dir, "keep.txt")
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	emu, err := emulator.New(emulator.WithSnapshotFile(filepath.Join(dir, "state.db")))
	require.NoError(t, err)
	require.NoError(t, emu.Close())
	assert.NoFileExists(t, stale)
	assert.FileExists(t, other)
}

func TestSnapshotErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json":  "not json",
		"version.json":  `{"version":99}`,
		"mismatch.json": `{"version":1,"apps":{"wx1":{"appid":"wx2"}}}`,
		// The wedge: card_order names a card that is not there. It used to
		// load and then panic in GET /emulator/v1/state with the lock held.
		"dangling-order.json": `{"version":1,"apps":{"wx1":{"appid":"wx1","card_order":["pX"]}}}`,
		"null-card.json":      `{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":null},"card_order":["pX"]}}}`,
		"null-app.json":       `{"version":1,"apps":{"wx1":null}}`,
		"duplicate.json":      `{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":{"card_id":"pX"}},"card_order":["pX","pX"]}}}`,
		"unordered.json":      `{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":{"card_id":"pX"}}}}}`,
		"null-user-card.json": `{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":{"card_id":"pX","user_cards":{"1":null},"user_card_order":["1"]}},"card_order":["pX"]}}}`,
		"dev-app.json":        `{"version":1,"dev_app":"wx9","apps":{}}`,
		"token-app.json":      `{"version":1,"apps":{},"tokens":{"t":{"appid":"wx9"}}}`,
		"encrypted.json":      `{"version":1,"apps":{"wx1":{"appid":"wx1","encrypted":{"e":{"card_id":"pX","code":"1"}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
			_, err := emulator.New(emulator.WithSnapshotFile(p))
			require.ErrorIs(t, err, emulator.ErrInvalidSnapshot)
			assert.NotContains(t, err.Error(), "goroutine", "a clear error, not a stack trace")
			assert.NoFileExists(t, strings.TrimSuffix(p, ".json")+".db", "a failed import leaves nothing behind")
		})
	}
	_, err := emulator.New(emulator.WithSnapshotFile(filepath.Join(dir, "missing-dir", "state.db")))
	assert.Error(t, err, "an unwritable location fails at start, not at the first write")
	notDB := filepath.Join(dir, "not-a-db.db")
	require.NoError(t, os.WriteFile(notDB, []byte("this is not a bbolt file, just text long enough to be read"), 0o600))
	_, err = emulator.New(emulator.WithSnapshotFile(notDB))
	assert.Error(t, err)
}

// TestSnapshotImportsJSON: a path ending in .json names the JSON snapshot
// of earlier versions; it is imported once into the .db beside it.
func TestSnapshotImportsJSON(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/snapshot-v1.json")
	require.NoError(t, err)
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "emulator.json")
	require.NoError(t, os.WriteFile(jsonPath, data, 0o600))
	emu, err := emulator.New(emulator.WithSnapshotFile(jsonPath))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "emulator.db"), emu.SnapshotPath())
	assert.Equal(t, jsonPath, emu.ImportedJSON())
	before, err := emu.StateJSON()
	require.NoError(t, err)
	require.NoError(t, emu.Close())

	again, err := emulator.New(emulator.WithSnapshotFile(jsonPath))
	require.NoError(t, err)
	defer again.Close()
	assert.Empty(t, again.ImportedJSON(), "imported once")
	after, err := again.StateJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
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

// TestSnapshotDamagedFile: a snapshot whose pages were overwritten fails
// with an error (bbolt's own panics included), never a crash.
func TestSnapshotDamagedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	h := newHarness(t, emulator.WithSnapshotFile(good))
	id := h.approvedCoupon(func(bi map[string]any) { bi["use_custom_code"] = true })
	codes := make([]string, 100)
	for i := range codes {
		codes[i] = fmt.Sprintf("DMG-%03d", i)
	}
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": codes})
	require.NoError(t, h.emu.Close())
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	// Every 4 KiB page after the two meta pages, in turn, filled with junk.
	for page := 2; page*4096 < len(data); page++ {
		damaged := append([]byte(nil), data...)
		for i := page * 4096; i < min((page+1)*4096, len(damaged)); i++ {
			damaged[i] = byte(i*7 + page)
		}
		p := filepath.Join(dir, fmt.Sprintf("damaged-%d.db", page))
		require.NoError(t, os.WriteFile(p, damaged, 0o600))
		func() {
			defer func() { require.Nil(t, recover(), "page %d", page) }()
			emu, err := emulator.New(emulator.WithSnapshotFile(p))
			if err == nil {
				emu.Close()
			}
		}()
	}
}

// TestReadDevAppWhileLocked: the dev app's credentials can be read while
// an emulator holds the snapshot (the wxcard CLI finds the local server's
// app this way), and from a JSON snapshot not yet imported.
func TestReadDevAppWhileLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "emulator.json")
	_, _, err := emulator.ReadDevApp(path)
	require.ErrorIs(t, err, fs.ErrNotExist)

	data, err := os.ReadFile("testdata/snapshot-v1.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	appID, secret, err := emulator.ReadDevApp(path)
	require.NoError(t, err)
	assert.Equal(t, testAppID, appID)
	assert.Equal(t, testSecret, secret)

	emu, err := emulator.New(emulator.WithSnapshotFile(path), emulator.WithApp("wx00000000000000aa", "another-secret"))
	require.NoError(t, err)
	defer emu.Close()
	appID, secret, err = emulator.ReadDevApp(path)
	require.NoError(t, err, "readable while the emulator holds the lock")
	assert.Equal(t, "wx00000000000000aa", appID)
	assert.Equal(t, "another-secret", secret)
	info, err := os.Stat(filepath.Join(dir, "emulator.db.devapp"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
