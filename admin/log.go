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
func WithLogger(l *slog.Logger) Option { return withLogger(l) }

const (
	slogDebug = slog.LevelDebug
	slogInfo  = slog.LevelInfo
	slogWarn  = slog.LevelWarn
)

type attr = slog.Attr

func attrString(k, v string) attr                 { return slog.String(k, v) }
func attrInt(k string, v int) attr                { return slog.Int(k, v) }
func attrDuration(k string, d time.Duration) attr { return slog.Duration(k, d) }
