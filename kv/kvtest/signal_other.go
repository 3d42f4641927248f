//go:build !unix

package kvtest

import "errors"

// Pause needs SIGSTOP, which this platform does not have.
func (s *RedisServer) Pause() error { return errors.New("kvtest: Pause needs a unix host") }

// Resume needs SIGCONT, which this platform does not have.
func (s *RedisServer) Resume() error { return errors.New("kvtest: Resume needs a unix host") }
