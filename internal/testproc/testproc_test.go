package testproc_test

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testproc"
)

var readyRE = regexp.MustCompile(`Ready on (127\.0\.0\.1:\d+)\.`)

func child(t *testing.T) string {
	t.Helper()
	bin, err := testproc.Build(t.Context(), ".", "./testdata/child")
	require.NoError(t, err)
	return bin
}

func TestBuildOncePerPackage(t *testing.T) {
	t.Parallel()
	a := child(t)
	b := child(t)
	assert.Equal(t, a, b)
	_, err := testproc.Build(t.Context(), ".", "./testdata/nosuchpackage")
	assert.Error(t, err)
}

func TestStartWaitStop(t *testing.T) {
	t.Parallel()
	p, err := testproc.Start(testproc.Command{Path: child(t)})
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	m, err := p.WaitForLine(30*time.Second, readyRE)
	require.NoError(t, err, p.Output())
	require.NoError(t, p.WaitForPort(5*time.Second, m[1]))
	code, err := p.Stop(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Contains(t, p.Stderr.String(), "stopping")
	_, err = p.Stop(time.Second)
	assert.NoError(t, err, "stopping an ended process is harmless")
}

func TestWaitsReportAnEarlyExit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wait func(*testproc.Process) error
	}{
		{"line", func(p *testproc.Process) error { _, err := p.WaitForLine(30*time.Second, readyRE); return err }},
		{"port", func(p *testproc.Process) error { return p.WaitForPort(30*time.Second, "127.0.0.1:1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := testproc.Start(testproc.Command{Path: child(t), Args: []string{"-exit", "3"}})
			require.NoError(t, err)
			assert.ErrorIs(t, tt.wait(p), testproc.ErrExited)
			code, err := p.Wait(5 * time.Second)
			require.NoError(t, err)
			assert.Equal(t, 3, code)
			assert.Contains(t, p.Output(), "bye")
		})
	}
}

func TestWaitForLineTimesOut(t *testing.T) {
	t.Parallel()
	p, err := testproc.Start(testproc.Command{Path: child(t)})
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	_, err = p.WaitForLine(50*time.Millisecond, regexp.MustCompile(`never printed`))
	assert.ErrorIs(t, err, testproc.ErrTimeout)
	_, err = p.Wait(10 * time.Millisecond)
	assert.ErrorIs(t, err, testproc.ErrTimeout)
}

func TestFreePort(t *testing.T) {
	t.Parallel()
	port, err := testproc.FreePort()
	require.NoError(t, err)
	assert.Positive(t, port)
}

func TestBuildNamesTheBinaryAfterThePackage(t *testing.T) {
	t.Parallel()
	bin, err := testproc.Build(t.Context(), "./testdata/child", ".")
	require.NoError(t, err)
	assert.Equal(t, "child", filepath.Base(bin))
}
