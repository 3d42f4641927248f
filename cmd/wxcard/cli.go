package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// env is what a run sees of the world, so tests run commands in-process.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	// isTerminal says whether a writer is an interactive terminal: the
	// deposit draws a progress bar there and prints plain lines elsewhere.
	isTerminal func(io.Writer) bool
}

// globals are the options every command takes, before or after its name.
type globals struct {
	appID, baseURL, store, dataDir string
	json                           bool
}

// command is one leaf of the command tree.
type command struct {
	name    string // "codes deposit"
	summary string
	run     func(ctx context.Context, inv *invocation, args []string) error
}

// invocation carries what a command needs: the environment and the global
// options, plus the client once built.
type invocation struct {
	env *env
	g   globals
	// stderrTerminal: stderr is an interactive terminal.
	stderrTerminal bool
}

func commands() []command {
	return []command{
		{"codes deposit", "import custom codes for a card, resumable (one per line, or a CSV column)", runDeposit},
		{"codes check", "tell which codes are deposited for a card", runCodesCheck},
		{"codes count", "how many codes are deposited for a card", runCodesCount},
		{"code get", "look a code up: card, owner, status", runCodeGet},
		{"code consume", "mark a code as used (核销)", runCodeConsume},
		{"cards list", "list the account's card ids", runCardsList},
		{"cards get", "print a card's definition", runCardsGet},
		{"cards create", "create a card from a JSON file", runCardsCreate},
		{"ticket", "fetch the card api_ticket (or jsapi ticket), masked unless --show", runTicket},
		{"sign addcard", "sign a wx.addCard cardList item", runSignAddCard},
		{"sign choosecard", "sign wx.chooseCard parameters", runSignChooseCard},
		{"sign jsconfig", "sign wx.config for a page URL", runSignJSConfig},
		{"verify cardext", "explain whether a cardExt verifies, and why not", runVerifyCardExt},
		{"verify choosecard", "explain whether a wx.chooseCard cardSign verifies", runVerifyChooseCard},
		{"verify jsconfig", "explain whether a wx.config signature verifies", runVerifyJSConfig},
	}
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, e *env) int {
	// stderr is written from more than one goroutine (a deposit's progress
	// and its Ctrl-C notice).
	inv := &invocation{stderrTerminal: e.isTerminal(e.stderr)}
	shared := *e
	shared.stderr = &lockedWriter{w: e.stderr}
	inv.env = &shared
	e = &shared
	inv.g = globals{
		appID:   e.getenv("WXCARD_APPID"),
		baseURL: e.getenv("WXCARD_BASE_URL"),
		store:   orDefault(e.getenv("WXCARD_STORE"), "memory"),
		dataDir: orDefault(e.getenv("WXCARD_DATA_DIR"), ".wxcard"),
	}
	top := inv.flagSet("wxcard", "wxcard [global flags] <command> [flags] [args]", "")
	top.Usage = func() { printTopUsage(e.stdout, top) }
	rest, err := parseFlags(top, args, false)
	if err != nil {
		return inv.fail(err)
	}
	if len(rest) == 0 {
		printTopUsage(e.stderr, top)
		return exitUsage
	}
	if rest[0] == "help" {
		printTopUsage(e.stdout, top)
		return exitOK
	}
	cmd, cmdArgs, ok := findCommand(rest)
	if !ok {
		return inv.fail(usagef("unknown command %q; wxcard -h lists them", strings.Join(rest[:min(2, len(rest))], " ")))
	}
	if err := cmd.run(ctx, inv, cmdArgs); err != nil {
		return inv.fail(err)
	}
	return exitOK
}

// findCommand matches the longest command name at the start of args.
func findCommand(args []string) (command, []string, bool) {
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func printTopUsage(w io.Writer, top *flag.FlagSet) {
	fmt.Fprint(w, "wxcard: WeChat cards and coupons from a terminal.\n\nUsage:\n  wxcard [global flags] <command> [flags] [args]\n\nCommands:\n")
	cmds := commands()
	sort.SliceStable(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nGlobal flags (also accepted after the command):\n")
	top.SetOutput(w)
	top.PrintDefaults()
	fmt.Fprint(w, "\nEnvironment: WXCARD_APPID, WXCARD_SECRET, WXCARD_BASE_URL, WXCARD_STORE, WXCARD_DATA_DIR.\n"+
		"Without an appid and secret, wxcard uses the emulator of a running `make run`\n"+
		"(http://127.0.0.1:8080/wechat/, dev app read from <data-dir>/emulator.db).\n"+
		"\nExit status: 0 ok, 1 failure, 2 usage, 3 configuration or credentials refused,\n"+
		"4 WeChat error, 5 WeChat unavailable (try again), 6 signature does not verify,\n"+
		"7 deposit finished with refused codes, 130 interrupted.\n")
}

// flagSet returns a flag set for a command with the global flags on it,
// defaulting to what is already set so flags before the command stay.
func (inv *invocation) flagSet(name, usage, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g := &inv.g
	fs.StringVar(&g.appID, "appid", g.appID, "official account `appid` (env WXCARD_APPID; the AppSecret comes from WXCARD_SECRET)")
	fs.StringVar(&g.baseURL, "base-url", g.baseURL, "WeChat API root `URL` (env WXCARD_BASE_URL)")
	fs.StringVar(&g.store, "store", g.store, "token and ticket cache: memory, file:PATH or redis://… (env WXCARD_STORE)")
	fs.StringVar(&g.dataDir, "data-dir", g.dataDir, "the local server's data `directory`, read for its emulator's dev app (env WXCARD_DATA_DIR)")
	fs.BoolVar(&g.json, "json", g.json, "print one JSON document on stdout, for scripts")
	fs.Usage = func() {
		w := inv.env.stdout
		fmt.Fprintf(w, "Usage:\n  %s\n", usage)
		if about != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(about))
		}
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// errHelp is returned when -h was asked for: the usage has been printed.
var errHelp = errors.New("help shown")

// parseFlags parses args and returns the arguments that are not flags.
// With interspersed, flags may come anywhere among the arguments (the
// commands); without, parsing stops at the first argument (the top level,
// where it is the command's name). "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	var after []string
	if interspersed {
		for i, a := range args {
			if a == "--" {
				args, after = args[:i], args[i+1:]
				break
			}
		}
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				// flag has printed the usage.
				return nil, errHelp
			}
			return nil, usagef("%s: %w", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 || !interspersed {
			return append(append(rest, args...), after...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// parseCommand parses a leaf command's flags and checks its argument count.
func parseCommand(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	rest, err := parseFlags(fs, args, true)
	if err != nil {
		return nil, err
	}
	if len(rest) < minArgs {
		return nil, usagef("%s: missing argument (see -h)", fs.Name())
	}
	if maxArgs >= 0 && len(rest) > maxArgs {
		return nil, usagef("%s: unexpected argument %q (see -h)", fs.Name(), rest[maxArgs])
	}
	return rest, nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
