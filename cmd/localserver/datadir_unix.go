//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dataDirLockName is the file in the data directory that a running server
// holds an exclusive flock on.
const dataDirLockName = ".lock"

// errDataDirInUse is returned by lockDataDir when another process holds the
// directory.
var errDataDirInUse = errors.New("in use by another process")

// lockDataDir creates dir if needed and takes an exclusive, non-blocking
// flock on its lock file, held until the returned file is closed (or the
// process ends, however it ends: the kernel drops the lock).
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, dataDirLockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data dir %s is %w (is another localserver running with the same -data-dir?)", dir, errDataDirInUse)
		}
		return nil, fmt.Errorf("data dir %s: lock: %w", dir, err)
	}
	return f, nil
}
