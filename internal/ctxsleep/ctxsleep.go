// Package ctxsleep waits for a duration unless a context ends first: the
// back-off of admin's retries, the Durable Object coordinator's, the CLI's
// and the emulator's injected latency.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits for d and returns nil, or returns ctx.Err() as soon as ctx is
// done. A d of zero or less only reports ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
