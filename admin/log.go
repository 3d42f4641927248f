//go:build !js

package admin

import (
	"log/slog"
	"time"
)

// logger is what the client logs through: log/slog here, the smaller
// linelog in js/wasm builds (log_js.go), which cannot afford slog's size.
type logger = *slog.Logger

func discardLogger() logger { return slog.New(slog.DiscardHandler) }

// WithLogger sets the logger for warnings (a store that fails) and debug
// lines (each request, each refresh). Secrets never reach it. The default
// discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return invalidArg("logger", "is nil")
		}
		c.log = l
		return nil
	}
}

const (
	slogDebug = slog.LevelDebug
	slogInfo  = slog.LevelInfo
	slogWarn  = slog.LevelWarn
)

func attrOp(op string) slog.Attr       { return slog.String("op", op) }
func attrCode(code int) slog.Attr      { return slog.Int("errcode", code) }
func attrURL(raw string) slog.Attr     { return slog.String("url", redactURL(raw)) }
func attrErr(err error) slog.Attr      { return slog.String("error", err.Error()) }
func attrKey(key string) slog.Attr     { return slog.String("key", key) }
func slogString(k, v string) slog.Attr { return slog.String(k, v) }
func slogInt(k string, v int) slog.Attr {
	return slog.Int(k, v)
}
func slogDuration(k string, d time.Duration) slog.Attr { return slog.Duration(k, d) }
