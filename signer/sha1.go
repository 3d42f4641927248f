package signer

import (
	"encoding/binary"
	"slices"
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
	out := new([hexLen]byte)
	sortedHex(out, values)
	return hexString(out)
}

// AppendSortedSHA1 is SortedSHA1 appending the 40 hex digits to dst. It does
// not allocate for up to 8 values of up to 320 bytes in all.
func AppendSortedSHA1(dst []byte, values ...string) []byte {
	dst, out := appendHexSpace(dst)
	sortedHex(out, values)
	return dst
}

// sortedHex writes the hex SHA-1 of the values sorted and joined. Every
// signature is one call of it below its exported function: the keys, the
// sort, the join, the hash and the hex digits each cost a few ns, and calls
// and result copies between them showed in profiles.
func sortedHex(out *[hexLen]byte, values []string) {
	if len(values) > maxStackValues {
		sum := sortedSumMany(values)
		putHex(out, &sum)
		return
	}
	// Each value becomes one integer: its first seven bytes, then its
	// position. Sorting those integers sorts the values, except among values
	// sharing their first seven bytes, which a second pass orders by full
	// comparison. Sorting positions instead of strings keeps values
	// read-only, so escape analysis lets callers build them on the stack.
	var keys [maxStackValues]uint64
	total := 0
	for i, v := range values {
		keys[i] = prefix7(v)<<8 | uint64(i)
		total += len(v)
	}
	var tie bool
	switch len(values) {
	case 6:
		tie = sortingNetwork6(&keys)
	case 7:
		tie = sortingNetwork7(&keys)
	default:
		tie = insertionSortKeys(keys[:len(values)])
	}
	sorted := keys[:len(values)]
	if tie {
		sortTies(values, sorted)
	}
	var buf [stackBufSize]byte
	joined := buf[:]
	if total > len(buf) {
		joined = make([]byte, total)
	}
	pos := 0
	for _, k := range sorted {
		s := values[k&0xff]
		switch n := len(s); {
		case n >= 8 && n <= 32 && pos <= len(joined)-32:
			putShort((*[32]byte)(joined[pos:]), s)
		case n < 8 && pos <= len(joined)-8:
			putTiny((*[8]byte)(joined[pos:]), s)
		default:
			copy(joined[pos:], s)
		}
		pos += len(s)
	}
	sum := sha1Sum(joined[:pos])
	putHex(out, &sum)
}

// prefix7 packs the first seven bytes of s big-endian, zero-padded, so that
// prefix7(a) < prefix7(b) implies a < b.
func prefix7(s string) uint64 {
	if len(s) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8)) >> 8
	}
	return prefix7Short(s)
}

// prefix7Short is prefix7 for values under eight bytes, such as a shop id
// or a card type: at most three loads instead of a loop over the bytes.
func prefix7Short(s string) uint64 {
	n := len(s)
	switch {
	case n >= 4:
		// Two overlapping four-byte loads; where they overlap they hold the
		// same bytes in the same places, so OR-ing them is exact.
		b := unsafe.Slice(unsafe.StringData(s), n)
		first := uint64(binary.BigEndian.Uint32(b)) << 32
		last := uint64(binary.BigEndian.Uint32(b[n-4:])) << (8 * (8 - n))
		return (first | last) >> 8
	case n > 0:
		mid := n >> 1
		return (uint64(s[0])<<56 | uint64(s[mid])<<(56-8*mid) | uint64(s[n-1])<<(64-8*n)) >> 8
	}
	return 0
}

// The networks are branch-free and work on locals, which the compiler keeps
// in registers (min and max become conditional moves): a signature's six or
// seven values arrive in no predictable order, so any branch would miss.
// Six values: Knuth's 12 comparators; seven: 16. Each reports whether two
// keys share their prefix (their XOR has nothing above the position byte),
// computed while the keys are still in registers.
func sortingNetwork6(k *[maxStackValues]uint64) (tie bool) {
	a, b, c, d, e, f := k[0], k[1], k[2], k[3], k[4], k[5]
	a, f = min(a, f), max(a, f)
	b, d = min(b, d), max(b, d)
	c, e = min(c, e), max(c, e)
	b, c = min(b, c), max(b, c)
	d, e = min(d, e), max(d, e)
	a, d = min(a, d), max(a, d)
	c, f = min(c, f), max(c, f)
	a, b = min(a, b), max(a, b)
	c, d = min(c, d), max(c, d)
	e, f = min(e, f), max(e, f)
	b, c = min(b, c), max(b, c)
	d, e = min(d, e), max(d, e)
	k[0], k[1], k[2], k[3], k[4], k[5] = a, b, c, d, e, f
	return min(a^b, b^c, c^d, d^e, e^f) < 1<<8
}

