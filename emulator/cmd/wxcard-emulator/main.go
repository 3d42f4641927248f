// Command wxcard-emulator serves the WeChat card backend emulator on a
// loopback address, for developing against it without writing Go.
//
//	wxcard-emulator -addr 127.0.0.1:8081 -snapshot emulator.json -auto-approve
//
// It prints the base URL and the dev app's appid. The AppSecret is chosen
// with -secret or WXCARD_EMULATOR_SECRET (with -appid), or read from the
// snapshot; -print-secret shows a generated one once.
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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wxcard/wxcard/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "wxcard-emulator:", err)
		os.Exit(1)
	}
}

// run parses args, serves until ctx is done, and reports the listening
// address on ready (when not nil) for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("wxcard-emulator", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address (loopback recommended)")
	snapshot := fs.String("snapshot", "", "JSON file keeping state across restarts")
	publicURL := fs.String("public-url", "", "externally visible base URL (default http://<addr>)")
	appID := fs.String("appid", "", "appid of the dev app (default: generated, or from the snapshot)")
	secret := fs.String("secret", "", "AppSecret of -appid (default $WXCARD_EMULATOR_SECRET)")
	autoApprove := fs.Bool("auto-approve", false, "approve cards and sub-merchants at once")
	printSecret := fs.Bool("print-secret", false, "print the dev app's AppSecret")
	noControl := fs.Bool("no-control", false, "disable the /emulator/v1/ control routes")
	pushURL := fs.String("push-url", "", "server URL the dev app's card events are pushed to (token: $WXCARD_EMULATOR_PUSH_TOKEN)")
	pushMode := fs.String("push-mode", "plaintext", "plaintext, safe or compatible (key: $WXCARD_EMULATOR_PUSH_AES_KEY)")
	pushTimeout := fs.Duration("push-timeout", emulator.DefaultPushTimeout, "how long a push waits for its answer before it is sent again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		*secret = getenv("WXCARD_EMULATOR_SECRET")
	}
	if (*appID == "") != (*secret == "") {
		return errors.New("-appid and -secret (or WXCARD_EMULATOR_SECRET) go together")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	opts := []emulator.Option{emulator.WithPublicURL(base), emulator.WithAutoApprove(*autoApprove), emulator.WithControlRoutes(!*noControl),
		emulator.WithPushTimeout(*pushTimeout)}
	if *snapshot != "" {
		opts = append(opts, emulator.WithSnapshotFile(*snapshot))
	}
	if *appID != "" {
		opts = append(opts, emulator.WithApp(*appID, *secret))
	}
	emu, err := emulator.New(opts...)
	if err != nil {
		return err
	}
	dev, devSecret := emu.DevApp()
	if *pushURL != "" {
		err := emu.SetPushConfig(ctx, dev, emulator.PushConfig{
			URL: *pushURL, Token: getenv("WXCARD_EMULATOR_PUSH_TOKEN"), EncodingAESKey: getenv("WXCARD_EMULATOR_PUSH_AES_KEY"),
			Mode: emulator.PushMode(*pushMode),
		})
		if err != nil {
			return fmt.Errorf("-push-url: %w", err)
		}
	}
	fmt.Fprintf(stdout, "wxcard emulator on %s\nappid: %s\n", base, dev)
	if *printSecret {
		fmt.Fprintf(stdout, "secret: %s\n", devSecret)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
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
	return emu.Save(shutdownCtx)
}
