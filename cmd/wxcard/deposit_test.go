package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
)

func decodeReport(t *testing.T, r result) depositReport {
	t.Helper()
	var rep depositReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	return rep
}

func TestDepositReportsDuplicatesRepeatsAndFailures(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	already := makeCodes("OLD", 3)
	_, err := s.Client.Code.Deposit(t.Context(), cardID, already)
	require.NoError(t, err)

	fresh := makeCodes("NEW", 250)
	tooLong := strings.Repeat("X", 21) // WeChat takes codes of up to 20 bytes
	lines := append(append([]string{"  " + fresh[0] + "  ", "", fresh[0]}, fresh[1:]...), already[0], already[1], tooLong, already[2], fresh[7])
	dir := t.TempDir()
	file := writeLines(t, dir, "codes.txt", lines)

	r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--card", cardID, file)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	rep := decodeReport(t, r)
	assert.True(t, rep.Complete)
	assert.Equal(t, 254, rep.Codes, "250 fresh, 3 old, 1 too long; repeats once")
	assert.Equal(t, 250, rep.Succeeded)
	assert.Equal(t, 5, rep.Duplicate, "3 deposited before, 2 repeated lines")
	assert.Equal(t, 2, rep.Repeated)
	assert.Equal(t, 1, rep.Failed)
	assert.Equal(t, file+".failed", rep.FailedFile)
	failed, err := os.ReadFile(rep.FailedFile)
	require.NoError(t, err)
	assert.Equal(t, tooLong+"\n", string(failed))
	assert.Contains(t, r.stderr, "1 codes failed")

	// Run again: the journal says it is all done; nothing is sent.
	before := s.Calls("/card/code/deposit")
	again := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--card", cardID, file)
	assert.Equal(t, exitIncomplete, again.code)
	assert.Equal(t, rep.Succeeded, decodeReport(t, again).Succeeded)
	assert.Equal(t, before, s.Calls("/card/code/deposit"))
	assert.Zero(t, decodeReport(t, again).Calls)
}

func TestDepositTextReport(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	file := writeLines(t, t.TempDir(), "codes.txt", makeCodes("T", 1234))
	r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--card", cardID, file)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "codes deposit into "+cardID+": complete")
	assert.Contains(t, r.stdout, "succeeded  1234")
	assert.Contains(t, r.stdout, "Depositing does not raise the stock")
	// Not a terminal: plain progress lines, one per tenth.
	assert.Contains(t, r.stderr, "deposited 1234/1234 codes (100%)")
	assert.Equal(t, 10, strings.Count(r.stderr, "deposited "), r.stderr)
	assert.NotContains(t, r.stderr, s.Secret)
}

func TestDepositLostAnswerRetriedOrResumed(t *testing.T) {
	t.Parallel()
	lost := emulator.Faults{Rules: []emulator.FaultRule{{Path: "card/code/deposit", Count: 1, Disconnect: true}}}

	t.Run("stopped, then run again", func(t *testing.T) {
		t.Parallel()
		s := emulatortest.Start(t)
		cardID := newDepositCard(t, s)
		codes := makeCodes("L", 300)
		file := writeLines(t, t.TempDir(), "codes.txt", codes)
		require.NoError(t, s.Emu.SetFaults(lost))
		r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--retries", "0", "--card", cardID, file)
		require.Equal(t, exitUnavailable, r.code, r.stderr)
		rep := decodeReport(t, r)
		assert.False(t, rep.Complete)
		assert.Equal(t, 300, rep.Pending)
		assert.Contains(t, r.stderr, "chunk 1 of 3")
		require.NotNil(t, rep.Error)
		assert.Equal(t, "unavailable", rep.Error.Code)

		r = runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--retries", "0", "--card", cardID, file)
		require.Equal(t, exitOK, r.code, r.stderr)
		rep = decodeReport(t, r)
		assert.Equal(t, 300, rep.Succeeded)
		assert.Equal(t, 100, rep.Recovered, "the lost answer's codes were found deposited")
		assert.Zero(t, rep.Duplicate)
		n, err := s.Client.Code.DepositedCount(t.Context(), cardID)
		require.NoError(t, err)
		assert.Equal(t, 300, n)
	})

	t.Run("retried in the same run", func(t *testing.T) {
		t.Parallel()
		s := emulatortest.Start(t)
		cardID := newDepositCard(t, s)
		file := writeLines(t, t.TempDir(), "codes.txt", makeCodes("M", 300))
		require.NoError(t, s.Emu.SetFaults(lost))
		r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--card", cardID, file)
		require.Equal(t, exitOK, r.code, r.stderr)
		rep := decodeReport(t, r)
		assert.Equal(t, 300, rep.Succeeded)
		assert.Equal(t, 100, rep.Recovered)
		assert.Contains(t, r.stderr, "trying again")
		assert.Equal(t, 3, s.Calls("/card/code/deposit"), "the lost call is settled by checkcode, not sent again")
	})
}

