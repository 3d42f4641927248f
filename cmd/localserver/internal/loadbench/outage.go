package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wxcard/wxcard/internal/testproc"
)

// outageConns is how many wrk connections load the server during the
// Redis outage phases, as in the operator's report they reproduce.
const outageConns = 8

// benchRedisOutage runs the operator's test of a store outage against the
// real binary: the server on -store redis://… (a redis-server started
// here), wrk with outageConns connections on POST /v1/addcard while Redis
// is healthy, then killed (connections refused), then restarted empty and
// paused with SIGSTOP (connections accepted, never answered), that cycle
// rounds times. Any non-2xx answer or socket error fails the run. It
// returns one line per phase, its round with the lowest p99:
//
//	BenchmarkLocalserverAddCardRedis/<phase>  <requests>  <req/s> req/s  <ms> p50-ms  <ms> p99-ms
func benchRedisOutage(ctx context.Context, bin, wrk string, d time.Duration, threads, rounds int) ([]string, error) {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found on PATH (apt-get install redis-server)")
	}
	tmp, err := os.MkdirTemp("", "loadbench-redis-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	rs, err := startRedisServer(ctx, redisBin, tmp)
	if err != nil {
		return nil, err
	}
	defer rs.kill()

	logFile, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	srv, err := testproc.Start(testproc.Command{Path: bin, Args: []string{"-addr", "127.0.0.1:0", "-data-dir", filepath.Join(tmp, "data"),
		"-store", "redis://" + rs.addr + "/0", "-rate-limit", "0", "-log-sample", "1000000"}, Stderr: logFile})
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = srv.Signal(os.Interrupt)
		_, _ = srv.Wait(10 * time.Second)
		srv.Kill()
	}()
	m, err := srv.WaitForLine(30*time.Second, readyRE)
	if err != nil {
		return nil, fmt.Errorf("the local server did not start: %w", err)
	}
	base := m[1]
	cardID, err := approvedCardID(ctx, base)
	if err != nil {
		return nil, err
	}
	script := filepath.Join(tmp, "addcard.lua")
	body := fmt.Sprintf(`{"cards":[{"card_id":%q,"openid":"oLoadBench000000000000000001"}]}`, cardID)
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", body)
	if err := os.WriteFile(script, []byte(lua), 0o644); err != nil {
		return nil, err
	}

	// Warm: the ticket is fetched and stored before the healthy phase, so
	// that no phase pays the first fetch.
	if err := postAddCard(ctx, base, body); err != nil {
		return nil, err
	}

	phases := []struct {
		name  string
		enter func() error
	}{
		{"healthy", func() error {
			if rs.cmd == nil {
				return rs.restart(ctx)
			}
			return rs.signal(syscall.SIGCONT)
		}},
		{"stopped", func() error { rs.kill(); return nil }},
		{"paused", func() error {
			if err := rs.restart(ctx); err != nil {
				return err
			}
			return rs.signal(syscall.SIGSTOP)
		}},
	}
	// The machine's other load shows in every phase's tail; running the
	// cycle rounds times and keeping each phase's lowest p99 compares the
	// phases rather than the moments they happened to run in.
	best := make([]result, len(phases))
	for round := 0; round < rounds; round++ {
		for i, p := range phases {
			if err := p.enter(); err != nil {
				return nil, fmt.Errorf("redis %s: %w", p.name, err)
			}
			args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(outageConns), "-d", d.String(), "--latency",
				"-s", script, base + "/v1/addcard"}
			out, err := exec.CommandContext(ctx, wrk, args...).CombinedOutput()
			if err != nil {
				return nil, fmt.Errorf("wrk (redis %s): %v\n%s", p.name, err, out)
			}
			r, err := parseWrk(out)
			if err != nil {
				return nil, fmt.Errorf("redis %s: %w", p.name, err)
			}
			if round == 0 || r.p99 < best[i].p99 {
				best[i] = r
			}
		}
	}
	_ = rs.signal(syscall.SIGCONT)
	lines := make([]string, len(phases))
	for i, p := range phases {
		lines[i] = best[i].line("LocalserverAddCardRedis/"+p.name, "")
	}
	return lines, nil
}

// redisServer is a redis-server process on a fixed loopback port, so that
// a restart comes back where the local server's client looks for it.
type redisServer struct {
	bin, dir, addr string
	port           int
	cmd            *exec.Cmd
	done           chan struct{}
}

func startRedisServer(ctx context.Context, bin, dir string) (*redisServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	rs := &redisServer{bin: bin, dir: dir, port: port, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	return rs, rs.start(ctx)
}

func (rs *redisServer) start(ctx context.Context) error {
	cmd := exec.Command(rs.bin, "--port", strconv.Itoa(rs.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", rs.dir, "--daemonize", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	rs.cmd, rs.done = cmd, done
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("redis-server exited at start")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if pingRedis(rs.addr) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	rs.kill()
	return errors.New("redis-server did not answer PING within 5s")
}

// kill stops the server with SIGKILL (paused or not) and waits for it.
func (rs *redisServer) kill() {
	if rs.cmd == nil {
		return
	}
	_ = rs.cmd.Process.Kill()
	<-rs.done
	rs.cmd = nil
}

func (rs *redisServer) restart(ctx context.Context) error {
	rs.kill()
	return rs.start(ctx)
}

func (rs *redisServer) signal(sig syscall.Signal) error {
	if rs.cmd == nil {
		return errors.New("redis-server is not running")
	}
	return rs.cmd.Process.Signal(sig)
}

func pingRedis(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func postAddCard(ctx context.Context, base, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/addcard", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("warm-up POST /v1/addcard: %s", resp.Status)
	}
	return nil
}
