package main

import (
	"encoding/binary"
	"strconv"
	"unsafe"

	"github.com/wxcard/wxcard/signer"
)

// The lean ABI carries the hot calls (addCard, sortedSHA1) without JSON: the
// host writes the inputs as UTF-8 strings into one static buffer, their
// byte lengths as little-endian uint32 words in front, and reads back only
// what it needs. ARCHITECTURE.md, "The WebAssembly ABI", has the layouts.
//
// A lean call answers 0 for anything it does not sign, and the host then
// sends the same input through the JSON ABI, which gives the error its code
// and field. So the lean rules may be stricter than the JSON ones (a
// timestamp of 11 digits goes the JSON way) but never laxer: the tests run
// both over the same inputs.
const (
	// leanInCap holds the largest addCard: 50 cards with every field at its
	// limit, each character taking 3 UTF-8 bytes, fits in 96 KiB; the host
	// sends anything larger the JSON way.
	leanInCap  = 96 << 10
	leanOutCap = 96 << 10
	// leanOutData is where the bytes start in the out region; in front are
	// one uint32 per card.
	leanOutData = 4 * signer.MaxCardsPerAddCard
	// leanAbsent is the length word of an absent value (a card without a
	// balance); an empty string is 0.
	leanAbsent = 0xFFFFFFFF
	// maxLeanTimestampDigits keeps lean timestamps below 10^10 seconds,
	// well under the signer's milliseconds threshold of 10^11.
	maxLeanTimestampDigits = 10
)

// lean is the state of the lean ABI: the host's view of in and out, and the
// scratch the calls reuse so that signing allocates nothing.
type lean struct {
	in, out []byte
	values  [maxSortedValues]string
	balance int64
}

// leanReader walks a request: header words, then the strings they measure.
type leanReader struct {
	in        []byte
	word, pos int
}

func newLeanReader(in []byte, words int) (leanReader, bool) {
	if words <= 0 || 4*words > len(in) {
		return leanReader{}, false
	}
	return leanReader{in: in, pos: 4 * words}, true
}

func (r *leanReader) count() uint32 {
	v := binary.LittleEndian.Uint32(r.in[4*r.word:])
	r.word++
	return v
}

// next returns the next string, aliasing the buffer: it lives until the
// host writes the next request, which is after this call returns.
func (r *leanReader) next() (s string, present, ok bool) {
	n := r.count()
	if n == leanAbsent {
		return "", false, true
	}
	if uint64(n) > uint64(len(r.in)-r.pos) {
		return "", false, false
	}
	if n > 0 {
		s = unsafe.String(&r.in[r.pos], n)
	}
	r.pos += int(n)
	return s, true, true
}

