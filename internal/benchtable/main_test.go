package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	dir := t.TempDir()
	bench := filepath.Join(dir, "go.txt")
	require.NoError(t, os.WriteFile(bench, []byte(`goos: linux
BenchmarkFast-2    1000   300 ns/op   0 B/op   0 allocs/op
BenchmarkFast-2    1000   240 ns/op   0 B/op   0 allocs/op
BenchmarkBase-2    1000   200 ns/op
BenchmarkSlow      10     900 ns/op   2 allocs/op
BenchmarkSize      1      1024 bytes-gzip
PASS
`), 0o644))
	pairs := filepath.Join(dir, "pairs.tsv")
	require.NoError(t, os.WriteFile(pairs, []byte("# comment\nfast\tFast\tBase\tns/op\t<=1.5\nslow\tSlow\tBase\tns/op\t<=1.5\nmissing\tNope\tBase\tns/op\t\n"), 0o644))

	var out bytes.Buffer
	require.NoError(t, run(&out, pairs, []string{bench}))
	text := out.String()
	assert.Regexp(t, `fast\s+240 ns/op\s+200\s+1.20x\s+<=1.5 ok\s+0`, text, "the fastest of repeated runs counts")
	assert.Regexp(t, `slow\s+900 ns/op\s+200\s+4.50x\s+<=1.5 MISSED\s+2`, text)
	assert.Regexp(t, `missing\s+\(not run\)`, text)
	assert.Regexp(t, `Size\s+1024\s+bytes-gzip`, text)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(text), "1 ratio row(s) missed their target."))

	require.NoError(t, os.WriteFile(pairs, []byte("bad row\n"), 0o644))
	assert.Error(t, run(&out, pairs, []string{bench}))
	require.NoError(t, os.WriteFile(pairs, []byte("x\tFast\tBase\tns/op\t~2\n"), 0o644))
	out.Reset()
	require.NoError(t, run(&out, pairs, []string{bench}))
	assert.Contains(t, out.String(), `target "~2" is not <=X or >=X`)
}
