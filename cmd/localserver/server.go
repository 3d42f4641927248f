package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/internal/devhttp"
	"github.com/wxcard/wxcard/signer"
)

// shutdownTimeout bounds the wait for in-flight requests at shutdown, so the
// process exits within 5 s of SIGTERM with time left to flush state, even on
// a loaded machine (2 s of slack).
const shutdownTimeout = 3 * time.Second

// server is one running localserver.
type server struct {
	cfg     *config
	log     *slog.Logger
	stdout  io.Writer
	store   *openedStore
	dirLock *os.File           // the data directory's lock, when one is used
	emu     *emulator.Emulator // nil in wechat mode
	signer  *signer.Signer     // on the emulator's clock; nil (signer defaults) in wechat mode
	admin   *admin.Client
	appID   string
	secret  string // the emulator's dev secret; empty in wechat mode
	baseURL string // how this machine reaches the server, "http://127.0.0.1:8080"
	js      jsAssets
	// hosts guards the routes that read or change the emulator's state.
	hosts  *devhttp.HostGuard
	http   *devhttp.Server
	served chan error
	seeded seedResult
	// The server URL's handler (nil in wechat mode without -events-token),
	// its mode and what it received; sign-in for the demo page.
	events     *events.Handler
	eventsMode string
	received   eventLog
	signin     *signIn
	// starting is true until the banner is out.
	starting atomic.Bool
}

// start listens, opens the store, wires every part and serves. The banner is
// printed once the server answers.
func start(ctx context.Context, cfg *config, stdout, stderr io.Writer) (*server, error) {
	s := &server{cfg: cfg, stdout: stdout, log: newLogger(stderr, cfg.logFormat, cfg.logLevel), served: make(chan error, 1)}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot listen on %s: the port is in use (another localserver?); choose another with -addr 127.0.0.1:PORT: %w", cfg.addr, err)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", cfg.addr, err)
	}
	s.baseURL = "http://" + reachableAddr(ln.Addr().(*net.TCPAddr))
	// The address the server's own calls use (and a browser typing it)
	// is no DNS name, so no rebinding: it joins the public hosts.
	own := ln.Addr().(*net.TCPAddr).IP
	hosts := slices.Clone(cfg.publicHosts)
	if !own.IsUnspecified() {
		hosts = append(hosts, own.String())
	}
	if s.hosts, err = devhttp.NewHostGuard(hosts); err != nil {
		ln.Close()
		return nil, &usageError{msg: fmt.Sprintf("-public-hosts %v", err)}
	}

	// Two servers on one data directory would overwrite each other's
	// state whatever the store; the first one keeps it.
	if cfg.usesDataDir() {
		if s.dirLock, err = lockDataDir(cfg.dataDir); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.store, err = openStore(ctx, cfg.store)
	if err != nil {
		ln.Close()
		s.unlockDataDir()
		return nil, err
	}
	if err := s.wire(); err != nil {
		ln.Close()
		s.store.Close()
		s.unlockDataDir()
		return nil, err
	}
	if err := s.wireEvents(ctx); err != nil {
		ln.Close()
		s.store.Close()
		return nil, err
	}
	if s.emu != nil {
		if s.signin, err = s.newSignIn(); err != nil {
			ln.Close()
			s.store.Close()
			return nil, err
		}
	}

	handler, err := s.routes()
	if err != nil {
		ln.Close()
		s.store.Close()
		return nil, err
	}
	logged := logRequests(s.log, s.starting.Load, newLogSampler(cfg.logSample), handler)
	s.http = devhttp.NewServer(logged, cfg.timeouts, slog.NewLogLogger(s.log.Handler(), slog.LevelWarn))
	s.starting.Store(true)
	go func() { s.served <- s.http.Serve(ln) }()

	if s.emu != nil && cfg.seed {
		if !cfg.control {
			s.seeded.skipped = "the emulator's control routes are off"
		} else {
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			s.seeded, err = seedDemoCards(sctx, s.admin, s.baseURL, s.log)
			cancel()
			if err != nil {
				s.log.Warn("demo cards were not created", "error", err.Error())
			}
		}
	}
	// Start-up is over before the banner says so: a client that reads
	// "Ready on" and calls at once gets its requests logged like any other.
	s.starting.Store(false)
	s.printBanner()
	return s, nil
}

