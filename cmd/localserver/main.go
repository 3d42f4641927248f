// Command localserver runs the whole of wxcard on a laptop, offline, in one
// process: the config API (/v1/…, the same edge handler the Cloudflare Worker
// serves), an emulator of WeChat's card backend (/wechat/…), a demo merchant
// page with a stand-in for WeChat's JS-SDK (/demo/, /wx-standin.js) and the
// browser preview tool (/js/preview/).
//
//	make run                      # builds the wasm, then go run ./cmd/localserver
//	go run ./cmd/localserver -h   # every flag
//
// In emulator mode (the default) WeChat is the in-process emulator, with a dev
// app whose appid and AppSecret are printed at start-up. With WXCARD_APPID and
// WXCARD_SECRET set, the server runs in wechat mode and talks to the real
// WeChat API instead.
//
// State (tickets in the store, cards and codes in the emulator) lives under
// .wxcard/ by default, so a restart keeps it; -store memory keeps nothing.
//
// Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when the
// server could not start (port in use, store unreachable), 2 for a usage
// mistake (bad flag, bad store URL, wechat mode without a secret).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run starts the server and blocks until ctx is done; it returns the exit
// status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "localserver:", err)
		return 2
	}
	srv, err := start(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "localserver:", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	if err := srv.wait(ctx); err != nil {
		fmt.Fprintln(stderr, "localserver:", err)
		return 1
	}
	return 0
}
