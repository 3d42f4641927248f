package emulatortest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
)

// BenchmarkEmulatorAdminDeposit1M deposits 1,000,000 codes through the
// admin client into an emulator with a snapshot file: 10,000 calls of 100
// codes over loopback HTTP, each committed (and fsynced) before it is
// answered. One op is the whole million; codes/s is reported beside it.
func BenchmarkEmulatorAdminDeposit1M(b *testing.B) {
	const total = 1_000_000
	s := emulatortest.Start(b, emulatortest.WithEmulator(
		emulator.WithSnapshotFile(filepath.Join(b.TempDir(), "state.db")), emulator.WithAutoApprove(true)))
	ctx := b.Context()
	codes := make([]string, total)
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		c := coupon()
		c.BaseInfo.UseCustomCode = true
		c.BaseInfo.SKU = &admin.SKU{Quantity: 0}
		id, err := s.Client.Card.Create(ctx, admin.CardTypeGeneralCoupon, c)
		if err != nil {
			b.Fatal(err)
		}
		for i := range codes {
			codes[i] = fmt.Sprintf("R%dC%09d", round, i)
		}
		b.StartTimer()
		res, err := s.Client.Code.Deposit(ctx, id, codes)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Succeeded) != total {
			b.Fatalf("%d codes deposited, want %d", len(res.Succeeded), total)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "codes/s")
}
