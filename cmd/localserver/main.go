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
// app whose appid and AppSecret are printed at start-up; an empty emulator
// gets four demo cards. With WXCARD_APPID and WXCARD_SECRET set (or -appid and
// the secret), the server runs in wechat mode and talks to the real WeChat
// API (or WXCARD_BASE_URL) instead; the demo and the stand-in are off then,
// and /events is the account's server URL when WXCARD_EVENTS_TOKEN (and, for
// safe mode, WXCARD_EVENTS_AES_KEY) is set.
//
// # URLs
//
//	/demo/                     the demo merchant page
//	/js/preview/               the preview tool (/preview/ redirects there)
//	/v1/addcard /v1/choosecard /v1/jsconfig /healthz   the config API
//	/wechat/                   WeChat's paths, emulated (admin.WithBaseURL)
//	/wechat/emulator/v1/…      the emulator's control routes (state, clock, faults, approve, wallet/add, push)
//	/events                    the merchant backend's server URL (events.Handler); the emulator pushes here
//	/demo/auth/login           sign-in through the emulated web authorization (/demo/auth-profile/login: with consent)
//	/demo/api/me, /demo/api/events   the signed-in user; the events received, with their decrypted XML
//	/js/, /js/wxcard.wasm, /wxcard.wasm   the js package and its module
//	/wx-standin.js             the wx stand-in
//
// # Testing your own page
//
// Replace WeChat's jweixin.js with one line on any page served from this
// machine:
//
//	<script src="http://127.0.0.1:8080/wx-standin.js"></script>
//
// wx.config, wx.ready, wx.error, wx.checkJsApi, wx.addCard and wx.chooseCard
// then behave as inside WeChat, with WeChat's callbacks (success, fail,
// cancel, complete) and errMsg values ("addCard:ok", "addCard:cancel",
// "config:invalid signature", …): wx.config is checked against the
// emulator's jsapi ticket, wx.addCard shows WeChat's sheet and puts the cards
// into a simulated user's wallet (POST /wechat/emulator/v1/wallet/add, which
// verifies every cardExt), wx.chooseCard lets that user pick one and hands the
// page an encrypt_code. Sign with this server's /v1/… (a page on another port
// needs -allowed-origins http://localhost:3000). Attributes on the tag:
// data-openid picks the simulated user, data-confirm="auto" skips the sheet.
// wx.standin adds openid, setOpenID, wallet() and cards() for tests.
//
// # State and security
//
// State (tickets in the store, cards and codes in the emulator) lives under
// .wxcard/ by default, so a restart keeps it; -store memory keeps nothing,
// -store redis://… shares tickets with other servers. Request logs (stderr)
// carry method, path, status, bytes and latency, never a query string; at
// -log-level info they are sampled (-log-sample lines a second) except for
// 5xx answers, at debug every request is logged. A non-loopback -addr prints
// a warning and turns the emulator's control routes, the demo page, its
// backend and the stand-in off unless -emulator-control=true.
//
// The demo's backend, the stand-in's checks and the emulator's control
// routes answer only pages from loopback origins, take only
// application/json POSTs (so a page on another site cannot post to them
// without a refused preflight), and, like the emulator's WeChat paths, only
// requests whose Host is a loopback name or address, the bound address or
// one of -public-hosts (DNS rebinding). /v1/ is rate limited per client
// address (-rate-limit, -rate-burst); every connection has read-header,
// read, write and idle timeouts.
//
// Exit status: 0 after a clean shutdown (SIGINT or SIGTERM; in-flight requests
// finish, state is flushed, within 5 s), 1 when the server could not start
// (port in use, store unreachable or held by another process), 2 for a usage
// mistake (bad flag, bad store URL, wechat mode without a secret), 3 when a
// shutdown was not clean: requests still running after the budget were cut
// off, or the state could not be flushed (stderr says which).
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

// exitUncleanShutdown is the status of a shutdown that cut requests off or
// could not flush the state; 1 means the server never started.
const exitUncleanShutdown = 3

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
		return exitUncleanShutdown
	}
	return 0
}
