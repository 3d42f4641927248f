//go:build js

package app

import (
	"io"

	"github.com/wxcard/wxcard/internal/linelog"
)

// newLogger logs warnings and errors to w with linelog, the logger edge and
// admin take in js/wasm builds, where log/slog would cost the Worker's
// bundle most of encoding/json.
func newLogger(w io.Writer) *linelog.Logger { return linelog.New(w, linelog.LevelWarn) }
