package linelog_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/internal/linelog"
)

func TestLogger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		log  func(l *linelog.Logger)
		want string
	}{
		{"attrs", func(l *linelog.Logger) {
			l.LogAttrs(ctx, linelog.LevelWarn, "wxcard: refreshed", linelog.String("key", "wxcard:wx1:ticket"),
				linelog.Int("expires_in", 7200), linelog.Duration("elapsed", 1500*time.Millisecond))
		}, "level=WARN msg=\"wxcard: refreshed\" key=wxcard:wx1:ticket expires_in=7200 elapsed=1.5s\n"},
		{"key value args", func(l *linelog.Logger) {
			l.Log(ctx, linelog.LevelError, "edge: request failed", "status", 502, "error", errors.New("boom"), "ok", true)
		}, "level=ERROR msg=\"edge: request failed\" status=502 error=boom ok=true\n"},
		{"warn and error helpers", func(l *linelog.Logger) {
			l.WarnContext(ctx, "w", "k", "v")
			l.ErrorContext(ctx, "e")
		}, "level=WARN msg=w k=v\nlevel=ERROR msg=e\n"},
		{"values that could forge a pair or a line are quoted", func(l *linelog.Logger) {
			l.Log(ctx, linelog.LevelWarn, "m", "path", "/x a=b\nlevel=ERROR", "empty", "", "bad", "\xff")
		}, "level=WARN msg=m path=\"/x a=b\\nlevel=ERROR\" empty=\"\" bad=\"\\xff\"\n"},
		{"odd args and a non-string key", func(l *linelog.Logger) {
			l.Log(ctx, linelog.LevelWarn, "m", 7, "dangling")
		}, "level=WARN msg=m !BADKEY=7 !BADKEY=dangling\n"},
		{"below the level is dropped", func(l *linelog.Logger) {
			l.Log(ctx, linelog.LevelInfo, "quiet")
			l.LogAttrs(ctx, linelog.LevelDebug, "quieter")
		}, ""},
		{"other values go through fmt", func(l *linelog.Logger) {
			l.Log(ctx, linelog.LevelWarn, "m", "f", 1.5, "n", int64(-3), "d", time.Second)
		}, "level=WARN msg=m f=1.5 n=-3 d=1s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tt.log(linelog.New(&buf, linelog.LevelWarn))
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

func TestNilLoggerDiscards(t *testing.T) {
	t.Parallel()
	var l *linelog.Logger
	assert.Nil(t, linelog.New(nil, linelog.LevelDebug))
	assert.False(t, l.Enabled(linelog.LevelError))
	assert.NotPanics(t, func() {
		l.LogAttrs(context.Background(), linelog.LevelError, "x", linelog.String("k", "v"))
		l.Log(context.Background(), linelog.LevelError, "x", "k", "v")
		l.WarnContext(context.Background(), "x")
		l.ErrorContext(context.Background(), "x")
	})
}

func TestLevelNames(t *testing.T) {
	t.Parallel()
	for level, want := range map[linelog.Level]string{
		linelog.LevelDebug: "DEBUG", linelog.LevelInfo: "INFO", linelog.LevelWarn: "WARN",
		linelog.LevelError: "ERROR", linelog.LevelError + 4: "ERROR", linelog.LevelDebug - 1: "DEBUG",
	} {
		assert.Equal(t, want, level.String())
	}
}
