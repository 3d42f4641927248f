//go:build !unix

package redisproc

import "errors"

// Pause needs SIGSTOP, which this platform does not have.
func (s *Server) Pause() error { return errors.New("redisproc: Pause needs a unix host") }

// Resume needs SIGCONT, which this platform does not have.
func (s *Server) Resume() error { return errors.New("redisproc: Resume needs a unix host") }
