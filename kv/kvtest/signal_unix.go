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
	p := s.process()
	if p == nil || !s.Running() {
		return errors.New("kvtest: redis-server is not running")
	}
	return p.Signal(sig)
}
