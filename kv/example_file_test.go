//go:build !js && !wasip1

package kv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wxcard/wxcard/kv"
)

func ExampleOpenFile() {
	dir, _ := os.MkdirTemp("", "kv")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := kv.OpenFile(filepath.Join(dir, "wxcard.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.Set(ctx, "k", []byte("survives a restart"), time.Hour)
	_ = s.Close()

	s, _ = kv.OpenFile(filepath.Join(dir, "wxcard.db"))
	defer s.Close()
	v, _, _ := s.Get(ctx, "k")
	fmt.Println(string(v))
	// Output: survives a restart
}
