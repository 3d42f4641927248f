package signer

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"testing"
)

// putTenDigits splits v into its first eight digits, worked on as two
// independent four-digit lanes, and its last two. Every value of each lane
// and of the last two digits, with the others held, covers all it computes.
func TestTenDigitsEveryLaneValue(t *testing.T) {
	t.Parallel()
	var b [10]byte
	var want []byte
	check := func(v uint64) {
		putTenDigits(&b, v)
		want = strconv.AppendUint(want[:0], v, 10)
		if string(b[:]) != string(want) {
			t.Fatalf("%d: got %s", v, b[:])
		}
	}
	for lane := uint64(0); lane < 1e4; lane++ {
		check((1414*1e4 + lane) * 100)
		if lane >= 1000 {
			check((lane*1e4+5874)*100 + 57)
		}
	}
	for last := uint64(0); last < 100; last++ {
		check(14145874*100 + last)
	}
	for _, v := range []uint64{1e9, 1e10 - 1, 1414587457, 1999999999, 1234500000, 1000099999, 9876543210} {
		check(v)
	}
}

func TestFormatIntOutsideTenDigits(t *testing.T) {
	t.Parallel()
	for _, v := range []int64{0, 1, 999999999, 1e10, 1e13, -1, math.MinInt64, math.MaxInt64} {
		var buf [20]byte
		if got := formatInt(&buf, v); got != strconv.FormatInt(v, 10) {
			t.Fatalf("%d: got %s", v, got)
		}
	}
}

func TestPutShortAndTinyEveryLength(t *testing.T) {
	t.Parallel()
	src := "abcdefghijklmnopqrstuvwxyz0123456789"
	for n := 0; n <= 32; n++ {
		var d [32]byte
		for i := range d {
			d[i] = '.'
		}
		if n < 8 {
			putTiny((*[8]byte)(d[:8]), src[:n])
		} else {
			putShort(&d, src[:n])
		}
		if string(d[:n]) != src[:n] || strings.Trim(string(d[n:]), ".") != "" {
			t.Fatalf("n=%d: %q", n, d)
		}
	}
}

var keySorters = []struct {
	n    int
	sort func(*[maxStackValues]uint64) bool
}{
	{6, sortingNetwork6},
	{7, sortingNetwork7},
	{5, func(k *[maxStackValues]uint64) bool { return insertionSortKeys(k[:5]) }},
}

// By the zero-one principle a comparator network sorts every input if it
// sorts every sequence of zeros and ones.
func TestSortingNetworks(t *testing.T) {
	t.Parallel()
	for _, tc := range keySorters {
		for mask := 0; mask < 1<<tc.n; mask++ {
			var all [maxStackValues]uint64
			for i := range tc.n {
				all[i] = uint64(mask >> i & 1)
			}
			tc.sort(&all)
			k := all[:tc.n]
			for i := 1; i < len(k); i++ {
				if k[i-1] > k[i] {
					t.Fatalf("n=%d mask=%b: %v", tc.n, mask, k)
				}
			}
		}
	}
}

// The tie report must be true exactly when two keys share a prefix: every
// assignment of prefixes 0-3 to the positions covers both outcomes.
func TestSortersReportTies(t *testing.T) {
	t.Parallel()
	for _, tc := range keySorters {
		total := 1
		for range tc.n {
			total *= 4
		}
		for code := range total {
			var all [maxStackValues]uint64
			seen := map[uint64]bool{}
			want := false
			c := code
			for i := range tc.n {
				prefix := uint64(c % 4)
				c /= 4
				want = want || seen[prefix]
				seen[prefix] = true
				all[i] = prefix<<8 | uint64(i)
			}
			if got := tc.sort(&all); got != want {
				t.Fatalf("n=%d code=%d: tie %v, want %v", tc.n, code, got, want)
			}
		}
	}
}

func TestPrefix7Order(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"", "a"}, {"a", "a\x00"}, {"abc", "abd"}, {"abcdefg", "abcdefgh"}, {"\xff", "\xff\x01"}, {"1234567", "12345678"}} {
		if prefix7(pair[0]) > prefix7(pair[1]) {
			t.Fatalf("%q > %q", pair[0], pair[1])
		}
	}
}

func TestPrefix7EveryShortLength(t *testing.T) {
	t.Parallel()
	src := "\x01\x82\x03\xf4\x05\x66\x07\x88\x09"
	for n := 0; n <= len(src); n++ {
		var want uint64
		for i := 0; i < n && i < 7; i++ {
			want |= uint64(src[i]) << (48 - 8*i)
		}
		if got := prefix7(src[:n]); got != want {
			t.Fatalf("n=%d: %x want %x", n, got, want)
		}
	}
}

func TestPutHexMatchesEncodingHex(t *testing.T) {
	t.Parallel()
	var sum [20]byte
	for round := range 64 {
		for i := range sum {
			sum[i] = byte(round*20 + i*13)
		}
		var out [hexLen]byte
		putHex(&out, &sum)
		if want := hex.EncodeToString(sum[:]); string(out[:]) != want {
			t.Fatalf("%s want %s", out[:], want)
		}
	}
}