func sortingNetwork7(k *[maxStackValues]uint64) (tie bool) {
	a, b, c, d, e, f, g := k[0], k[1], k[2], k[3], k[4], k[5], k[6]
	a, g = min(a, g), max(a, g)
	c, d = min(c, d), max(c, d)
	e, f = min(e, f), max(e, f)
	a, c = min(a, c), max(a, c)
	b, e = min(b, e), max(b, e)
	d, g = min(d, g), max(d, g)
	a, b = min(a, b), max(a, b)
	c, f = min(c, f), max(c, f)
	d, e = min(d, e), max(d, e)
	b, c = min(b, c), max(b, c)
	e, g = min(e, g), max(e, g)
	c, d = min(c, d), max(c, d)
	e, f = min(e, f), max(e, f)
	b, c = min(b, c), max(b, c)
	d, e = min(d, e), max(d, e)
	f, g = min(f, g), max(f, g)
	k[0], k[1], k[2], k[3], k[4], k[5], k[6] = a, b, c, d, e, f, g
	return min(a^b, b^c, c^d, d^e, e^f, f^g) < 1<<8
}

func insertionSortKeys(k []uint64) (tie bool) {
	for i := 1; i < len(k); i++ {
		v := k[i]
		j := i
		for ; j > 0 && k[j-1] > v; j-- {
			k[j] = k[j-1]
		}
		k[j] = v
	}
	for i := 1; i < len(k); i++ {
		tie = tie || (k[i]^k[i-1]) < 1<<8
	}
	return tie
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

// sortedSumMany is the path for more than eight values: a Shell sort of
// positions, then one heap buffer for the join.
func sortedSumMany(values []string) [sumSize]byte {
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
	joined := make([]byte, 0, totalLen(values))
	for _, i := range order {
		joined = append(joined, values[i]...)
	}
	return sha1Sum(joined)
}

// putShort copies s, of 8 to 32 bytes, to the front of d as overlapping
// 8-byte words. A signature's values are that long, except the ticket, and
// inline word moves cost a fraction of a call to memmove each.
func putShort(d *[32]byte, s string) {
	n := len(s)
	p := unsafe.Pointer(unsafe.StringData(s))
	for i := 0; i+8 < n; i += 8 {
		*(*[8]byte)(d[i:]) = *(*[8]byte)(unsafe.Add(p, i))
	}
	*(*[8]byte)(d[n-8:]) = *(*[8]byte)(unsafe.Add(p, n-8))
}

// putTiny copies s, of under eight bytes, to the front of d.
func putTiny(d *[8]byte, s string) {
	n := len(s)
	switch {
	case n >= 4:
		p := unsafe.Pointer(unsafe.StringData(s))
		*(*[4]byte)(d[0:]) = *(*[4]byte)(p)
		*(*[4]byte)(d[n-4:]) = *(*[4]byte)(unsafe.Add(p, n-4))
	case n > 0:
		d[0], d[n>>1], d[n-1] = s[0], s[n>>1], s[n-1]
	}
}

// hexLen is the length of a signature: a SHA-1 in lowercase hex.
const hexLen = 2 * sumSize

// appendHexSpace extends dst by the room for one signature and returns that
// room, so the digits are written in place.
func appendHexSpace(dst []byte) ([]byte, *[hexLen]byte) {
	dst = slices.Grow(dst, hexLen)[:len(dst)+hexLen]
	return dst, (*[hexLen]byte)(dst[len(dst)-hexLen:])
}

// hexString returns a signature written into its own fresh allocation as a
// string sharing that memory, which is safe because nothing writes it
// afterwards: the signature costs exactly one allocation.
func hexString(out *[hexLen]byte) string {
	return unsafe.String(&out[0], hexLen)
}

// putHex writes the 40 lowercase hex digits of sum: a digit pair per byte
// from a table, four pairs to a store. Table loads are independent of each
// other, so they overlap; arithmetic per nibble (SWAR) measured 60% slower.
func putHex(out *[hexLen]byte, sum *[sumSize]byte) {
	for i := 0; i < sumSize; i += 4 {
		binary.LittleEndian.PutUint64(out[2*i:],
			hexPair(sum[i])|hexPair(sum[i+1])<<16|hexPair(sum[i+2])<<32|hexPair(sum[i+3])<<48)
	}
}

// hexPair returns the two hex digits of b, the first in the low byte.
func hexPair(b byte) uint64 {
	return uint64(hexPairs[2*int(b)]) | uint64(hexPairs[2*int(b)+1])<<8
}

// hexPairs holds the two hex digits of every byte value in order.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

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
