//go:build js

package admin

import (
	"time"

	"github.com/wxcard/wxcard/internal/linelog"
)

// logger is what the client logs through. In js/wasm builds (the edge
// Worker) that is linelog rather than log/slog, whose import alone links
// most of encoding/json into the Worker's bundle.
type logger = *linelog.Logger

// discardLogger returns the nil *linelog.Logger, which discards.
func discardLogger() logger { return nil }

// WithLogger sets the logger for warnings (a store that fails) and debug
// lines (each request, each refresh). Secrets never reach it. The default
// discards everything. In js/wasm builds it takes a *linelog.Logger.
func WithLogger(l *linelog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return invalidArg("logger", "is nil")
		}
		c.log = l
		return nil
	}
}

const (
	slogDebug = linelog.LevelDebug
	slogInfo  = linelog.LevelInfo
	slogWarn  = linelog.LevelWarn
)

func attrOp(op string) linelog.Attr       { return linelog.String("op", op) }
func attrCode(code int) linelog.Attr      { return linelog.Int("errcode", code) }
func attrURL(raw string) linelog.Attr     { return linelog.String("url", redactURL(raw)) }
func attrErr(err error) linelog.Attr      { return linelog.String("error", err.Error()) }
func attrKey(key string) linelog.Attr     { return linelog.String("key", key) }
func slogString(k, v string) linelog.Attr { return linelog.String(k, v) }
func slogInt(k string, v int) linelog.Attr {
	return linelog.Int(k, v)
}
func slogDuration(k string, d time.Duration) linelog.Attr { return linelog.Duration(k, d) }