// wire builds the emulator (in emulator mode), the admin client and the edge
// handler.
func (s *server) wire() error {
	cfg := s.cfg
	hc := &http.Client{Timeout: 15 * time.Second}
	// The store itself, not its openedStore wrapper: that one hides the
	// kv.Locker (cross-process refresh lock) and the type the admin client
	// picks its store deadline by.
	opts := []admin.Option{admin.WithStore(s.store.Store), admin.WithHTTPClient(hc), admin.WithLogger(s.log)}
	if cfg.storeTimeout > 0 {
		opts = append(opts, admin.WithStoreTimeout(cfg.storeTimeout))
	}
	switch cfg.mode {
	case modeEmulator:
		eopts := []emulator.Option{
			emulator.WithPublicURL(s.baseURL + "/wechat"),
			emulator.WithControlRoutes(cfg.control),
			emulator.WithAutoApprove(cfg.autoApprove),
			emulator.WithPushTimeout(cfg.pushTimeout),
		}
		snap := cfg.emulatorSnapshot()
		if snap != "" {
			if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
				return fmt.Errorf("data dir %s: %w", cfg.dataDir, err)
			}
			snap = snapshotToOpen(snap, cfg.legacyEmulatorSnapshot())
			eopts = append(eopts, emulator.WithSnapshotFile(snap))
		}
		if cfg.appID != "" {
			eopts = append(eopts, emulator.WithApp(cfg.appID, cfg.secret))
		}
		emu, err := emulator.New(eopts...)
		if err != nil {
			if snap != "" {
				return fmt.Errorf("the emulator's state in %s cannot be loaded (move the file away to start afresh): %w", snap, err)
			}
			return fmt.Errorf("emulator: %w", err)
		}
		s.emu = emu
		if from := emu.ImportedJSON(); from != "" {
			s.log.Info("imported the emulator's JSON state; the JSON file is no longer read", "from", from, "into", emu.SnapshotPath())
		}
		s.appID, s.secret = emu.DevApp()
		// Everything that reads the time runs on the emulator's clock:
		// after POST /wechat/emulator/v1/clock the cached tickets expire
		// with the emulator's, and cardExt timestamps fall in its window.
		opts = append(opts, admin.WithBaseURL(s.baseURL+"/wechat/"), admin.WithClock(emu.Now))
	case modeWeChat:
		s.appID = cfg.appID
		if cfg.baseURL != "" {
			opts = append(opts, admin.WithBaseURL(cfg.baseURL))
		}
	}
	secret := s.secret
	if cfg.mode == modeWeChat {
		secret = cfg.secret
	}
	if s.emu != nil {
		sig, err := signer.New(signer.WithClock(s.emu.Now))
		if err != nil {
			return err
		}
		s.signer = sig
	}
	client, err := admin.NewClient(s.appID, secret, opts...)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("admin client: %v", err)}
	}
	s.admin = client
	return nil
}

func (s *server) routes() (http.Handler, error) {
	cfg := s.cfg
	ec := cfg.edgeConfig(s.appID, s.admin, s.log)
	if s.emu != nil {
		// The emulator's clock, for what is signed and for grant expiry.
		ec.Signer, ec.Policy.Now = s.signer, s.emu.Now
	}
	api, err := edge.NewHandler(ec)
	if err != nil {
		// parseConfig ran the same checks with a placeholder appid.
		return nil, &usageError{msg: fmt.Sprintf("config API: %v", err)}
	}
	limitedAPI := api
	if cfg.rateLimit > 0 {
		limitedAPI, err = edge.RateLimit(api, edge.RateLimitConfig{Rate: cfg.rateLimit, Burst: cfg.rateBurst})
		if err != nil {
			return nil, &usageError{msg: fmt.Sprintf("rate limit: %v", err)}
		}
	}
	jsDir := cfg.jsDir
	if jsDir == "" {
		jsDir = findJSDir()
	}
	s.js = jsAssets{dir: jsDir}
	files := webFS()

	mux := http.NewServeMux()
	mux.Handle("/v1/", limitedAPI)
	// Health checks are not limited: a client over its budget must not
	// make the server look down.
	mux.Handle("/healthz", api)
	if s.emu != nil {
		mux.Handle("/wechat/", s.hosts.Wrap(http.StripPrefix("/wechat", s.emu)))
	} else {
		mux.HandleFunc("/wechat/", func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "emulator_off", "the WeChat emulator is not running: this server is in wechat mode")
		})
	}
	if s.events != nil {
		mux.Handle(eventsPath, s.events)
	} else {
		mux.HandleFunc(eventsPath, func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "events_off", "no server URL is configured: give -events-token (and -events-aes-key for safe mode)")
		})
	}
	mux.HandleFunc("/js/", s.js.serveJS)
	mux.HandleFunc("GET /wxcard.wasm", s.js.serveWasm)
	toPreview := func(w http.ResponseWriter, r *http.Request) {
		target := "/js/preview/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
	}
	mux.HandleFunc("/preview", toPreview)
	mux.HandleFunc("/preview/", toPreview)
	switch {
	case s.emu != nil && cfg.control:
		mux.Handle("/demo/", serveEmbedded("", files))
		mux.HandleFunc("GET /demo/logo/{name}", serveDemoLogo)
		mux.Handle("GET /wx-standin.js", serveFile(files, "wx-standin.js", "text/javascript; charset=utf-8"))
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/demo/", http.StatusFound)
		})
		s.standinRoutes(mux)
		s.demoRoutes(mux)
		mux.HandleFunc(cardTicketPath, s.serveCardTicket)
		s.signInRoutes(mux)
		mux.Handle("/demo/api/events", s.guarded(http.MethodGet, s.serveReceivedEvents))
	case s.emu != nil:
		// The demo's backend consumes and decrypts codes with the server's
		// own token: off, like the emulator's control routes, for anyone
		// on the network.
		demoRoutesOff(mux, "demo_off", "the demo page and the wx stand-in are off with the emulator's control routes (non-loopback -addr); -emulator-control=true turns them on")
	default:
		demoRoutesOff(mux, "emulator_off", "the demo page and the wx stand-in need emulator mode; this server talks to the real WeChat")
	}
	// Browsers ask every origin for one; an empty answer keeps their
	// consoles free of 404s.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "no route "+r.URL.Path+"; the start-up banner lists every URL")
	})
	return mux, nil
}

