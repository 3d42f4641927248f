package ctxsleep_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/internal/ctxsleep"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"waits out d", context.Background(), time.Millisecond, nil},
		{"zero only reports the context", context.Background(), 0, nil},
		{"negative only reports the context", done, -time.Second, context.Canceled},
		{"a done context ends a long wait at once", done, time.Hour, context.Canceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			assert.ErrorIs(t, ctxsleep.Sleep(c.ctx, c.d), c.want)
		})
	}
}
