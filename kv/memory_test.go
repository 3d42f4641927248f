package kv_test

import (
	"testing"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	kvtest.Run(t, func(t *testing.T) kv.Store { return kv.NewMemory() })
}