// addCard signs a cardList. Request header: cards n, then the byte lengths
// of api_ticket and timestamp, then per card card_id, code, openid,
// outer_str, fixed_begintimestamp, balance, nonce_str; the strings follow
// in that order. Timestamps and numbers are decimal digits. The answer is
// one uint32 per card, the byte length of its cardExt, then the cardExts
// back to back from leanOutData; addCard returns their total length, or 0
// to send the request the JSON way.
func (l *lean) addCard() int {
	n := binary.LittleEndian.Uint32(l.in)
	if n == 0 || n > signer.MaxCardsPerAddCard {
		return 0
	}
	r, ok := newLeanReader(l.in, 3+7*int(n))
	if !ok {
		return 0
	}
	r.word = 1
	ticket, _, ok := r.next()
	if !ok {
		return 0
	}
	timestamp, _, ok := r.next()
	if !ok || !canonicalDigits(timestamp, maxLeanTimestampDigits) {
		return 0
	}
	// A plain ticket of an allowed length passes signer.ValidateTicket.
	plainTicket := len(ticket) > 0 && len(ticket) <= signer.MaxTicketLen && plainText(ticket)
	if !plainTicket && signer.ValidateTicket("api_ticket", ticket) != nil {
		return 0
	}
	out := l.out[leanOutData:leanOutData]
	pos := r.pos
	for i := range int(n) {
		// The seven values of card i, read in place rather than through
		// leanReader.next: calls are dear on wasm, and this loop is the
		// whole per-card cost but the hash.
		header := l.in[4*(3+7*i) : 4*(3+7*i)+28]
		var field [7]string
		textStart, textEnd := pos, pos
		hasBalance := false
		for f := range field {
			size := binary.LittleEndian.Uint32(header[4*f:])
			if size == leanAbsent {
				continue
			}
			if uint64(size) > uint64(len(l.in)-pos) {
				return 0
			}
			if size > 0 {
				field[f] = unsafe.String(&l.in[pos], size)
			}
			pos += int(size)
			if f == 3 {
				textEnd = pos
			}
			hasBalance = hasBalance || f == 5
		}
		nonce := field[6]
		nonceOK, noncePlain := leanNonce(nonce)
		if !nonceOK {
			return 0
		}
		card := signer.Card{CardID: field[0], Code: field[1], OpenID: field[2], OuterStr: field[3]}
		if field[4] != "" {
			if !canonicalDigits(field[4], 18) {
				return 0
			}
			card.FixedBeginTimestamp = parseDigits(field[4])
		}
		if hasBalance {
			if !canonicalDigits(field[5], 18) {
				return 0
			}
			l.balance = parseDigits(field[5])
			card.Balance = &l.balance
		}
		// The four text values lie back to back: one plainText call covers them.
		plain := plainTicket && noncePlain && textEnd > textStart && plainText(unsafe.String(&l.in[textStart], textEnd-textStart)) && plainCard(&card)
		var sig [40]byte
		start := len(out)
		if plain {
			sortedHex(&sig, ticket, timestamp, card.CardID, card.Code, card.OpenID, nonce)
			out = appendPlainCardExt(out, &card, timestamp, nonce, &sig)
		} else {
			if signer.ValidateCard(card) != nil {
				return 0
			}
			sortedHex(&sig, ticket, timestamp, card.CardID, card.Code, card.OpenID, nonce)
			ext := signer.CardExt{
				Code: card.Code, OpenID: card.OpenID, Timestamp: timestamp, NonceStr: nonce,
				FixedBeginTimestamp: card.FixedBeginTimestamp, OuterStr: card.OuterStr, Balance: card.Balance,
				Signature: unsafe.String(&sig[0], len(sig)),
			}
			out = ext.AppendJSON(out)
		}
		if cap(out) != leanOutCap-leanOutData {
			return 0 // append left the out region: too long for it
		}
		binary.LittleEndian.PutUint32(l.out[4*i:], uint32(len(out)-start))
	}
	return len(out)
}

// sortedSHA1 is WeChat's card rule over any strings, NUL included. Request
// header: the number of values (at most maxSortedValues), then their byte
// lengths. The answer is 40 hex digits at the start of out; sortedSHA1
// returns 40, or 0 to send the request the JSON way.
func (l *lean) sortedSHA1() int {
	n := binary.LittleEndian.Uint32(l.in)
	if n > maxSortedValues {
		return 0
	}
	pos := 4 * (1 + int(n))
	if pos > len(l.in) {
		return 0
	}
	values := l.values[:n]
	for i := range values {
		// leanReader.next by hand, as in addCard: a call per value shows.
		size := binary.LittleEndian.Uint32(l.in[4*(1+i):])
		if uint64(size) > uint64(len(l.in)-pos) {
			return 0 // too long, or leanAbsent: no absent values here
		}
		values[i] = ""
		if size > 0 {
			values[i] = unsafe.String(&l.in[pos], size)
		}
		pos += int(size)
	}
	sortedHex((*[40]byte)(l.out), values...)
	return 40
}

// sortedHex writes the hex SHA-1 of the values sorted and joined, the
// signer's own: out has room for the 40 digits, so nothing is allocated.
func sortedHex(out *[40]byte, values ...string) {
	signer.AppendSortedSHA1(out[:0], values...)
}

