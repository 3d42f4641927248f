//go:build js

package edge

import "github.com/wxcard/wxcard/internal/linelog"

// logger is what the handler logs through. In js/wasm builds (the edge
// Worker) that is linelog: importing log/slog links most of encoding/json
// into the Worker's bundle.
type logger = *linelog.Logger

// discardLogger returns the nil *linelog.Logger, which discards.
func discardLogger() logger { return nil }

const (
	levelDebug = linelog.LevelDebug
	levelInfo  = linelog.LevelInfo
	levelWarn  = linelog.LevelWarn
)
