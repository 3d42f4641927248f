package signer

import (
	"crypto/sha1"
	"encoding/binary"
	"unsafe"
)

// maxStackValues and stackBufSize bound the fast path: up to this many values
// whose concatenation fits the buffer are sorted and hashed without touching
// the heap. Anything larger still works, through one heap buffer.
const (
	maxStackValues = 8
	stackBufSize   = 320
)

// hexPairs holds the two lowercase hex digits of every byte value, so hex
// encoding is one two-byte copy per byte.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// SortedSHA1 sorts the values as byte strings, joins them with no separator
// and returns the lowercase hex SHA-1 of the result. This is WeChat's card
// signature rule (cardExt and cardSign). An absent value must be passed as "".
func SortedSHA1(values ...string) string {
	var out [sha1.Size * 2]byte
	return string(AppendSortedSHA1(out[:0], values...))
}

// AppendSortedSHA1 is SortedSHA1 appending the 40 hex digits to dst. It does
// not allocate for up to 8 values of up to 512 bytes in all.
func AppendSortedSHA1(dst []byte, values ...string) []byte {
	var stack [maxStackValues]int32
	order := stack[:0]
	if len(values) > len(stack) {
		order = make([]int32, 0, len(values))
	}
	for i := range values {
		order = append(order, int32(i))
	}
	sortOrder(values, order)
	return appendJoinedDigest(dst, values, order)
}

// sortOrder sorts positions into values by the values they point at. Sorting
// positions instead of the strings keeps values read-only, so escape analysis
// lets callers build them on the stack. Each value's first eight bytes are
// packed into an integer key, so comparisons are integer compares unless two
// values share a prefix. It is a Shell sort: for the six or seven values of a
// signature only the final gap of 1 runs, a plain insertion sort.
func sortOrder(values []string, order []int32) {
	if len(values) <= maxStackValues {
		var keys [maxStackValues]uint64
		for i, v := range values {
			keys[i] = prefixKey(v)
		}
		for i := 1; i < len(order); i++ {
			v := order[i]
			kv := keys[v&(maxStackValues-1)]
			j := i
			for ; j > 0; j-- {
				w := order[j-1]
				kw := keys[w&(maxStackValues-1)]
				if kv > kw || kv == kw && values[v] >= values[w] {
					break
				}
				order[j] = w
			}
			order[j] = v
		}
		return
	}
	keys := make([]uint64, len(values))
	for i, v := range values {
		keys[i] = prefixKey(v)
	}
	for _, gap := range [...]int{701, 301, 132, 57, 23, 10, 4, 1} {
		for i := gap; i < len(order); i++ {
			v := order[i]
			j := i
			for ; j >= gap; j -= gap {
				w := order[j-gap]
				if keys[v] > keys[w] || keys[v] == keys[w] && values[v] >= values[w] {
					break
				}
				order[j] = w
			}
			order[j] = v
		}
	}
}

// prefixKey packs the first eight bytes of s big-endian, zero-padded, so that
// prefixKey(a) < prefixKey(b) implies a < b; equal keys need a full compare.
func prefixKey(s string) uint64 {
	if len(s) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
	}
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// appendJoinedDigest hashes values joined in the given order.
func appendJoinedDigest(dst []byte, values []string, order []int32) []byte {
	var buf [stackBufSize]byte
	joined := buf[:0]
	if n := totalLen(values); n > len(buf) {
		joined = make([]byte, 0, n)
	}
	for _, i := range order {
		joined = append(joined, values[i]...)
	}
	return appendDigest(dst, joined)
}

func appendDigest(dst, data []byte) []byte {
	sum := sha1.Sum(data)
	var out [2 * sha1.Size]byte
	for i, b := range sum {
		copy(out[2*i:2*i+2], hexPairs[2*int(b):2*int(b)+2])
	}
	return append(dst, out[:]...)
}

func totalLen(values []string) int {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	return n
}

// insertionSort sorts a handful of strings in place.
func insertionSort(a []string) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for j > 0 && v < a[j-1] {
			a[j] = a[j-1]
			j--
		}
		a[j] = v
	}
}
