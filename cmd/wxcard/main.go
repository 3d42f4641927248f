// Command wxcard is the operators' command line for WeChat cards: import
// voucher codes by the hundred thousand, check and consume codes, fetch
// tickets, sign and debug signatures, list and create cards.
//
//	wxcard codes deposit --card ID codes.txt   import codes, resumable (see below)
//	wxcard codes check --card ID CODE…         which codes are deposited
//	wxcard codes count --card ID               how many are deposited
//	wxcard code get CODE [--card ID]           a user card: owner, status
//	wxcard code consume CODE [--card ID]       mark a code as used (核销)
//	wxcard cards list | get ID | create -f card.json
//	wxcard ticket [--type wx_card|jsapi] [--show]
//	wxcard sign addcard --card ID [--code C] [--openid O]
//	wxcard sign choosecard [--card ID] [--card-type T] [--shop-id S]
//	wxcard sign jsconfig --url URL
//	wxcard verify cardext --card ID --card-ext JSON
//	wxcard verify choosecard --params '{"cardSign":…}'
//	wxcard verify jsconfig --url URL --config '{"timestamp":…}'
//
// Every command takes -h, and --json to print one JSON document on stdout
// for scripts (progress and messages go to stderr; an error is
// {"error":{"code","message","errcode"?}}). The verify commands work
// offline when given the tickets (--ticket, --jsapi-ticket).
//
// # Imports
//
// codes deposit sends 100 codes per call and keeps a journal beside the
// file (FILE.journal): every call is recorded and synced to disk before it
// is made, and its answer after. After Ctrl-C (which lets the call in
// flight finish), a crash, a kill or a network failure, the same command
// continues where it stopped. A call whose answer was lost is settled with
// card/code/checkcode: the codes found are counted as succeeded and only
// the others are sent, so no code is sent twice or lost. Calls that fail
// for want of an answer are tried again (--retries) before the run stops.
// The report counts succeeded, duplicate and failed codes and writes the
// failed ones to FILE.failed. On a terminal a progress bar shows the rate
// and the time left; elsewhere one line per tenth of the way.
//
// # Which WeChat
//
// Flags win over the environment:
//
//	--appid     WXCARD_APPID      the official account's appid
//	            WXCARD_SECRET     its AppSecret (environment only: flags show up in ps)
//	--base-url  WXCARD_BASE_URL   the API root (default https://api.weixin.qq.com/)
//	--store     WXCARD_STORE      where the access token and tickets are cached:
//	                              memory (default), file:PATH or redis://…
//	--data-dir  WXCARD_DATA_DIR   the local server's data directory (default .wxcard)
//
// With neither an appid nor a secret, wxcard talks to the emulator of a
// running `make run`: the API root is http://127.0.0.1:8080/wechat/ (unless
// --base-url says otherwise) and the dev app's appid and AppSecret are read
// from the emulator's state file the local server keeps in its data
// directory, .wxcard/emulator.db, the same file the server loads at
// start-up. Run wxcard from the directory `make run` was started in, or
// point --data-dir at it. A server started with -store memory keeps no such
// file: set WXCARD_APPID and WXCARD_SECRET to the values its banner prints.
//
// A redis:// store shared with the servers of the same app lets wxcard use
// their access token instead of fetching one (stable_token, so fetching
// does not invalidate theirs either way).
//
// # Exit status
//
//	0    success
//	1    any other failure (a file cannot be read or written, a bug)
//	2    usage: a bad flag or argument, invalid input (nothing was sent)
//	3    configuration: no credentials found, or WeChat refused them
//	     (invalid appid or AppSecret, IP not whitelisted, API unauthorized)
//	4    WeChat answered with an error (errcode), e.g. unknown card or code
//	5    WeChat was unreachable, timed out, busy or answered garbage: try again
//	     (codes deposit continues where it stopped)
//	6    verify: the signature does not verify
//	7    codes deposit finished, but WeChat refused some codes (see the failed file)
//	130  interrupted (Ctrl-C); codes deposit continues when run again
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C, which stops a deposit after its current
		// call, a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], &env{
		getenv: os.Getenv,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		isTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
	})
	stop()
	os.Exit(code)
}
