// Package seedfuzz runs one differential check over a table of seed inputs
// twice: as a plain test, so every `go test` holds the seeds, and as the
// seed corpus of a fuzz target, so `go test -fuzz` starts from them.
package seedfuzz

import "testing"

// Test runs check on every seed.
func Test(t *testing.T, seeds []string, check func(*testing.T, []byte)) {
	t.Helper()
	for _, s := range seeds {
		check(t, []byte(s))
	}
}

// Fuzz adds the seeds to f's corpus and fuzzes check.
func Fuzz(f *testing.F, seeds []string, check func(*testing.T, []byte)) {
	f.Helper()
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(check)
}
