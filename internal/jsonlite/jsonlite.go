// Package jsonlite reads JSON documents without reflection, with the
// semantics of encoding/json's Unmarshal for the few shapes the edge Worker
// decodes: the same syntax checks, string unquoting (invalid UTF-8 and lone
// surrogates become U+FFFD), integer parsing and case-insensitive key
// matching. Callers walk a checked document and fill their structs by hand.
//
// It exists for js/wasm builds, where encoding/json's reflection-driven code
// is a large share of the edge Worker's bundle and start-up; native builds
// keep encoding/json. Differential tests in the packages that use it hold
// the two to the same answers.
package jsonlite

import (
	"errors"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting Check accepts, as encoding/json.
const MaxDepth = 10000

// SyntaxError reports where a document stops being JSON. Offset counts the
// bytes read up to and including the offending one, as encoding/json's
// SyntaxError does.
type SyntaxError struct {
	Msg    string
	Offset int64
	// AtEnd is set when the document ended where another byte was needed
	// (inside a number, a literal or an escape): encoding/json's Unmarshal
	// reports that as a syntax error, its Decoder as io.ErrUnexpectedEOF.
	AtEnd bool
}

func (e *SyntaxError) Error() string { return e.Msg }

// ErrUnexpectedEnd is wrapped by Check's error when the document ends
// inside a value.
var ErrUnexpectedEnd = errors.New("jsonlite: unexpected end of JSON input")

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of JSON value.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one checked JSON value: its kind and its bytes in the document.
type Value struct {
	Kind Kind
	Raw  []byte
}

// Check reports whether data is exactly one JSON value, optionally
// surrounded by whitespace: nil, a *SyntaxError, or an error wrapping
// ErrUnexpectedEnd.
func Check(data []byte) error {
	c := checker{data: data}
	c.space()
	if c.pos == len(data) {
		return ErrUnexpectedEnd
	}
	if err := c.value(0); err != nil {
		return err
	}
	c.space()
	if c.pos < len(data) {
		return c.syntax("after top-level value")
	}
	return nil
}

// CheckPrefix checks the one JSON value that data starts with (after any
// whitespace) and returns where it ends; what follows is not looked at.
func CheckPrefix(data []byte) (end int, err error) {
	c := checker{data: data}
	c.space()
	if c.pos == len(data) {
		return 0, ErrUnexpectedEnd
	}
	if err := c.value(0); err != nil {
		return 0, err
	}
	return c.pos, nil
}

// Parse checks data and returns its top-level value.
func Parse(data []byte) (Value, error) {
	if err := Check(data); err != nil {
		return Value{}, err
	}
	return valueAt(data, skipSpace(data, 0)), nil
}

type checker struct {
	data []byte
	pos  int
}

func (c *checker) space() { c.pos = skipSpace(c.data, c.pos) }

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// atEnd is the error for a document that ends where context needs another
// byte. encoding/json reads the end as a space: inside a number, a literal
// or an escape that is a syntax error at the last byte; elsewhere it is an
// unexpected end.
func (c *checker) atEnd(context string) error {
	return &SyntaxError{Msg: "invalid character ' ' " + context, Offset: int64(len(c.data)), AtEnd: true}
}

// syntax builds the error for the byte at c.pos, worded as encoding/json's.
func (c *checker) syntax(context string) error {
	if c.pos >= len(c.data) {
		return ErrUnexpectedEnd
	}
	return &SyntaxError{Msg: "invalid character " + quoteChar(c.data[c.pos]) + " " + context, Offset: int64(c.pos) + 1}
}

func quoteChar(b byte) string {
	if b == '\'' {
		return `'\''`
	}
	if b == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(b)))
	return "'" + s[1:len(s)-1] + "'"
}

func (c *checker) value(depth int) error {
	if c.pos >= len(c.data) {
		return ErrUnexpectedEnd
	}
	switch b := c.data[c.pos]; {
	case (b == '{' || b == '[') && depth >= MaxDepth:
		return c.syntax("exceeded max depth")
	case b == '{':
		return c.object(depth)
	case b == '[':
		return c.array(depth)
	case b == '"':
		return c.str()
	case b == '-' || ('0' <= b && b <= '9'):
		return c.number()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	default:
		return c.syntax("looking for beginning of value")
	}
}

func (c *checker) literal(word string) error {
	for i := 0; i < len(word); i++ {
		context := "in literal " + word + " (expecting " + quoteChar(word[i]) + ")"
		if c.pos >= len(c.data) {
			return c.atEnd(context)
		}
		if c.data[c.pos] != word[i] {
			return c.syntax(context)
		}
		c.pos++
	}
	return nil
}

