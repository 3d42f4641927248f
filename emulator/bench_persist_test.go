package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/wxcard/wxcard/emulator"
)

// millionCodes is the stored state of BenchmarkEmulatorDepositAfter1MCodes.
const millionCodes = 1_000_000

// newPersistedBenchEmulator is newBenchEmulator with a snapshot file and,
// when stored > 0, a use_custom_code card holding that many deposited codes
// (put in through a bulk path: the setup is not what is measured).
func newPersistedBenchEmulator(b *testing.B, stored int) (*benchEmulator, string) {
	b.Helper()
	bench := newBenchEmulatorWith(b, emulator.WithSnapshotFile(filepath.Join(b.TempDir(), "state.db")))
	b.Cleanup(func() {
		if err := bench.emu.Close(); err != nil {
			b.Error(err)
		}
	})
	body, _ := json.Marshal(couponBody(func(bi map[string]any) {
		bi["use_custom_code"] = true
		bi["sku"] = map[string]any{"quantity": 0}
	}))
	var created struct {
		CardID string `json:"card_id"`
	}
	json.Unmarshal(bench.serve("POST", "/card/create?access_token="+bench.token, body).Body.Bytes(), &created)
	if created.CardID == "" {
		b.Fatal("custom-code card not created")
	}
	codes := make([]string, 0, 100_000)
	for start := 0; start < stored; start += cap(codes) {
		codes = codes[:0]
		for i := start; i < min(start+cap(codes), stored); i++ {
			codes = append(codes, fmt.Sprintf("S%011d", i))
		}
		if err := bench.emu.DepositBulk(context.Background(), testAppID, created.CardID, codes); err != nil {
			b.Fatal(err)
		}
	}
	return bench, created.CardID
}

// benchDepositOne measures card/code/deposit of one new code through the
// HTTP handler, snapshot commit (and its fsync) included.
func benchDepositOne(b *testing.B, stored int) {
	bench, cardID := newPersistedBenchEmulator(b, stored)
	path := "/card/code/deposit?access_token=" + bench.token
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := fmt.Appendf(nil, `{"card_id":%q,"code":["N%011d"]}`, cardID, i)
		rec := bench.serve("POST", path, body)
		if rec.Code != http.StatusOK || !json.Valid(rec.Body.Bytes()) || rec.Body.Bytes()[len(`{"errcode":`)] != '0' {
			b.Fatalf("deposit: %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkEmulatorDepositAfter1MCodes: one-code deposit with 1,000,000
// codes stored; against BenchmarkEmulatorDepositEmpty it shows that a
// write costs what it changes, not what is stored.
func BenchmarkEmulatorDepositAfter1MCodes(b *testing.B) { benchDepositOne(b, millionCodes) }

// BenchmarkEmulatorDepositEmpty: the same deposit on an emulator with no
// codes stored.
func BenchmarkEmulatorDepositEmpty(b *testing.B) { benchDepositOne(b, 0) }
