package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/internal/ctxsleep"
)

const depositAbout = `
Deposits custom codes for a card whose base_info has use_custom_code and
get_custom_code_mode GET_CUSTOM_CODE_MODE_DEPOSIT, 100 per call. FILE holds
one code per line, or with --column one column of a CSV file (a number
from 1, or a header name). Codes repeated in the file are sent once.

A journal beside FILE (FILE.journal) records every call before it is made
and its answer after, synced to disk: after Ctrl-C, a crash or a network
failure, run the same command again and it continues where it stopped,
depositing no code twice and losing none (a call whose answer was lost is
settled with card/code/checkcode). The final report counts codes
succeeded, duplicate (already deposited, or repeated in the file) and
failed; the failed codes are written to FILE.failed.

Depositing does not raise the card's stock: increase it after.

Exit status: 0 all deposited (or duplicates), 7 some codes refused,
5 WeChat unavailable after the retries, 130 interrupted; run again to
continue after 5 or 130.`

// depositReport is the outcome of an import, over every run of it.
type depositReport struct {
	CardID    string `json:"card_id"`
	File      string `json:"file"`
	Codes     int    `json:"codes"` // distinct codes in the file
	Complete  bool   `json:"complete"`
	Succeeded int    `json:"succeeded"`
	// Duplicate counts codes WeChat already had and lines repeating an
	// earlier line of the file (Repeated of them).
	Duplicate int `json:"duplicate"`
	Repeated  int `json:"repeated_in_file"`
	Failed    int `json:"failed"`
	// Recovered counts the succeeded codes of calls whose answer was lost,
	// found deposited by checkcode on resume.
	Recovered  int     `json:"recovered"`
	Pending    int     `json:"pending"` // codes not handled yet
	FailedFile string  `json:"failed_file,omitempty"`
	Journal    string  `json:"journal"`
	Resumed    bool    `json:"resumed"`
	Calls      int     `json:"calls"` // WeChat calls of this run
	Seconds    float64 `json:"seconds"`
	Rate       float64 `json:"codes_per_second"`
	// Error says why the run stopped before the end, with the code of
	// --json error bodies ("unavailable", "interrupted", "wechat_error"…).
	Error *reportError `json:"error,omitempty"`
}

type reportError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type depositor struct {
	inv      *invocation
	codes    *admin.CodeService
	cardID   string
	list     *codeList
	j        *journal
	retries  int
	backoff  time.Duration
	progress progress
	handled  int // codes of done chunks
	// handledBefore is handled when this run began.
	handledBefore int
	calls         int
	// pending is the done record of the last chunk, written with the next
	// send record (one sync per call) or when the run ends.
	pending []journalRecord
}

func runDeposit(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("codes deposit", "wxcard codes deposit --card ID [--column N|NAME] FILE", depositAbout)
	cardID := fs.String("card", "", "card `id` to deposit into (required)")
	column := fs.String("column", "", "read this CSV `column` (1-based number or header name) instead of one code per line")
	journalPath := fs.String("journal", "", "journal `path` (default FILE.journal)")
	failedPath := fs.String("failed-file", "", "where the failed codes are written (default FILE.failed)")
	restart := fs.Bool("restart", false, "discard an existing journal and start over (codes already deposited are reported as duplicates)")
	retries := fs.Int("retries", 3, "times a call that failed for want of an answer is tried again before stopping")
	rest, err := parseCommand(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *cardID == "" {
		return usagef("codes deposit: --card is required")
	}
	if *retries < 0 || *retries > 100 {
		return usagef("codes deposit: --retries must be 0..100")
	}
	file := rest[0]
	if *journalPath == "" {
		*journalPath = file + ".journal"
	}
	if *failedPath == "" {
		*failedPath = file + ".failed"
	}
	list, err := readCodesFile("codes deposit", file, *column)
	if err != nil {
		return err
	}
	if *restart {
		if err := os.Remove(*journalPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the journal: %w", err)
		}
	}
	a, err := inv.open(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	start := journalStart{CardID: *cardID, FileHash: list.digest, Codes: len(list.codes), Repeated: list.repeated, ChunkSize: admin.MaxCodesPerCall}
	j, err := openJournal(*journalPath, start)
	if err != nil {
		if errors.Is(err, errJournalForeign) {
			return usagef("%w", err)
		}
		return err
	}
	defer j.close()

	d := &depositor{inv: inv, codes: a.client.Code, cardID: *cardID, list: list, j: j, retries: *retries, backoff: 500 * time.Millisecond}
	report := &depositReport{CardID: *cardID, File: file, Codes: len(list.codes), Repeated: list.repeated,
		Journal: *journalPath, Resumed: len(j.done) > 0 || len(j.sent) > 0}
	for n := range j.done {
		from, to := start.bounds(n)
		d.handled += to - from
	}
	d.handledBefore = d.handled
	began := time.Now()
	d.progress = newProgress(inv.env.stderr, !inv.g.json && inv.stderrTerminal, len(list.codes), d.handled, time.Now)
	// Say at once that Ctrl-C was heard: the call in flight may take a while.
	stopped, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			inv.note("\nwxcard: stopping after the current call (Ctrl-C again to quit at once)\n")
		case <-stopped:
		}
	}()
	runErr := d.run(ctx)
	close(stopped)
	<-watched
	if err := d.flush(); err != nil && runErr == nil {
		runErr = err
	}
	d.progress.finish()
	report.Calls = d.calls
	return d.finish(report, *failedPath, runErr, began)
}