func (c *checker) object(depth int) error {
	c.pos++ // {
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == '}' {
		c.pos++
		return nil
	}
	for {
		if c.pos >= len(c.data) {
			return ErrUnexpectedEnd
		}
		if c.data[c.pos] != '"' {
			return c.syntax("looking for beginning of object key string")
		}
		if err := c.str(); err != nil {
			return err
		}
		c.space()
		if c.pos >= len(c.data) {
			return ErrUnexpectedEnd
		}
		if c.data[c.pos] != ':' {
			return c.syntax("after object key")
		}
		c.pos++
		c.space()
		if err := c.value(depth + 1); err != nil {
			return err
		}
		if done, err := c.elementEnd('}', "after object key:value pair"); done || err != nil {
			return err
		}
	}
}

// elementEnd reads what follows an object member or array element: a comma
// and the space after it (more to come), or closer (done).
func (c *checker) elementEnd(closer byte, after string) (done bool, err error) {
	c.space()
	if c.pos >= len(c.data) {
		return false, ErrUnexpectedEnd
	}
	switch c.data[c.pos] {
	case ',':
		c.pos++
		c.space()
		return false, nil
	case closer:
		c.pos++
		return true, nil
	}
	return false, c.syntax(after)
}

func (c *checker) array(depth int) error {
	c.pos++ // [
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		return nil
	}
	for {
		if err := c.value(depth + 1); err != nil {
			return err
		}
		if done, err := c.elementEnd(']', "after array element"); done || err != nil {
			return err
		}
	}
}

func (c *checker) str() error {
	c.pos++ // "
	for c.pos < len(c.data) {
		b := c.data[c.pos]
		switch {
		case b == '"':
			c.pos++
			return nil
		case b == '\\':
			c.pos++
			if c.pos >= len(c.data) {
				return c.atEnd("in string escape code")
			}
			switch c.data[c.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.pos++
			case 'u':
				c.pos++
				for i := 0; i < 4; i++ {
					if c.pos >= len(c.data) {
						return c.atEnd("in \\u hexadecimal character escape")
					}
					if !isHex(c.data[c.pos]) {
						return c.syntax("in \\u hexadecimal character escape")
					}
					c.pos++
				}
			default:
				return c.syntax("in string escape code")
			}
		case b < 0x20:
			return c.syntax("in string literal")
		default:
			c.pos++
		}
	}
	return ErrUnexpectedEnd
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func (c *checker) number() error {
	if c.data[c.pos] == '-' {
		c.pos++
		if c.pos >= len(c.data) {
			return c.atEnd("in numeric literal")
		}
		if !isDigit(c.data[c.pos]) {
			return c.syntax("in numeric literal")
		}
	}
	if c.data[c.pos] == '0' {
		c.pos++
	} else {
		for c.pos < len(c.data) && isDigit(c.data[c.pos]) {
			c.pos++
		}
	}
	if c.pos < len(c.data) && c.data[c.pos] == '.' {
		c.pos++
		if c.pos >= len(c.data) {
			return c.atEnd("after decimal point in numeric literal")
		}
		if !isDigit(c.data[c.pos]) {
			return c.syntax("after decimal point in numeric literal")
		}
		for c.pos < len(c.data) && isDigit(c.data[c.pos]) {
			c.pos++
		}
	}
	if c.pos < len(c.data) && (c.data[c.pos] == 'e' || c.data[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.data) && (c.data[c.pos] == '+' || c.data[c.pos] == '-') {
			c.pos++
		}
		if c.pos >= len(c.data) {
			return c.atEnd("in exponent of numeric literal")
		}
		if !isDigit(c.data[c.pos]) {
			return c.syntax("in exponent of numeric literal")
		}
		for c.pos < len(c.data) && isDigit(c.data[c.pos]) {
			c.pos++
		}
	}
	return nil
}

// valueAt returns the value starting at data[i] of a checked document.
func valueAt(data []byte, i int) Value {
	end := skipValue(data, i)
	v := Value{Raw: data[i:end]}
	switch data[i] {
	case '{':
		v.Kind = Object
	case '[':
		v.Kind = Array
	case '"':
		v.Kind = String
	case 't', 'f':
		v.Kind = Bool
	case 'n':
		v.Kind = Null
	default:
		v.Kind = Number
	}
	return v
}

// skipValue returns the end of the checked value starting at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	case 't', 'n':
		return i + 4
	case 'f':
		return i + 5
	default:
		for i < len(data) {
			switch b := data[i]; {
			case isDigit(b) || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E':
				i++
			default:
				return i
			}
		}
		return i
	}
}

