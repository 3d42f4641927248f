package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCodes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		input, column string
		want          []string
		repeated      int
	}{
		"lines":             {"a\nb\r\n  c  \n\n", "", []string{"a", "b", "c"}, 0},
		"no final newline":  {"a\nb", "", []string{"a", "b"}, 0},
		"repeats":           {"a\nb\na\na\n", "", []string{"a", "b"}, 2},
		"csv by number":     {"x,1\ny,2\n", "2", []string{"1", "2"}, 0},
		"csv by name":       {"sku,code\nx,1\ny,\nz\n", "code", []string{"1"}, 0},
		"csv quoted":        {"code\n\"a,b\"\n", "code", []string{"a,b"}, 0},
		"csv BOM in header": {"\uFEFFcode\nq\n", "code", []string{"q"}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := readCodes(strings.NewReader(tc.input), tc.column)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.codes)
			assert.Equal(t, tc.repeated, got.repeated)
			assert.Len(t, got.digest, 64)
		})
	}
}

func TestReadCodesNamesAtMostFiveBadLines(t *testing.T) {
	t.Parallel()
	_, err := readCodes(strings.NewReader(strings.Repeat("a\tb\n", 9)), "")
	require.ErrorIs(t, err, errUsage)
	assert.Equal(t, 5, strings.Count(err.Error(), "control character"))
	assert.Contains(t, err.Error(), "…")
}

// FuzzReadCodes: no input panics, and what is read can be sent: distinct,
// non-empty codes without control characters, within the length limit.
func FuzzReadCodes(f *testing.F) {
	f.Add("a\nb\n", "")
	f.Add("code,x\n1,2\n", "code")
	f.Add("\"unterminated\n", "1")
	f.Add("a\x00b\n", "")
	f.Fuzz(func(t *testing.T, input, column string) {
		got, err := readCodes(strings.NewReader(input), column)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range got.codes {
			assert.NotEmpty(t, c)
			assert.Empty(t, badCode(c))
			assert.False(t, seen[c], "codes are distinct")
			seen[c] = true
		}
	})
}
