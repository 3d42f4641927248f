//go:build !js

package edge

import "log/slog"

// logger is what the handler logs through: log/slog, or in js/wasm builds
// the smaller linelog (log_js.go).
type logger = *slog.Logger

func discardLogger() logger { return slog.New(slog.DiscardHandler) }

const (
	levelDebug = slog.LevelDebug
	levelInfo  = slog.LevelInfo
	levelWarn  = slog.LevelWarn
)