func skipString(data []byte, i int) int {
	i++
	for {
		switch data[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
}

// Members calls fn for each member of an object value, in document order,
// with the key unquoted. It stops at fn's first error and returns it.
func (v Value) Members(fn func(key string, member Value) error) error {
	if v.Kind != Object {
		return errors.New("jsonlite: not an object")
	}
	data := v.Raw
	i := skipSpace(data, 1)
	for data[i] != '}' {
		keyEnd := skipString(data, i)
		key := unquote(data[i:keyEnd])
		i = skipSpace(data, keyEnd) + 1 // past ':'
		i = skipSpace(data, i)
		member := valueAt(data, i)
		if err := fn(key, member); err != nil {
			return err
		}
		i = skipSpace(data, i+len(member.Raw))
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return nil
}

// Elements calls fn for each element of an array value, in order. It stops
// at fn's first error and returns it.
func (v Value) Elements(fn func(i int, elem Value) error) error {
	if v.Kind != Array {
		return errors.New("jsonlite: not an array")
	}
	data := v.Raw
	i := skipSpace(data, 1)
	for n := 0; data[i] != ']'; n++ {
		elem := valueAt(data, i)
		if err := fn(n, elem); err != nil {
			return err
		}
		i = skipSpace(data, i+len(elem.Raw))
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return nil
}

// Str returns a string value unquoted; ok is false for another kind.
func (v Value) Str() (s string, ok bool) {
	if v.Kind != String {
		return "", false
	}
	return unquote(v.Raw), true
}

// Int64 returns a number value that is an integer in int64's range, as
// encoding/json decodes one into an int64; ok is false otherwise.
func (v Value) Int64() (n int64, ok bool) {
	if v.Kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v.Raw), 10, 64)
	return n, err == nil
}

// unquote decodes a checked string literal, quotes included, as
// encoding/json does: invalid UTF-8 bytes and unpaired surrogate escapes
// each become U+FFFD.
func unquote(lit []byte) string {
	s := lit[1 : len(lit)-1]
	simple := true
	for _, b := range s {
		if b == '\\' || b >= utf8.RuneSelf {
			simple = false
			break
		}
	}
	if simple {
		return string(s)
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == '\\':
			switch s[i+1] {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != unicode.ReplacementChar {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				out = utf8.AppendRune(out, r)
				continue
			default: // " \ /
				out = append(out, s[i+1])
			}
			i += 2
		case b < utf8.RuneSelf:
			out = append(out, b)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, unicode.ReplacementChar)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(out)
}

func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, b := range s[:4] {
		switch {
		case '0' <= b && b <= '9':
			b -= '0'
		case 'a' <= b && b <= 'f':
			b = b - 'a' + 10
		case 'A' <= b && b <= 'F':
			b = b - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(b)
	}
	return r
}

// KeyMatches reports whether an object key selects the field named name:
// exactly, or as encoding/json's case-insensitive fallback folds it (ASCII
// letters upper-cased, other runes to the smallest of their fold orbit).
func KeyMatches(key, name string) bool {
	if key == name {
		return true
	}
	return foldName(key) == foldName(name)
}

// MatchField returns the index of the field encoding/json's Unmarshal fills
// for an object key among n fields named by name(i): the exact name first,
// else the first that KeyMatches; -1 when none does.
func MatchField(n int, name func(i int) string, key string) int {
	for i := range n {
		if name(i) == key {
			return i
		}
	}
	for i := range n {
		if KeyMatches(key, name(i)) {
			return i
		}
	}
	return -1
}

func foldName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if 'a' <= b && b <= 'z' {
				b -= 'a' - 'A'
			}
			out = append(out, b)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += size
	}
	return string(out)
}

// foldRune returns the smallest rune of r's case-folding orbit.
func foldRune(r rune) rune {
	for {
		next := unicode.SimpleFold(r)
		if next <= r {
			return next
		}
		r = next
	}
}

// AppendString appends s as a JSON string literal escaped exactly as
// encoding/json escapes it: U+2028 and U+2029 escaped, invalid UTF-8 as
// \ufffd, and with escapeHTML (Marshal's default; an Encoder's
// SetEscapeHTML) <, > and & as \u003c, \u003e and \u0026.
func AppendString(dst []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case b == '\b':
				dst = append(dst, '\\', 'b')
			case b == '\f':
				dst = append(dst, '\\', 'f')
			case b < 0x20 || escapeHTML && (b == '<' || b == '>' || b == '&'):
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			default:
				dst = append(dst, b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
