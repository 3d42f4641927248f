package admin

import (
	"log/slog"
	"time"
)

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
