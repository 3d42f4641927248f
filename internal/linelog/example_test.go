package linelog_test

import (
	"context"
	"os"

	"github.com/wxcard/wxcard/internal/linelog"
)

func ExampleLogger_Log() {
	logger := linelog.New(os.Stdout, linelog.LevelWarn)
	logger.Log(context.Background(), linelog.LevelWarn, "edge: request failed", "path", "/v1/addcard", "status", 502)
	logger.Log(context.Background(), linelog.LevelInfo, "not written: below the level")
	// Output: level=WARN msg="edge: request failed" path=/v1/addcard status=502
}
