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
// not allocate for up to 8 values of up to 320 bytes in all.
func AppendSortedSHA1(dst []byte, values ...string) []byte {
	if len(values) > maxStackValues {
		return appendSortedSHA1Many(dst, values)
	}
	// Each value becomes one integer: its first seven bytes, then its
	// position. Sorting those integers sorts the values, except among values
	// sharing their first seven bytes, which a second pass orders by full
	// comparison. Sorting positions instead of strings keeps values
	// read-only, so escape analysis lets callers build them on the stack.
	var packed [maxStackValues]uint64
	keys := packed[:len(values)]
	for i, v := range values {
		keys[i] = prefix7(v)<<8 | uint64(i)
	}
	switch len(keys) {
	case 6:
		sortingNetwork6(keys)
	case 7:
		sortingNetwork7(keys)
	default:
		insertionSortKeys(keys)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i]>>8 == keys[i-1]>>8 {
			sortTies(values, keys)
			break
		}
	}
	var stack [maxStackValues]int32
	order := stack[:len(keys)]
	for i, k := range keys {
		order[i] = int32(k & 0xff)
	}
	return appendJoinedDigest(dst, values, order)
}

// prefix7 packs the first seven bytes of s big-endian, zero-padded, so that
// prefix7(a) < prefix7(b) implies a < b.
func prefix7(s string) uint64 {
	if len(s) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8)) >> 8
	}
	var k uint64
	for i := 0; i < len(s) && i < 7; i++ {
		k |= uint64(s[i]) << (48 - 8*i)
	}
	return k
}

// The networks are branch-free (min and max compile to conditional moves),
// which matters because a signature's six or seven values arrive in no
// predictable order. Six values: Knuth's 12 comparators; seven: 16.
func sortingNetwork6(k []uint64) {
	_ = k[5]
	cx := func(i, j int) { k[i], k[j] = min(k[i], k[j]), max(k[i], k[j]) }
	cx(0, 5)
	cx(1, 3)
	cx(2, 4)
	cx(1, 2)
	cx(3, 4)
	cx(0, 3)
	cx(2, 5)
	cx(0, 1)
	cx(2, 3)
	cx(4, 5)
	cx(1, 2)
	cx(3, 4)
}

func sortingNetwork7(k []uint64) {
	_ = k[6]
	cx := func(i, j int) { k[i], k[j] = min(k[i], k[j]), max(k[i], k[j]) }
	cx(0, 6)
	cx(2, 3)
	cx(4, 5)
	cx(0, 2)
	cx(1, 4)
	cx(3, 6)
	cx(0, 1)
	cx(2, 5)
	cx(3, 4)
	cx(1, 2)
	cx(4, 6)
	cx(2, 3)
	cx(4, 5)
	cx(1, 2)
	cx(3, 4)
	cx(5, 6)
}

func insertionSortKeys(k []uint64) {
	for i := 1; i < len(k); i++ {
		v := k[i]
		j := i
		for ; j > 0 && k[j-1] > v; j-- {
			k[j] = k[j-1]
		}
		k[j] = v
	}
}

// sortTies reorders keys by the full values they point at. Keys are already
// sorted by prefix, so this insertion sort only moves values that tie on it.
func sortTies(values []string, k []uint64) {
	for i := 1; i < len(k); i++ {
		v := k[i]
		j := i
		for ; j > 0 && values[k[j-1]&0xff] > values[v&0xff]; j-- {
			k[j] = k[j-1]
		}
		k[j] = v
	}
}

// appendSortedSHA1Many is the path for more than eight values: a Shell sort
// of positions, which allocates only the positions themselves.
func appendSortedSHA1Many(dst []byte, values []string) []byte {
	order := make([]int32, len(values))
	for i := range order {
		order[i] = int32(i)
	}
	for _, gap := range [...]int{701, 301, 132, 57, 23, 10, 4, 1} {
		for i := gap; i < len(order); i++ {
			v := order[i]
			j := i
			for ; j >= gap && values[order[j-gap]] > values[v]; j -= gap {
				order[j] = order[j-gap]
			}
			order[j] = v
		}
	}
	return appendJoinedDigest(dst, values, order)
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
