// Package mk_test checks the scripts `make` runs: fuzz.sh, which must tell
// a fuzzer's finding (fail, with the input) from a fuzz worker that died on
// its own (retry once), and Go's own fuzztime deadline race from both.
package mk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzTargets are the targets of the throwaway module the script fuzzes.
const fuzzTargets = `package demo

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

func FuzzFinds(f *testing.F) {
	f.Add("a")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "z") {
			t.Fatal("found z")
		}
	})
}

func FuzzSeedFails(f *testing.F) {
	f.Add("z")
	f.Fuzz(func(t *testing.T, s string) {
		if s == "z" {
			t.Fatal("seed z")
		}
	})
}

// killWorker kills the fuzz worker itself, as the kernel's OOM killer or a
// loaded machine's timeout would: Go records no input for it. With a marker
// path it does so once, then never again.
func killWorker(marker string) {
	if marker != "" {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		os.WriteFile(marker, nil, 0o644)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

func FuzzWorkerDiesOnce(f *testing.F) {
	f.Add("a")
	marker := os.Getenv("DEMO_MARKER")
	f.Fuzz(func(t *testing.T, s string) {
		if s != "a" { // any mutated input
			killWorker(marker)
		}
	})
}

func FuzzWorkerDiesAlways(f *testing.F) {
	f.Add("a")
	f.Fuzz(func(t *testing.T, s string) {
		if s != "a" {
			killWorker("")
		}
	})
}
`

// runFuzz runs fuzz.sh on one target of a fresh module and returns its
// output and whether it succeeded.
func runFuzz(t *testing.T, fuzztime, target string) (string, bool, string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/demo\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "demo_test.go"), []byte(fuzzTargets), 0o644))
	script, err := filepath.Abs("fuzz.sh")
	require.NoError(t, err)
	cmd := exec.Command("bash", script, fuzztime, ".:"+target)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEMO_MARKER="+filepath.Join(dir, "killed-once"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "fuzz.sh did not run: %s", out)
	}
	return string(out), err == nil, dir
}

// runFakeGo runs fuzz.sh with a go command that prints output and fails,
// as Go's fuzzer does in the cases a real run cannot be made to hit at will.
func runFakeGo(t *testing.T, output string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	fake := filepath.Join(dir, "go")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\ncat <<'EOF'\n"+output+"EOF\nexit 1\n"), 0o755))
	script, err := filepath.Abs("fuzz.sh")
	require.NoError(t, err)
	cmd := exec.Command("bash", script, "10s", "./demo:FuzzX")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO="+fake)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "fuzz.sh did not run: %s", out)
	}
	return string(out), err == nil
}

func TestFuzzScriptDeadlineRace(t *testing.T) {
	t.Parallel()
	const race = "fuzz: elapsed: 11s, execs: 64687 (0/sec), new interesting: 70 (total: 72)\n" +
		"--- FAIL: FuzzX (11.04s)\n    context deadline exceeded\nFAIL\nexit status 1\n"
	tests := []struct {
		name, output string
		ok           bool
		want         string
	}{
		{"Go's bare deadline error twice is reported, not failed", race, true,
			"fuzz: failed twice with only Go's fuzztime deadline race (go.dev/issue/75804), no input: ./demo:FuzzX"},
		{"a deadline error with a dead worker still fails", "fuzzing process hung or terminated unexpectedly: exit status 2\n" + race, false,
			"fuzz: FAILED: ./demo:FuzzX (failed twice without an input)"},
		{"a deadline error with a build failure still fails", "# example.com/demo\n./demo_test.go:3:1: syntax error\n" + race, false,
			"fuzz: FAILED: ./demo:FuzzX (failed twice without an input)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, ok := runFakeGo(t, tt.output)
			assert.Equal(t, tt.ok, ok, out)
			assert.Contains(t, out, "retrying once")
			assert.Contains(t, out, tt.want)
		})
	}
}

func TestFuzzScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go fuzzer four times")
	}
	t.Parallel()

	t.Run("a found input fails with its path and content", func(t *testing.T) {
		t.Parallel()
		// The fuzzer stops at its first finding, long before the budget.
		out, ok, dir := runFuzz(t, "120s", "FuzzFinds")
		assert.False(t, ok, out)
		assert.Contains(t, out, "found a failing input")
		assert.Contains(t, out, "saved as "+filepath.Join(dir, "testdata", "fuzz", "FuzzFinds")+"/")
		assert.Contains(t, out, "go test fuzz v1\nstring(")
		assert.Contains(t, out, "fuzz: FAILED: .:FuzzFinds (input found)")
		assert.NotContains(t, out, "retrying")
		saved, err := filepath.Glob(filepath.Join(dir, "testdata", "fuzz", "FuzzFinds", "*"))
		require.NoError(t, err)
		assert.Len(t, saved, 1)
	})

	// Without an input to show, a target is retried once: a seed that fails
	// is a finding of its own, a worker that dies on the retry too fails.
	for _, tc := range []struct {
		name, target string
		ok           bool
		says         []string
		neverSays    string
	}{
		{"a failing seed is not retried", "FuzzSeedFails", false,
			[]string{"fuzz: FAILED: .:FuzzSeedFails (a committed seed fails)"}, "retrying"},
		{"a worker that dies without an input is retried and reported", "FuzzWorkerDiesOnce", true,
			[]string{"retrying once", "fuzz: passed on the retry after a failure without an input: .:FuzzWorkerDiesOnce"}, "FAILED"},
		{"a worker that dies twice fails", "FuzzWorkerDiesAlways", false,
			[]string{"retrying once", "fuzz: FAILED: .:FuzzWorkerDiesAlways (failed twice without an input)"}, "deadline race"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, ok, _ := runFuzz(t, "300x", tc.target)
			assert.Equal(t, tc.ok, ok, out)
			for _, want := range tc.says {
				assert.Contains(t, out, want)
			}
			assert.NotContains(t, out, tc.neverSays)
		})
	}
}