// demoRoutesOff answers the demo page's and the wx stand-in's routes with a
// JSON 404 that says why (code, message), and sends / to the preview tool.
func demoRoutesOff(mux *http.ServeMux, code, message string) {
	off := func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, code, message)
	}
	for _, p := range []string{"/demo/", "/standin/", "/wx-standin.js"} {
		mux.HandleFunc(p, off)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/js/preview/", http.StatusFound)
	})
}

// reachableAddr is the address this machine uses to reach a listener: a
// wildcard bind is reached through loopback.
func reachableAddr(a *net.TCPAddr) string {
	if a.IP == nil || a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return net.JoinHostPort(a.IP.String(), fmt.Sprint(a.Port))
}

// wait serves until ctx is done, then shuts down: in-flight requests finish
// (up to shutdownTimeout), the emulator's state and the store are flushed.
func (s *server) wait(ctx context.Context) error {
	var serveErr error
	select {
	case serveErr = <-s.served:
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if s.emu != nil {
		// The emulator pushes to this server: let pushes on their way land
		// while it still answers (bounded by the shutdown timeout).
		pctx, pcancel := context.WithTimeout(sctx, shutdownTimeout/2)
		if perr := s.emu.WaitPushes(pctx); perr != nil {
			s.log.Warn("event pushes still on their way at shutdown were abandoned")
		}
		pcancel()
	}
	err := s.http.Shutdown(sctx)
	if s.events != nil {
		if werr := s.events.Wait(sctx); werr != nil {
			err = errors.Join(err, fmt.Errorf("event callbacks still running: %w", werr))
		}
	}
	if err != nil {
		s.http.Close()
		err = fmt.Errorf("requests still running after %s were cut off: %w", shutdownTimeout, err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve: %w", serveErr))
	}
	if s.emu != nil {
		// Every change is committed before it is answered; Close commits
		// what a cut-off request left and releases the snapshot's lock.
		if serr := s.emu.Close(); serr != nil {
			err = errors.Join(err, fmt.Errorf("saving the emulator's state: %w", serr))
		}
	}
	if cerr := s.store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing the store: %w", cerr))
	}
	s.unlockDataDir()
	if err == nil {
		s.log.Info("stopped")
	}
	return err
}

// printBanner shows every URL, the credentials to use and where state lives.
func (s *server) printBanner() {
	b := &strings.Builder{}
	u := s.baseURL
	cfg := s.cfg
	if cfg.mode == modeEmulator {
		fmt.Fprintf(b, "\nwxcard local server · emulator mode (offline WeChat, no account needed)\n\n")
	} else {
		fmt.Fprintf(b, "\nwxcard local server · wechat mode (talking to %s)\n\n", firstNonEmpty(cfg.baseURL, admin.DefaultBaseURL))
	}
	row := func(label, value string) { fmt.Fprintf(b, "  %-19s %s\n", label, value) }
	if s.emu != nil && cfg.control {
		row("Demo merchant page", u+"/demo/")
	}
	row("Preview tool", u+"/js/preview/")
	row("Config API", u+"/v1/addcard (POST), /v1/choosecard (POST), /v1/jsconfig?url=… (GET)")
	row("Health", u+"/healthz")
	if s.events != nil {
		row("Server URL (events)", u+eventsPath+"  ("+s.eventsMode+" mode)")
	}
	if s.emu != nil {
		row("WeChat emulator", u+"/wechat/  (admin.WithBaseURL for your own code)")
		if cfg.control {
			row("Emulator state", u+"/wechat/emulator/v1/state")
			row("wx stand-in", `<script src="`+u+`/wx-standin.js"></script>`)
		} else {
			row("Emulator control", "off, with the demo and the stand-in (non-loopback -addr); -emulator-control=true turns them on")
		}
	}
	if s.js.dir != "" {
		wasm := "/js/wxcard.wasm"
		if _, ok := wasmPath(s.js.dir); !ok {
			wasm += " (not built: run make wasm)"
		}
		row("JS package", u+"/js/index.js, "+u+wasm)
	} else {
		row("JS package", "not found (run from the repository, or -js-dir)")
	}
	b.WriteString("\n")
	if s.emu != nil {
		row("Dev app appid", s.appID)
		row("Dev app secret", s.secret+"  (the emulator's, not a real WeChat secret)")
	} else {
		row("appid", s.appID)
		row("AppSecret", "set (never printed)")
	}
	row("Signing policy", policySummary(cfg))
	if cfg.rateLimit > 0 {
		row("Rate limit", fmt.Sprintf("/v1/: %g requests/s per client address, bursts of %d (-rate-limit, -rate-burst)", cfg.rateLimit, cfg.rateBurst))
	} else {
		row("Rate limit", "off (-rate-limit 0)")
	}
	if len(cfg.publicHosts) > 0 {
		row("Public hosts", strings.Join(cfg.publicHosts, ", ")+" (besides loopback names, for the emulator and the demo)")
	}
	row("Store", s.store.spec.describe())
	if s.emu != nil && s.emu.SnapshotPath() != "" {
		row("Emulator file", s.emu.SnapshotPath())
	}
	if s.emu != nil {
		row("Demo cards", s.seeded.String())
	}
	if !cfg.loopback {
		fmt.Fprintf(b, "\n  WARNING: %s is reachable from other machines. The config API signs for anyone who can reach it", cfg.addr)
		if s.emu != nil && cfg.control {
			b.WriteString(",\n  and -emulator-control=true lets them drive the emulator and the demo's backend")
			if len(cfg.publicHosts) == 0 {
				b.WriteString("\n  (under a loopback Host only: add this machine's name or address with -public-hosts)")
			}
		}
		b.WriteString(".\n")
	}
	fmt.Fprintf(b, "\nReady on %s. Ctrl-C stops it.\n\n", u)
	io.WriteString(s.stdout, b.String())
	if !cfg.loopback {
		s.log.Warn("listening on a non-loopback address", "addr", cfg.addr, "emulator_control", cfg.control)
	}
}

// policySummary says whom the config API signs for, without key secrets.
func policySummary(cfg *config) string {
	var parts []string
	if cfg.mode == modeEmulator {
		parts = append(parts, "OPEN (emulator demo): /v1/ signs any card with any fields for anyone")
	}
	if n := len(cfg.grantKeys); n > 0 {
		ids := make([]string, n)
		for i, k := range cfg.grantKeys {
			ids[i] = k.ID
		}
		parts = append(parts, "grants with keys "+strings.Join(ids, ", "))
	}
	if n := len(cfg.publicCardIDs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d public card(s), by card_id alone", n))
	}
	if len(cfg.jsconfigPrefixes) > 0 {
		parts = append(parts, "jsconfig for "+strings.Join(cfg.jsconfigPrefixes, ", "))
	}
	return strings.Join(parts, "; ")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// unlockDataDir releases the data directory's lock, if held.
func (s *server) unlockDataDir() {
	if s.dirLock != nil {
		s.dirLock.Close()
		s.dirLock = nil
	}
}

// snapshotToOpen is the path to give emulator.WithSnapshotFile: the
// snapshot, or the JSON file of earlier versions when only that exists, so
// the emulator imports it into the snapshot.
func snapshotToOpen(snap, legacy string) string {
	if legacy == "" {
		return snap
	}
	if _, err := os.Stat(snap); err == nil {
		return snap
	}
	if _, err := os.Stat(legacy); err == nil {
		return legacy
	}
	return snap
}
