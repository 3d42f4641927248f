//go:build unix

package redisproc

import (
	"os"
	"syscall"
)

// Pause stops the server with SIGSTOP: connections are still accepted by
// the kernel, and nothing answers them, the worst kind of outage for a
// client. Resume undoes it; Stop kills a paused server too.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) error {
	p := s.process()
	if p == nil || !s.Running() {
		return ErrNotRunning
	}
	return p.Signal(sig)
}
