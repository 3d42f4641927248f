package emulator_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/wxcard/wxcard/emulator"
)

// FuzzSnapshotJSON: whatever a JSON snapshot holds, New either refuses it
// with an error or loads something every route can serve without a panic.
func FuzzSnapshotJSON(f *testing.F) {
	valid, err := os.ReadFile("testdata/snapshot-v1.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	for _, s := range []string{
		`{"version":1,"apps":{"wx1":{"appid":"wx1","card_order":["pX"]}}}`,
		`{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":null},"card_order":["pX"]}}}`,
		`{"version":1,"apps":{"wx1":{"appid":"wx1","cards":{"pX":{"card_id":"pX","user_cards":{"1":{"card_id":"pX","code":"1"}},"user_card_order":["1"]}},"card_order":["pX"]}}}`,
		`{"version":1,"dev_app":"wx1","apps":{"wx1":{"appid":"wx1","qrcodes":{"t":{"ticket":"t","card_id_list":["pX"]}}}}}`,
		`{"version":1,"apps":{"wx1":{"appid":"wx1","landing_pages":[null]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		emu, err := emulator.New(emulator.WithSnapshotFile(path))
		if err != nil {
			return
		}
		defer emu.Close()
		appID, _ := emu.DevApp()
		for _, target := range []string{
			"/emulator/v1/state", "/emulator/v1/state?appid=" + appID, "/emulator/v1/clock",
			"/bizmall/cardlandingpage?page_id=1&biz=" + appID, "/q/x",
		} {
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code >= 500 {
				t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
			}
		}
	})
}
