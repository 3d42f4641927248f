package signer

import (
	"strconv"
	"testing"
)

func TestTenDigitsExhaustiveHalves(t *testing.T) {
	var b [5]byte
	for v := uint64(0); v < 100000; v++ {
		putFiveDigits(b[:], v)
		want := strconv.FormatUint(v+100000, 10)[1:]
		if string(b[:]) != want {
			t.Fatalf("%d: %s want %s", v, b[:], want)
		}
	}
	for _, v := range []uint64{1e9, 1e10 - 1, 1414587457, 1999999999, 1234500000, 1000099999} {
		if got := string(appendTenDigits(nil, v)); got != strconv.FormatUint(v, 10) {
			t.Fatalf("%d: %s", v, got)
		}
	}
}

// By the zero-one principle a comparator network sorts every input if it
// sorts every sequence of zeros and ones.
func TestSortingNetworks(t *testing.T) {
	for _, tc := range []struct {
		n    int
		sort func([]uint64)
	}{{6, sortingNetwork6}, {7, sortingNetwork7}, {5, insertionSortKeys}} {
		for mask := 0; mask < 1<<tc.n; mask++ {
			k := make([]uint64, tc.n)
			for i := range k {
				k[i] = uint64(mask >> i & 1)
			}
			tc.sort(k)
			for i := 1; i < len(k); i++ {
				if k[i-1] > k[i] {
					t.Fatalf("n=%d mask=%b: %v", tc.n, mask, k)
				}
			}
		}
	}
}

func TestPrefix7Order(t *testing.T) {
	for _, pair := range [][2]string{{"", "a"}, {"a", "a\x00"}, {"abc", "abd"}, {"abcdefg", "abcdefgh"}, {"\xff", "\xff\x01"}, {"1234567", "12345678"}} {
		if prefix7(pair[0]) > prefix7(pair[1]) {
			t.Fatalf("%q > %q", pair[0], pair[1])
		}
	}
}
