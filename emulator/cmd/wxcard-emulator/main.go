// Command wxcard-emulator serves the WeChat card backend emulator on a
// loopback address, for developing against it without writing Go.
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
	snapshot := fs.String("snapshot", "", "file keeping state across restarts (a .json path is imported into the .db beside it)")
	publicURL := fs.String("public-url", "", "externally visible base URL (default http://<addr>)")
	appID := fs.String("appid", "", "appid of the dev app (default: generated, or from the snapshot)")
	secret := fs.String("secret", "", "AppSecret of -appid (default $WXCARD_EMULATOR_SECRET)")
	autoApprove := fs.Bool("auto-approve", false, "approve cards and sub-merchants at once")
	printSecret := fs.Bool("print-secret", false, "print the dev app's AppSecret")
	noControl := fs.Bool("no-control", false, "disable the /emulator/v1/ control routes")
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
	opts := []emulator.Option{emulator.WithPublicURL(base), emulator.WithAutoApprove(*autoApprove), emulator.WithControlRoutes(!*noControl)}
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
	defer emu.Close()
	dev, devSecret := emu.DevApp()
	if from := emu.ImportedJSON(); from != "" {
		fmt.Fprintf(stdout, "imported %s into %s; the JSON file is no longer read\n", from, emu.SnapshotPath())
	}
	fmt.Fprintf(stdout, "wxcard emulator on %s\nappid: %s\n", base, dev)
	if *printSecret {
		fmt.Fprintf(stdout, "secret: %s\n", devSecret)
	}
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Above the longest injectable latency (a minute), so a latency
		// fault delays an answer rather than cutting it off.
		WriteTimeout: 90 * time.Second,
		IdleTimeout:  2 * time.Minute,
	}
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
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return emu.Close()
}