// run deposits every chunk without a done record, in order, and stops at
// Ctrl-C (between calls) or at a call that fails for good.
func (d *depositor) run(ctx context.Context) error {
	// Calls run to their end (bounded by callTimeout) even after Ctrl-C, so
	// the journal records their answer.
	callCtx := context.WithoutCancel(ctx)
	for n := 0; n < d.j.start.chunks(); n++ {
		if _, ok := d.j.done[n]; ok {
			continue
		}
		if ctx.Err() != nil {
			return errInterrupted
		}
		res, err := d.chunkWithRetries(ctx, callCtx, n)
		if err != nil {
			return err
		}
		d.j.done[n] = res
		d.pending = append(d.pending, doneRecord(n, res))
		from, to := d.j.start.bounds(n)
		d.handled += to - from
		d.progress.set(d.handled)
	}
	return nil
}

func (d *depositor) chunkWithRetries(ctx, callCtx context.Context, n int) (chunkResult, error) {
	wait := d.backoff
	for attempt := 0; ; attempt++ {
		res, err := d.chunk(callCtx, n)
		if err == nil || !transient(err) || attempt >= d.retries {
			return res, err
		}
		d.inv.note("wxcard: chunk %d of %d: %v; trying again in %s\n", n+1, d.j.start.chunks(), err, wait)
		if ctxsleep.Sleep(ctx, wait) != nil {
			return res, errInterrupted
		}
		wait = min(2*wait, 8*time.Second)
	}
}

// chunk deposits one chunk. A chunk the journal says was sent is settled
// with checkcode first: what is there was deposited by that call.
func (d *depositor) chunk(ctx context.Context, n int) (chunkResult, error) {
	from, to := d.j.start.bounds(n)
	send := d.list.codes[from:to]
	var res chunkResult
	if d.j.sent[n] {
		d.calls++
		chk, err := d.codes.Check(ctx, d.cardID, send)
		if err != nil {
			return res, fmt.Errorf("settling chunk %d, whose answer was lost: %w", n+1, err)
		}
		res.Recovered = len(chk.Exist)
		res.Succeeded = len(chk.Exist)
		send = append(chk.NotExist, chk.Unchecked...)
		if len(send) == 0 {
			return res, nil
		}
	}
	if err := d.flush(sendRecord(d.j.start, n)); err != nil {
		return res, err
	}
	d.calls++
	out, err := d.codes.Deposit(ctx, d.cardID, send)
	if err != nil {
		return res, fmt.Errorf("chunk %d of %d: %w", n+1, d.j.start.chunks(), err)
	}
	res.Succeeded += len(out.Succeeded)
	res.Duplicate += len(out.Duplicate)
	res.Failed = append(res.Failed, out.Failed...)
	if len(out.Unconfirmed) > 0 {
		// WeChat answered without naming these: ask.
		d.calls++
		chk, err := d.codes.Check(ctx, d.cardID, out.Unconfirmed)
		if err != nil {
			return res, fmt.Errorf("chunk %d: checking codes the answer left out: %w", n+1, err)
		}
		res.Recovered += len(chk.Exist)
		res.Succeeded += len(chk.Exist)
		res.Failed = append(res.Failed, chk.NotExist...)
		res.Failed = append(res.Failed, chk.Unchecked...)
	}
	return res, nil
}

