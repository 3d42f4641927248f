package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/internal/testproc"
)

// resumeCodesEnv overrides the number of codes of the kill-and-resume test
// (100,000 by default, as an operator's import).
const resumeCodesEnv = "WXCARD_CLI_RESUME_CODES"

// depositWire sits between the CLI and the emulator. It counts every code
// each deposit call carries, and holds one call (holdAt, 1-based) after the
// emulator has applied it, so the client is killed with its answer lost.
type depositWire struct {
	next   http.Handler
	holdAt int

	mu    sync.Mutex
	calls int
	sent  map[string]int

	held    chan struct{} // closed when the held call has been applied
	release chan struct{} // closed by the test to let it answer
}

func (w *depositWire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/card/code/deposit" {
		w.next.ServeHTTP(rw, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(rw, "read", http.StatusBadRequest)
		return
	}
	var req struct {
		Code []string `json:"code"`
	}
	_ = json.Unmarshal(body, &req)
	w.mu.Lock()
	w.calls++
	call := w.calls
	for _, c := range req.Code {
		w.sent[c]++
	}
	w.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if call != w.holdAt {
		w.next.ServeHTTP(rw, r)
		return
	}
	applied := httptest.NewRecorder()
	w.next.ServeHTTP(applied, r)
	close(w.held)
	<-w.release
	// The client is gone by now; the answer is lost with it.
	rw.WriteHeader(applied.Code)
	rw.Write(applied.Body.Bytes())
}

// heldDeposit is a `codes deposit` run of the real binary through a
// depositWire that is holding call holdAt: first is that run, cmd starts
// another one the same way, release lets the held call answer.
type heldDeposit struct {
	wire    *depositWire
	cmd     testproc.Command
	first   *testproc.Process
	release func()
}

// startHeldDeposit writes codes to a file, starts depositing them to
// cardID through a depositWire in front of s, and returns once the wire
// holds call holdAt.
func startHeldDeposit(t *testing.T, bin string, s *emulatortest.Server, cardID string, holdAt int, codes []string) *heldDeposit {
	t.Helper()
	wire := &depositWire{next: s.Recorder, holdAt: holdAt, sent: map[string]int{}, held: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(wire)
	t.Cleanup(srv.Close)
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(wire.release) }) }
	t.Cleanup(release)

	dir := t.TempDir()
	file := writeLines(t, dir, "codes.txt", codes)
	cmd := testproc.Command{Path: bin, Args: []string{"codes", "deposit", "--json", "--card", cardID, file},
		Env: []string{"HOME=" + dir, "WXCARD_APPID=" + s.AppID, "WXCARD_SECRET=" + s.Secret, "WXCARD_BASE_URL=" + srv.URL}}
	first, err := testproc.Start(cmd)
	require.NoError(t, err)
	t.Cleanup(first.Kill)
	select {
	case <-wire.held:
	case <-first.Done():
		t.Fatalf("the first run ended before call %d:\n%s", holdAt, first.Output())
	case <-time.After(2 * time.Minute):
		t.Fatalf("call %d never came:\n%s", holdAt, first.Output())
	}
	return &heldDeposit{wire: wire, cmd: cmd, first: first, release: release}
}

