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

// SortedSHA1 sorts the values as byte strings, joins them with no separator
// and returns the lowercase hex SHA-1 of the result. This is WeChat's card
// signature rule (cardExt and cardSign). An absent value must be passed as "".
func SortedSHA1(values ...string) string {
	return hexString(AppendSortedSHA1(make([]byte, 0, 2*sha1.Size), values...))
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
	for i := range sha1.Size / 4 {
		binary.BigEndian.PutUint64(out[8*i:], hexWord(binary.BigEndian.Uint32(sum[4*i:])))
	}
	return append(dst, out[:]...)
}

// hexWord returns the eight lowercase hex digits of x, big-endian, computed
// for all nibbles at once (a third faster than a table lookup per byte, which
// matters when the whole signature costs little more than the SHA-1).
func hexWord(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f                             // one nibble per byte, high nibble first
	letters := ((v + 0x0606060606060606) >> 4) & 0x0101010101010101 // 1 where the nibble is 10..15
	return v + 0x3030303030303030 + letters*('a'-'0'-10)
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
