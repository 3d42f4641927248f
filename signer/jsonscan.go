package signer

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A tiny JSON reader for ParseCardExt. encoding/json would do, but it is the
// single largest piece of the WebAssembly build (about 170 KB gzip), and a
// cardExt is a flat object of strings and numbers.

const maxJSONDepth = 32

type jsonKind int

const (
	jsonString jsonKind = iota
	jsonNumber
	jsonNull
	jsonBool
	jsonCompound
)

type jsonScanner struct {
	s   string
	pos int
}

// errJSONSyntax builds a fresh error each time: callers may modify what they get.
func errJSONSyntax() error { return invalid("cardExt", "is not valid JSON") }

func (p *jsonScanner) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonScanner) consume(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// value reads one value. Strings come back unescaped, numbers as their
// literal text; the contents of arrays and objects are checked and skipped.
func (p *jsonScanner) value(depth int) (jsonKind, string, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return 0, "", errJSONSyntax()
	}
	switch c := p.s[p.pos]; {
	case c == '"':
		s, err := p.str()
		return jsonString, s, err
	case c == '-' || c >= '0' && c <= '9':
		n, err := p.number()
		return jsonNumber, n, err
	case strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return jsonNull, "", nil
	case strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return jsonBool, "true", nil
	case strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return jsonBool, "false", nil
	case c == '[' || c == '{':
		if depth >= maxJSONDepth {
			return 0, "", invalid("cardExt", "nests too deeply")
		}
		return jsonCompound, "", p.compound(depth + 1)
	}
	return 0, "", errJSONSyntax()
}

func (p *jsonScanner) compound(depth int) error {
	open := p.s[p.pos]
	p.pos++
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	if p.consume(closer) {
		return nil
	}
	for {
		if open == '{' {
			p.skipSpace()
			if p.pos >= len(p.s) || p.s[p.pos] != '"' {
				return errJSONSyntax()
			}
			if _, err := p.str(); err != nil {
				return err
			}
			if !p.consume(':') {
				return errJSONSyntax()
			}
		}
		if _, _, err := p.value(depth); err != nil {
			return err
		}
		if p.consume(closer) {
			return nil
		}
		if !p.consume(',') {
			return errJSONSyntax()
		}
	}
}

// str reads a string at p.pos (which is a quote). Invalid UTF-8 and lone
// surrogates become U+FFFD, as encoding/json does.
func (p *jsonScanner) str() (string, error) {
	p.pos++
	start := p.pos
	// Fast path: no escapes, valid UTF-8.
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '"' {
			s := p.s[start:p.pos]
			p.pos++
			if utf8.ValidString(s) {
				return s, nil
			}
			return replaceInvalidUTF8(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", errJSONSyntax()
		}
		p.pos++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.pos])
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return replaceInvalidUTF8(b.String()), nil
		case c < 0x20:
			return "", errJSONSyntax()
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.s) {
			return "", errJSONSyntax()
		}
		esc := p.s[p.pos+1]
		p.pos += 2
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errJSONSyntax()
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if strings.HasPrefix(p.s[p.pos:], `\u`) {
					save := p.pos
					p.pos += 2
					if lo, ok := p.hex4(); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
						r2 = utf16.DecodeRune(r, lo)
					} else {
						p.pos = save
					}
				}
				r = r2
			}
			b.WriteRune(r)
		default:
			return "", errJSONSyntax()
		}
	}
	return "", errJSONSyntax()
}

func (p *jsonScanner) hex4() (rune, bool) {
	if p.pos+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

// number reads a JSON number and returns its text.
func (p *jsonScanner) number() (string, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if n := digits(); n == 0 || n > 1 && p.s[intStart] == '0' {
		return "", errJSONSyntax()
	}
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return "", errJSONSyntax()
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return "", errJSONSyntax()
		}
	}
	return p.s[start:p.pos], nil
}

// replaceInvalidUTF8 replaces each byte of invalid UTF-8 with U+FFFD, byte
// by byte as encoding/json does (strings.ToValidUTF8 would merge runs).
func replaceInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
