// Package testproc runs the programs that tests and benchmark tools need as
// real processes: it builds a Go package once per process, starts a binary,
// waits (with a deadline) for a line in its output or for it to answer, and
// stops it with SIGTERM, reporting the exit code. It returns errors rather
// than failing a testing.TB so command-line tools can use it too.
package testproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wxcard/wxcard/internal/syncbuf"
)

// ErrExited is returned (wrapped) by the waits when the process ends before
// what they wait for happens.
var ErrExited = errors.New("testproc: process exited")

// ErrTimeout is returned (wrapped) when a wait's deadline passes.
var ErrTimeout = errors.New("testproc: deadline passed")

type buildKey struct{ dir, pkg, env string }

type buildResult struct {
	once sync.Once
	path string
	err  error
}

var builds sync.Map // buildKey → *buildResult

// Build compiles the Go package pkg ("./cmd/localserver", relative to dir)
// once per (dir, pkg, env) for the life of the calling process and returns
// the binary's path. env entries such as "GOOS=js" are added to the
// environment of go build. The binary lives in a temporary directory that
// outlasts the caller's tests, so every test of the process can share it.
func Build(ctx context.Context, dir, pkg string, env ...string) (string, error) {
	r, _ := builds.LoadOrStore(buildKey{dir, pkg, strings.Join(env, "\x00")}, &buildResult{})
	res := r.(*buildResult)
	res.once.Do(func() {
		tmp, err := os.MkdirTemp("", "testproc-bin-")
		if err != nil {
			res.err = err
			return
		}
		name := filepath.Base(pkg)
		if abs, err := filepath.Abs(filepath.Join(dir, pkg)); err == nil {
			name = filepath.Base(abs) // "." names the directory it stands for
		}
		res.path = filepath.Join(tmp, name)
		res.err = BuildTo(ctx, dir, pkg, res.path, env...)
	})
	return res.path, res.err
}

// BuildTo compiles pkg (relative to dir) into out, every time it is called.
func BuildTo(ctx context.Context, dir, pkg, out string, env ...string) error {
	// go test puts its own toolchain first on PATH.
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("testproc: go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// Command says what Start runs.
type Command struct {
	Path string
	Args []string
	Dir  string
	// Env is the whole environment; nil inherits the caller's.
	Env []string
	// Stdout and Stderr, when set, receive that stream instead of the
	// Process's buffer (a long run's log belongs in a file, not in memory);
	// WaitForLine searches only the buffers.
	Stdout, Stderr io.Writer
}

// Process is a started program. Its output is kept in Stdout and Stderr.
type Process struct {
	Stdout, Stderr *syncbuf.Buffer

	cmd     *exec.Cmd
	written chan struct{} // signalled (without blocking) on every write
	done    chan struct{}
	err     error // cmd.Wait's, once done is closed
}

// notifier signals written after each write, so a wait for a line needs no
// polling.
type notifier struct {
	w       io.Writer
	written chan struct{}
}

func (n notifier) Write(p []byte) (int, error) {
	k, err := n.w.Write(p)
	select {
	case n.written <- struct{}{}:
	default:
	}
	return k, err
}

// Start starts c without waiting for anything.
func Start(c Command) (*Process, error) {
	p := &Process{Stdout: &syncbuf.Buffer{}, Stderr: &syncbuf.Buffer{}, written: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.Command(c.Path, c.Args...)
	p.cmd.Dir, p.cmd.Env = c.Dir, c.Env
	p.cmd.Stdout = notifier{orBuffer(c.Stdout, p.Stdout), p.written}
	p.cmd.Stderr = notifier{orBuffer(c.Stderr, p.Stderr), p.written}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("testproc: start %s: %w", filepath.Base(c.Path), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func orBuffer(w io.Writer, own *syncbuf.Buffer) io.Writer {
	if w == nil {
		return own
	}
	return w
}

// Done is closed when the process has ended and its output is copied.
func (p *Process) Done() <-chan struct{} { return p.done }

// Output is what the process wrote so far, for a failure message.
func (p *Process) Output() string {
	return "stdout:\n" + p.Stdout.String() + "\nstderr:\n" + p.Stderr.String()
}

// WaitForLine waits up to within for re to match stdout or stderr and
// returns the submatches of the first match.
func (p *Process) WaitForLine(within time.Duration, re *regexp.Regexp) ([]string, error) {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		if m := re.FindStringSubmatch(p.Stdout.String()); m != nil {
			return m, nil
		}
		if m := re.FindStringSubmatch(p.Stderr.String()); m != nil {
			return m, nil
		}
		select {
		case <-p.written:
		case <-p.done:
			// The last writes may have landed since the check above.
			if m := re.FindStringSubmatch(p.Stdout.String() + p.Stderr.String()); m != nil {
				return m, nil
			}
			return nil, fmt.Errorf("%w (%v) before printing %q", ErrExited, p.err, re)
		case <-deadline.C:
			return nil, fmt.Errorf("%w: no %q within %s", ErrTimeout, re, within)
		}
	}
}

// pollEvery is how often WaitUntil asks again.
const pollEvery = 10 * time.Millisecond

// WaitUntil calls ready until it returns nil, the process ends, or within
// passes; it returns the last error of ready on a timeout.
func (p *Process) WaitUntil(within time.Duration, ready func() error) error {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%w (%v) before it was ready: %w", ErrExited, p.err, err)
		case <-deadline.C:
			return fmt.Errorf("%w: not ready within %s: %w", ErrTimeout, within, err)
		case <-tick.C:
		}
	}
}

// WaitForPort waits until addr ("127.0.0.1:6379") accepts a connection.
func (p *Process) WaitForPort(within time.Duration, addr string) error {
	return p.WaitUntil(within, func() error {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return err
		}
		return conn.Close()
	})
}

// Wait waits up to within for the process to end and returns its exit
// code (-1 when a signal ended it).
func (p *Process) Wait(within time.Duration) (int, error) {
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-t.C:
		return 0, fmt.Errorf("%w: still running after %s", ErrTimeout, within)
	}
}

// Signal sends sig unless the process has ended.
func (p *Process) Signal(sig os.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("testproc: signal: %w", err)
	}
	return nil
}

// Stop sends SIGTERM and waits up to within for the exit code.
func (p *Process) Stop(within time.Duration) (int, error) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	return p.Wait(within)
}

// Kill ends the process at once, if it still runs, and waits for it.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// programs that cannot listen on port 0 and report what they got.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testproc: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
