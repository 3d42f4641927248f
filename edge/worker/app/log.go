//go:build !js

package app

import (
	"io"
	"log/slog"
)

// newLogger logs warnings and errors to w with log/slog; js/wasm builds
// use linelog (log_js.go), as edge and admin do there.
func newLogger(w io.Writer) *slog.Logger {
	if w == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