// flush writes the pending done record, with more records after it.
func (d *depositor) flush(more ...journalRecord) error {
	recs := append(d.pending, more...)
	if len(recs) == 0 {
		return nil
	}
	if err := d.j.append(recs...); err != nil {
		return err
	}
	d.pending = nil
	return nil
}

// finish totals the journal, writes the failed codes and prints the report.
func (d *depositor) finish(r *depositReport, failedPath string, runErr error, began time.Time) error {
	var failed []string
	for _, res := range d.j.done {
		r.Succeeded += res.Succeeded
		r.Duplicate += res.Duplicate
		r.Recovered += res.Recovered
		failed = append(failed, res.Failed...)
	}
	r.Duplicate += r.Repeated
	r.Failed = len(failed)
	r.Pending = r.Codes - d.handled
	r.Complete = r.Pending == 0
	r.Seconds = time.Since(began).Seconds()
	if r.Seconds > 0 {
		r.Rate = float64(d.handled-d.handledBefore) / r.Seconds
	}
	if len(failed) > 0 {
		// In file order, so the failed file reads like the input.
		index := make(map[string]int, len(failed))
		for _, c := range failed {
			index[c] = 1
		}
		ordered := make([]string, 0, len(failed))
		for _, c := range d.list.codes {
			if index[c] == 1 {
				ordered = append(ordered, c)
			}
		}
		if err := os.WriteFile(failedPath, []byte(strings.Join(ordered, "\n")+"\n"), 0o600); err != nil {
			return errors.Join(runErr, fmt.Errorf("writing the failed codes: %w", err))
		}
		r.FailedFile = failedPath
	}
	if runErr != nil {
		_, code := classify(runErr)
		r.Error = &reportError{Code: code, Message: runErr.Error()}
	}
	d.inv.output(r, func() { d.printReport(r) })
	switch {
	case runErr != nil:
		return &reported{runErr}
	case r.Failed > 0:
		return &reported{fmt.Errorf("%w: %d codes failed (listed in %s)", errIncomplete, r.Failed, failedPath)}
	}
	return nil
}

func (d *depositor) printReport(r *depositReport) {
	status := "complete"
	if !r.Complete {
		status = fmt.Sprintf("stopped, %d codes left: run the same command again to continue", r.Pending)
	}
	d.inv.printf("codes deposit into %s: %s\n", r.CardID, status)
	d.inv.printf("  succeeded  %d", r.Succeeded)
	if r.Recovered > 0 {
		d.inv.printf(" (%d confirmed by checkcode after a lost answer)", r.Recovered)
	}
	d.inv.printf("\n  duplicate  %d", r.Duplicate)
	if r.Repeated > 0 {
		d.inv.printf(" (%d repeated in the file)", r.Repeated)
	}
	d.inv.printf("\n  failed     %d", r.Failed)
	if r.FailedFile != "" {
		d.inv.printf(" (listed in %s)", r.FailedFile)
	}
	d.inv.printf("\n  this run   %d calls, %.1fs, %.0f codes/s\n  journal    %s\n", r.Calls, r.Seconds, r.Rate, r.Journal)
	if r.Complete && r.Succeeded > 0 {
		d.inv.printf("Depositing does not raise the stock: increase the card's sku quantity to match.\n")
	}
}

// reported wraps an error whose outcome the command has printed already:
// only its exit status and a line on stderr remain to be given.
type reported struct{ err error }

func (e *reported) Error() string { return e.err.Error() }
func (e *reported) Unwrap() error { return e.err }
