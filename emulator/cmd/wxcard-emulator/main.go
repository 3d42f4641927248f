// Command wxcard-emulator serves the WeChat card backend emulator, for
// developing against it without writing Go.
//
//	wxcard-emulator -addr 127.0.0.1:8081 -snapshot emulator.db -auto-approve
//
// The snapshot file is locked while the emulator runs: a second one on the
// same file exits with an error instead of overwriting the first one's
// state. A -snapshot path ending in .json names the JSON snapshot of
// earlier versions: it is imported once into the .db file beside it.
//
// It prints the base URL and the dev app's appid. The AppSecret is chosen
// with -secret or WXCARD_EMULATOR_SECRET (with -appid), or read from the
// snapshot; -print-secret shows a generated one once.
//
// On a loopback -addr (the default) the control routes (/emulator/v1/…)
// are on; on any other address they are off unless -control is given, and
// the banner warns that the emulator is reachable from other machines.
// Every route answers only requests whose Host is a loopback name or
// address, the -addr address, the host of -public-url or one of
// -public-hosts: a web page cannot reach it through DNS rebinding.
//
// Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when the
// emulator could not start or stop cleanly, 2 for a usage mistake.
//
// With -push-url the dev app's card events are pushed to that server URL,
// signed with WXCARD_EMULATOR_PUSH_TOKEN and, in -push-mode safe, encrypted
// with WXCARD_EMULATOR_PUSH_AES_KEY (environment only: flags show up in ps).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/internal/devhttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "wxcard-emulator:", err)
	}
	os.Exit(exitCode(err))
}

// errUsage marks mistakes in the flags: exit status 2.
var errUsage = errors.New("usage")

func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		return 1
	}
}

// options is what the flags decide.
type options struct {
	addr        string
	snapshot    string
	publicURL   string
	appID       string
	secret      string
	autoApprove bool
	printSecret bool
	control     bool
	publicHosts []string
	loopback    bool
	pushURL     string
	pushMode    string
	pushTimeout time.Duration
}