func TestDepositRefusedCallStops(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	file := writeLines(t, t.TempDir(), "codes.txt", makeCodes("U", 10))
	r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--card", "pUnknownCard000000000000000", file)
	assert.Equal(t, exitWeChat, r.code, r.stderr)
	assert.Contains(t, r.stderr, "errcode=")
	rep := decodeReport(t, r)
	assert.Equal(t, 10, rep.Pending)
}

func TestDepositInterrupted(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	file := writeLines(t, t.TempDir(), "codes.txt", makeCodes("I", 500))
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // Ctrl-C before the first call
	r := runCLICtx(ctx, emulatorVars(s), "", "codes", "deposit", "--json", "--card", cardID, file)
	assert.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Equal(t, 500, decodeReport(t, r).Pending)

	r = runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--card", cardID, file)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, 500, decodeReport(t, r).Succeeded)
}

func TestDepositJournalBelongsToOneImport(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	other := newDepositCard(t, s)
	dir := t.TempDir()
	file := writeLines(t, dir, "codes.txt", makeCodes("J", 150))
	r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--card", cardID, file)
	require.Equal(t, exitOK, r.code, r.stderr)

	r = runCLI(t, emulatorVars(s), "", "codes", "deposit", "--card", other, file)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--restart")

	writeLines(t, dir, "codes.txt", makeCodes("K", 150))
	r = runCLI(t, emulatorVars(s), "", "codes", "deposit", "--card", cardID, file)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "the codes file changed")

	r = runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--restart", "--card", other, file)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, 150, decodeReport(t, r).Succeeded)
}

func TestDepositCSVColumn(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	dir := t.TempDir()
	csvFile := writeLines(t, dir, "codes.csv", []string{"\uFEFFid,code,note", `1,C001,"a, b"`, "2,C002,", "3,,empty", "4,C003"})
	r := runCLI(t, emulatorVars(s), "", "codes", "deposit", "--json", "--column", "code", "--card", cardID, csvFile)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, 3, decodeReport(t, r).Succeeded)

	check := runCLI(t, emulatorVars(s), "", "codes", "check", "--json", "--card", cardID, "--file", csvFile, "--column", "2")
	require.Equal(t, exitOK, check.code, check.stderr)
	var got struct{ Exist, NotExist []string }
	require.NoError(t, json.Unmarshal([]byte(check.stdout), &struct {
		Exist    *[]string `json:"exist"`
		NotExist *[]string `json:"not_exist"`
	}{&got.Exist, &got.NotExist}))
	assert.Equal(t, []string{"C001", "C002", "C003"}, got.Exist)
	assert.Equal(t, []string{"code"}, got.NotExist, "by number, the header row is a row")
}

func TestDepositRefusesBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(bad, []byte("A1\nA\x012\n"+strings.Repeat("Z", 129)+"\n"), 0o600))
	empty := writeLines(t, dir, "empty.txt", []string{"", "  "})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no card":        {[]string{"codes", "deposit", bad}, "--card is required"},
		"no file":        {[]string{"codes", "deposit", "--card", "p1"}, "missing argument"},
		"two files":      {[]string{"codes", "deposit", "--card", "p1", bad, bad}, "unexpected argument"},
		"missing file":   {[]string{"codes", "deposit", "--card", "p1", filepath.Join(dir, "nope")}, "no such file"},
		"control char":   {[]string{"codes", "deposit", "--card", "p1", bad}, "line 2: the code contains a control character"},
		"too long":       {[]string{"codes", "deposit", "--card", "p1", bad}, "line 3: the code is longer than 128 bytes"},
		"empty":          {[]string{"codes", "deposit", "--card", "p1", empty}, "no codes"},
		"bad column":     {[]string{"codes", "deposit", "--card", "p1", "--column", "0", empty}, "numbered from 1"},
		"unknown header": {[]string{"codes", "deposit", "--card", "p1", "--column", "sku", bad}, "no such column"},
		"bad retries":    {[]string{"codes", "deposit", "--card", "p1", "--retries", "-1", bad}, "--retries"},
		"unknown flag":   {[]string{"codes", "deposit", "--nope", bad}, "flag provided but not defined"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, emulatorVars(s), "", tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
	assert.Zero(t, s.Calls("/card/code/deposit"))
}
