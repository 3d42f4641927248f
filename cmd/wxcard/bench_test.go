package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator/emulatortest"
)

// benchCodes is the size of one benchmarked import.
const benchCodes = 10_000

// BenchmarkDepositCLI imports 10,000 codes per op through the command, as an
// operator would (file read, journal with one fsync per call, report),
// against the in-process emulator over loopback HTTP.
func BenchmarkDepositCLI(b *testing.B) {
	s := emulatortest.Start(b)
	vars := emulatorVars(s)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cardID, err := s.Client.Card.Create(b.Context(), admin.CardTypeCash, depositCoupon())
		require.NoError(b, err)
		file := writeLines(b, dir, fmt.Sprintf("codes-%d.txt", i), makeCodes(fmt.Sprintf("B%d-", i), benchCodes))
		b.StartTimer()
		r := runCLICtx(b.Context(), vars, "", "codes", "deposit", "--json", "--card", cardID, file)
		if r.code != exitOK {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	b.ReportMetric(float64(benchCodes*b.N)/b.Elapsed().Seconds(), "codes/s")
}

// BenchmarkDepositAdminClient is the floor: the same 10,000 codes through
// admin's Code.Deposit alone, without a journal.
func BenchmarkDepositAdminClient(b *testing.B) {
	s := emulatortest.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cardID, err := s.Client.Card.Create(b.Context(), admin.CardTypeCash, depositCoupon())
		require.NoError(b, err)
		codes := makeCodes(fmt.Sprintf("A%d-", i), benchCodes)
		b.StartTimer()
		res, err := s.Client.Code.Deposit(b.Context(), cardID, codes)
		require.NoError(b, err)
		require.Len(b, res.Succeeded, benchCodes)
	}
	b.ReportMetric(float64(benchCodes*b.N)/b.Elapsed().Seconds(), "codes/s")
}
