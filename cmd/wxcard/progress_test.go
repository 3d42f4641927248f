package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator/emulatortest"
)

func TestLineProgressRateAndTimeLeft(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	p := newProgress(&out, false, 1000, 200, clock)
	now = now.Add(2 * time.Second)
	p.set(250) // still in the same tenth as 200: nothing printed
	assert.Empty(t, out.String())
	p.set(400)
	assert.Equal(t, "deposited 400/1000 codes (40%), 100 codes/s, about 6s left\n", out.String(), "the rate counts this run's codes only")
	out.Reset()
	p.set(1000)
	assert.Equal(t, "deposited 1000/1000 codes (100%), 400 codes/s\n", out.String())
}

func TestProgressBarOnATerminal(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	cardID := newDepositCard(t, s)
	file := writeLines(t, t.TempDir(), "codes.txt", makeCodes("P", 500))
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"codes", "deposit", "--card", cardID, file}, &env{
		getenv:     emulatorVars(s).Get,
		stdin:      strings.NewReader(""),
		stdout:     &out,
		stderr:     &errOut,
		isTerminal: func(w io.Writer) bool { return w == &errOut },
	})
	require.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "depositing")
	assert.Contains(t, errOut.String(), "500/500")
	assert.Contains(t, errOut.String(), "codes/s")
	assert.NotContains(t, errOut.String(), "deposited 500/500", "a bar, not log lines")
}
