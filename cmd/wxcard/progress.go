package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far a deposit is. On a terminal it is a bar with the
// rate and the time left; elsewhere (a log file, a CI job) one plain line
// at every tenth of the way, which a log can hold.
type progress interface {
	// set reports the codes handled so far, of the whole file.
	set(done int)
	finish()
}

func newProgress(w io.Writer, terminal bool, total, already int, now func() time.Time) progress {
	if terminal {
		bar := progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("depositing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("codes"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		_ = bar.Set(already)
		return barProgress{bar}
	}
	return &lineProgress{w: w, total: total, already: already, lastStep: already * 10 / total, start: now(), now: now}
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b barProgress) set(done int) { _ = b.bar.Set(done) }
func (b barProgress) finish()      { _ = b.bar.Finish() }

// lineProgress prints "deposited 30000/100000 codes (30%), 5120 codes/s,
// about 14s left" each time another tenth is done.
type lineProgress struct {
	w                    io.Writer
	total, already, done int
	lastStep             int
	start                time.Time
	now                  func() time.Time
}

func (p *lineProgress) set(done int) {
	p.done = done
	if step := done * 10 / p.total; step > p.lastStep {
		p.lastStep = step
		p.line()
	}
}

func (p *lineProgress) line() {
	elapsed := p.now().Sub(p.start)
	line := fmt.Sprintf("deposited %d/%d codes (%d%%)", p.done, p.total, p.done*100/p.total)
	if ran := p.done - p.already; ran > 0 && elapsed > 0 {
		rate := float64(ran) / elapsed.Seconds()
		line += fmt.Sprintf(", %.0f codes/s", rate)
		if left := p.total - p.done; left > 0 {
			line += fmt.Sprintf(", about %s left", time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	fmt.Fprintln(p.w, line)
}

func (p *lineProgress) finish() {}
