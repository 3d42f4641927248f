//go:build !unix

package main

import (
	"fmt"
	"os"
)

// lockDataDir creates dir if needed. Without flock the data directory is
// not locked; the bbolt files in it still lock themselves.
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	return nil, nil
}