// plainCard reports whether a card whose text is plainText passes
// signer.ValidateCard: then appendPlainCardExt writes its cardExt. The
// timestamp and balance were checked as digits before.
func plainCard(c *signer.Card) bool {
	return len(c.CardID) > 0 && len(c.CardID) <= signer.MaxCardIDLen &&
		len(c.Code) <= signer.MaxFieldLen && len(c.OpenID) <= signer.MaxFieldLen && len(c.OuterStr) <= signer.MaxFieldLen &&
		c.FixedBeginTimestamp < 1e10
}

// appendPlainCardExt is signer.CardExt.AppendJSON for a plainCard, whose
// strings need no escaping: the same fields in the same order, without
// the per-byte escaping scan, the largest cost of a lean addCard on wasm.
// The tests compare the two on every input they generate.
func appendPlainCardExt(out []byte, c *signer.Card, timestamp, nonce string, sig *[40]byte) []byte {
	out = append(out, '{')
	if c.Code != "" {
		out = append(out, `"code":"`...)
		out = append(out, c.Code...)
		out = append(out, `",`...)
	}
	if c.OpenID != "" {
		out = append(out, `"openid":"`...)
		out = append(out, c.OpenID...)
		out = append(out, `",`...)
	}
	out = append(out, `"timestamp":"`...)
	out = append(out, timestamp...)
	out = append(out, `","nonce_str":"`...)
	out = append(out, nonce...)
	out = append(out, '"')
	if c.FixedBeginTimestamp != 0 {
		out = append(out, `,"fixed_begintimestamp":`...)
		out = strconv.AppendInt(out, c.FixedBeginTimestamp, 10)
	}
	if c.OuterStr != "" {
		out = append(out, `,"outer_str":"`...)
		out = append(out, c.OuterStr...)
		out = append(out, '"')
	}
	if c.Balance != nil {
		out = append(out, `,"balance":`...)
		out = strconv.AppendInt(out, *c.Balance, 10)
	}
	out = append(out, `,"signature":"`...)
	out = append(out, sig[:]...)
	return append(out, `"}`...)
}

// plainText reports whether s is printable ASCII without '"' or '\\': text
// the signer accepts (no control character, valid UTF-8) and JSON carries
// verbatim. It tests eight bytes at a time, since a loop over bytes is slow
// on wasm.
func plainText(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// hasZero reports whether any byte of x is zero.
	hasZero := func(x uint64) bool { return (x-ones)&^x&highs != 0 }
	check := func(x uint64) bool {
		return x&highs == 0 && // ASCII
			(x-0x20*ones)&^x&highs == 0 && // no byte below 0x20
			!hasZero(x^0x7f*ones) && !hasZero(x^'"'*ones) && !hasZero(x^'\\'*ones)
	}
	for len(s) >= 8 {
		if !check(load64(s)) {
			return false
		}
		s = s[8:]
	}
	if s == "" {
		return true
	}
	tail := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
	copy(tail[:], s)
	return check(binary.LittleEndian.Uint64(tail[:]))
}

// load64 reads the first eight bytes of s as one little-endian word, the
// way wasm loads memory; unsafe.Slice would add an overflow check per call.
func load64(s string) uint64 {
	return *(*uint64)(unsafe.Pointer(unsafe.StringData(s)))
}

// canonicalDigits accepts what strconv.FormatInt writes for 0 <= v: 1 to
// max decimal digits without a leading zero. Anything else ("+5", "007")
// goes the JSON way, which names the problem.
func canonicalDigits(s string, max int) bool {
	if len(s) == 0 || len(s) > max || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseDigits(s string) int64 {
	var v int64
	for i := 0; i < len(s); i++ {
		v = v*10 + int64(s[i]-'0')
	}
	return v
}

// leanNonce checks the signer's nonce rule, 1 to 32 printable ASCII
// characters and no space, and reports whether JSON carries the nonce
// verbatim (no '"' or '\\').
func leanNonce(s string) (ok, plain bool) {
	if len(s) == 0 || len(s) > signer.MaxNonceLen {
		return false, false
	}
	plain = true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c > '~':
			return false, false
		case c == '"' || c == '\\':
			plain = false
		}
	}
	return true, plain
}
