//go:build !js

package grant

import "log/slog"

// LogValue shows the key id only. It is left out of js/wasm builds, which
// do not link log/slog (the edge Worker logs through a smaller logger that
// formats a Key with String).
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }
