package signer

import (
	"crypto/sha1"
	"encoding/hex"
)

// maxStackValues and stackBufSize bound the fast path: up to this many values
// whose concatenation fits the buffer are sorted and hashed without touching
// the heap. Anything larger still works, through one heap buffer.
const (
	maxStackValues = 8
	stackBufSize   = 512
)

// SortedSHA1 sorts the values as byte strings, joins them with no separator
// and returns the lowercase hex SHA-1 of the result. This is WeChat's card
// signature rule (cardExt and cardSign). An absent value must be passed as "".
func SortedSHA1(values ...string) string {
	var out [sha1.Size * 2]byte
	return string(AppendSortedSHA1(out[:0], values...))
}

// AppendSortedSHA1 is SortedSHA1 appending the 40 hex digits to dst.
func AppendSortedSHA1(dst []byte, values ...string) []byte {
	var stack [maxStackValues]string
	var sorted []string
	if len(values) <= len(stack) {
		sorted = stack[:len(values)]
	} else {
		sorted = make([]string, len(values))
	}
	copy(sorted, values)
	return appendSortedSHA1Fixed(dst, sorted)
}

func appendDigest(dst, data []byte) []byte {
	sum := sha1.Sum(data)
	return hex.AppendEncode(dst, sum[:])
}

func totalLen(values []string) int {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	return n
}

// insertionSort sorts a handful of strings in place; for the 6 or 7 values of
// a card signature it beats sort.Strings and never allocates.
func insertionSort(a []string) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for j > 0 && a[j-1] > v {
			a[j] = a[j-1]
			j--
		}
		a[j] = v
	}
}
