//go:build unix

package kvtest

import (
	"errors"
	"os"
	"syscall"
)

// Pause stops the server with SIGSTOP: connections are still accepted by
// the kernel, and nothing answers them, the worst kind of outage for a
// client. Resume undoes it; Stop kills a paused server too.
func (s *RedisServer) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *RedisServer) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *RedisServer) signal(sig os.Signal) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("kvtest: redis-server is not running")
	}
	select {
	case <-done:
		return errors.New("kvtest: redis-server has exited")
	default:
	}
	return cmd.Process.Signal(sig)
}