func parseFlags(args []string, getenv func(string) string, out io.Writer) (*options, error) {
	fs := flag.NewFlagSet("wxcard-emulator", flag.ContinueOnError)
	fs.SetOutput(out)
	o := &options{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8081", "listen address `host:port` (loopback recommended)")
	fs.StringVar(&o.snapshot, "snapshot", "", "`file` keeping state across restarts (a .json path is imported into the .db beside it)")
	fs.StringVar(&o.publicURL, "public-url", "", "externally visible base `URL` (default http://<addr>); its host is accepted in the Host header")
	fs.StringVar(&o.appID, "appid", "", "appid of the dev app (default: generated, or from the snapshot)")
	fs.StringVar(&o.secret, "secret", "", "AppSecret of -appid (default $WXCARD_EMULATOR_SECRET; flags show up in ps)")
	fs.BoolVar(&o.autoApprove, "auto-approve", false, "approve cards and sub-merchants at once")
	fs.BoolVar(&o.printSecret, "print-secret", false, "print the dev app's AppSecret")
	control := fs.Bool("control", false, "serve the /emulator/v1/ control routes; default: on for a loopback -addr only")
	noControl := fs.Bool("no-control", false, "turn the control routes off (also on a loopback -addr)")
	fs.StringVar(&o.pushURL, "push-url", "", "server `URL` the dev app's card events are pushed to (token: $WXCARD_EMULATOR_PUSH_TOKEN)")
	fs.StringVar(&o.pushMode, "push-mode", "plaintext", "plaintext, safe or compatible (key: $WXCARD_EMULATOR_PUSH_AES_KEY)")
	fs.DurationVar(&o.pushTimeout, "push-timeout", emulator.DefaultPushTimeout, "how long a push waits for its answer before it is sent again")
	publicHosts := fs.String("public-hosts", "", "comma-separated host names or addresses accepted in the Host header besides loopback ones, the -addr address and the -public-url host (a reverse proxy's name)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	controlSet := false
	fs.Visit(func(f *flag.Flag) { controlSet = controlSet || f.Name == "control" })
	if o.secret == "" {
		o.secret = getenv("WXCARD_EMULATOR_SECRET")
	}
	if (o.appID == "") != (o.secret == "") {
		return nil, usagef("-appid and -secret (or WXCARD_EMULATOR_SECRET) go together")
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return nil, usagef("-addr %q: want host:port, as in 127.0.0.1:8081", o.addr)
	}
	o.loopback = devhttp.IsLoopbackHost(host)
	switch {
	case controlSet && *control && *noControl:
		return nil, usagef("-control and -no-control contradict each other")
	case *noControl:
		o.control = false
	case controlSet:
		o.control = *control
	default:
		o.control = o.loopback
	}
	for _, h := range strings.Split(*publicHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.publicHosts = append(o.publicHosts, h)
		}
	}
	if _, err := devhttp.NewHostGuard(o.publicHosts); err != nil {
		return nil, usagef("-public-hosts %v", err)
	}
	// The emulator's own checks (appid, secret, URL), without the snapshot,
	// so a bad value is a usage error and not a failure to start.
	if _, err := emulator.New(o.emulatorOptions("http://127.0.0.1:1")...); err != nil {
		return nil, usagef("%v", strings.TrimPrefix(err.Error(), "emulator: "))
	}
	return o, nil
}

// emulatorOptions are the options of the flags; base is the public URL when
// -public-url is not given.
func (o *options) emulatorOptions(base string) []emulator.Option {
	if o.publicURL != "" {
		base = o.publicURL
	}
	opts := []emulator.Option{emulator.WithPublicURL(base), emulator.WithAutoApprove(o.autoApprove), emulator.WithControlRoutes(o.control),
		emulator.WithPushTimeout(o.pushTimeout)}
	if o.appID != "" {
		opts = append(opts, emulator.WithApp(o.appID, o.secret))
	}
	return opts
}

// run parses args, serves until ctx is done, and reports the listening
// address on ready (when not nil) for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	opts := o.emulatorOptions(base)
	if o.snapshot != "" {
		opts = append(opts, emulator.WithSnapshotFile(o.snapshot))
	}
	emu, err := emulator.New(opts...)
	if err != nil {
		return err
	}
	defer emu.Close()
	if from := emu.ImportedJSON(); from != "" {
		fmt.Fprintf(stdout, "imported %s into %s; the JSON file is no longer read\n", from, emu.SnapshotPath())
	}
	hosts := slices.Clone(o.publicHosts)
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsUnspecified() {
		hosts = append(hosts, ip.String())
	}
	if o.publicURL != "" {
		if u, err := url.Parse(o.publicURL); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	guard, err := devhttp.NewHostGuard(hosts)
	if err != nil {
		return usagef("-public-url: %v", err)
	}
	if o.publicURL != "" {
		base = strings.TrimRight(o.publicURL, "/")
	}
	dev, devSecret := emu.DevApp()
	if o.pushURL != "" {
		err := emu.SetPushConfig(ctx, dev, emulator.PushConfig{
			URL: o.pushURL, Token: getenv("WXCARD_EMULATOR_PUSH_TOKEN"), EncodingAESKey: getenv("WXCARD_EMULATOR_PUSH_AES_KEY"),
			Mode: emulator.PushMode(o.pushMode),
		})
		if err != nil {
			return usagef("-push-url: %v", err)
		}
	}
	fmt.Fprintf(stdout, "wxcard emulator on %s\nappid: %s\n", base, dev)
	if o.printSecret {
		fmt.Fprintf(stdout, "secret: %s\n", devSecret)
	}
	if !o.loopback {
		fmt.Fprintf(stdout, "WARNING: %s is reachable from other machines", o.addr)
		if o.control {
			fmt.Fprintf(stdout, ", and -control lets them drive the emulator (state, clock, faults, approvals)\n")
		} else {
			fmt.Fprintf(stdout, "; the control routes are off (-control turns them on)\n")
		}
	}
	srv := devhttp.NewServer(guard.Wrap(emu), devhttp.DefaultTimeouts(), nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := emu.WaitPushes(shutdownCtx); err != nil {
		fmt.Fprintln(stdout, "pushes still on their way were abandoned")
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return emu.Close()
}
