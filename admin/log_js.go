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
func WithLogger(l *linelog.Logger) Option { return withLogger(l) }

const (
	slogDebug = linelog.LevelDebug
	slogInfo  = linelog.LevelInfo
	slogWarn  = linelog.LevelWarn
)

type attr = linelog.Attr

func attrString(k, v string) attr                 { return linelog.String(k, v) }
func attrInt(k string, v int) attr                { return linelog.Int(k, v) }
func attrDuration(k string, d time.Duration) attr { return linelog.Duration(k, d) }
