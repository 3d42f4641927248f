// Package linelog is a small leveled logger that writes one key=value line
// per record, in the shape of log/slog's text handler without the time
// (the Workers runtime stamps every line itself).
//
// It stands in for log/slog in the js/wasm build of the edge Worker: slog
// links most of encoding/json and its reflection into every binary that
// imports it, about 130 kB of gzip in a bundle whose size and cold start
// are its costliest traits. Native builds keep log/slog.
package linelog

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Level orders records as log/slog's levels do, with the same values.
type Level int

// The levels, numbered as log/slog numbers them.
const (
	LevelDebug Level = -4
	LevelInfo  Level = 0
	LevelWarn  Level = 4
	LevelError Level = 8
)

// String names the level as log/slog's text handler does.
func (l Level) String() string {
	switch {
	case l < LevelInfo:
		return "DEBUG"
	case l < LevelWarn:
		return "INFO"
	case l < LevelError:
		return "WARN"
	default:
		return "ERROR"
	}
}

// Attr is one key=value pair of a record.
type Attr struct {
	Key, Value string
}

// String returns an Attr for a string value.
func String(key, value string) Attr { return Attr{Key: key, Value: value} }

// Int returns an Attr for an integer value.
func Int(key string, value int) Attr { return Attr{Key: key, Value: strconv.Itoa(value)} }

// Duration returns an Attr for a duration, written as time.Duration prints.
func Duration(key string, value time.Duration) Attr {
	return Attr{Key: key, Value: value.String()}
}

// Logger writes records at or above its level to its writer. A nil *Logger
// discards everything, so callers need no discard logger of their own.
type Logger struct {
	mu  sync.Mutex // one record's line is written whole
	w   io.Writer
	min Level
}

// New returns a Logger writing records of level min and above to w. A nil
// w returns a nil Logger, which discards.
func New(w io.Writer, min Level) *Logger {
	if w == nil {
		return nil
	}
	return &Logger{w: w, min: min}
}

// Enabled reports whether a record at level would be written.
func (l *Logger) Enabled(level Level) bool {
	return l != nil && level >= l.min
}

// LogAttrs writes one record. The context is accepted for the same call
// shape as log/slog; nothing is read from it.
func (l *Logger) LogAttrs(_ context.Context, level Level, msg string, attrs ...Attr) {
	if !l.Enabled(level) {
		return
	}
	line := appendHead(make([]byte, 0, 128), level, msg)
	for _, a := range attrs {
		line = appendPair(line, a.Key, a.Value)
	}
	l.write(append(line, '\n'))
}

// Log writes one record whose args alternate keys and values, as
// log/slog's Log takes them. A key that is not a string is written under
// "!BADKEY", as slog does.
func (l *Logger) Log(_ context.Context, level Level, msg string, args ...any) {
	if !l.Enabled(level) {
		return
	}
	line := appendHead(make([]byte, 0, 128), level, msg)
	for len(args) > 0 {
		key, ok := args[0].(string)
		if !ok || len(args) == 1 {
			line = appendPair(line, "!BADKEY", formatValue(args[0]))
			args = args[1:]
			continue
		}
		line = appendPair(line, key, formatValue(args[1]))
		args = args[2:]
	}
	l.write(append(line, '\n'))
}

// WarnContext logs at LevelWarn.
func (l *Logger) WarnContext(ctx context.Context, msg string, args ...any) {
	l.Log(ctx, LevelWarn, msg, args...)
}

// ErrorContext logs at LevelError.
func (l *Logger) ErrorContext(ctx context.Context, msg string, args ...any) {
	l.Log(ctx, LevelError, msg, args...)
}

func (l *Logger) write(line []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A failed log write has nowhere better to be reported.
	_, _ = l.w.Write(line)
}

func appendHead(dst []byte, level Level, msg string) []byte {
	dst = append(dst, "level="...)
	dst = append(dst, level.String()...)
	return appendPair(dst, "msg", msg)
}

func appendPair(dst []byte, key, value string) []byte {
	dst = append(dst, ' ')
	dst = appendMaybeQuoted(dst, key)
	dst = append(dst, '=')
	return appendMaybeQuoted(dst, value)
}

// appendMaybeQuoted writes s bare when that reads back unambiguously, and
// quoted otherwise, so a value can never forge another pair or a new line.
func appendMaybeQuoted(dst []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(dst, s)
	}
	return append(dst, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b <= ' ' || b == '=' || b == '"' || b == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}