// TestDepositKilledMidCallResumesExactlyOnce imports 100,000 codes with the
// real binary, kills it with SIGKILL while a deposit call WeChat has
// applied is waiting for its answer, and runs the same command again: every
// code ends up deposited, each sent in exactly one deposit call, and the
// report counts all of them as succeeded.
func TestDepositKilledMidCallResumesExactlyOnce(t *testing.T) {
	t.Parallel()
	n := 100_000
	if v := os.Getenv(resumeCodesEnv); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, resumeCodesEnv)
		require.GreaterOrEqual(t, n, 300, "the test kills the import part-way: give it at least 3 calls")
	}
	bin, err := testproc.Build(t.Context(), ".", ".")
	require.NoError(t, err)

	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	calls := (n + 99) / 100
	codes := makeCodes("R", n)
	run := startHeldDeposit(t, bin, s, cardID, calls*2/5, codes)
	wire, cmd, first, release := run.wire, run.cmd, run.first, run.release
	first.Kill() // SIGKILL: no chance to record anything more
	release()

	second, err := testproc.Start(cmd)
	require.NoError(t, err)
	t.Cleanup(second.Kill)
	status, err := second.Wait(2 * time.Minute)
	require.NoError(t, err, second.Output())
	require.Equal(t, exitOK, status, second.Output())

	var report depositReport
	require.NoError(t, json.Unmarshal([]byte(second.Stdout.String()), &report), second.Output())
	assert.True(t, report.Complete)
	assert.True(t, report.Resumed)
	assert.Equal(t, n, report.Codes)
	assert.Equal(t, n, report.Succeeded, "codes of the killed call count as succeeded, not duplicate")
	assert.Zero(t, report.Duplicate)
	assert.Zero(t, report.Failed)
	assert.Equal(t, 100, report.Recovered, "the call killed mid-answer was settled by checkcode")
	assert.Zero(t, report.Pending)

	// The emulator's state: all of them, once.
	count, err := s.Client.Code.DepositedCount(t.Context(), cardID)
	require.NoError(t, err)
	assert.Equal(t, n, count)
	check, err := s.Client.Code.Check(t.Context(), cardID, codes)
	require.NoError(t, err)
	assert.Len(t, check.Exist, n)
	assert.Empty(t, check.NotExist)

	// On the wire: each code went out in exactly one deposit call.
	wire.mu.Lock()
	defer wire.mu.Unlock()
	assert.Len(t, wire.sent, n)
	for _, c := range codes {
		if wire.sent[c] != 1 {
			t.Fatalf("code %s was sent %d times", c, wire.sent[c])
		}
	}
	assert.Equal(t, calls, wire.calls, "one deposit call per chunk over both runs")
}

// TestDepositCtrlCFinishesTheCallInFlight sends SIGINT to the real binary
// while a call is in flight: the call is answered and recorded, the run
// stops with status 130, and the next run sends only the rest.
func TestDepositCtrlCFinishesTheCallInFlight(t *testing.T) {
	t.Parallel()
	bin, err := testproc.Build(t.Context(), ".", ".")
	require.NoError(t, err)
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	codes := makeCodes("S", 1000)
	run := startHeldDeposit(t, bin, s, cardID, 4, codes)
	wire, cmd, first, release := run.wire, run.cmd, run.first, run.release
	require.NoError(t, first.Signal(os.Interrupt))
	_, err = first.WaitForLine(time.Minute, regexp.MustCompile(`stopping after the current call`))
	require.NoError(t, err, first.Output())
	release()
	status, err := first.Wait(time.Minute)
	require.NoError(t, err)
	assert.Equal(t, exitInterrupted, status, first.Output())
	var report depositReport
	require.NoError(t, json.Unmarshal([]byte(first.Stdout.String()), &report), first.Output())
	assert.Equal(t, 400, report.Succeeded, "the call in flight was answered and recorded")
	assert.Equal(t, 600, report.Pending)

	second, err := testproc.Start(cmd)
	require.NoError(t, err)
	t.Cleanup(second.Kill)
	status, err = second.Wait(time.Minute)
	require.NoError(t, err)
	require.Equal(t, exitOK, status, second.Output())
	require.NoError(t, json.Unmarshal([]byte(second.Stdout.String()), &report))
	assert.Equal(t, 1000, report.Succeeded)
	assert.Zero(t, report.Recovered, "nothing was left unanswered")
	wire.mu.Lock()
	defer wire.mu.Unlock()
	assert.Equal(t, 10, wire.calls)
	for _, c := range codes {
		require.Equal(t, 1, wire.sent[c], c)
	}
}
