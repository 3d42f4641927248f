package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/kv"
)

// localEmulatorURL is where `make run` serves its emulator by default.
const localEmulatorURL = "http://127.0.0.1:8080/wechat/"

// callTimeout bounds one WeChat call, as the admin client's default does.
const callTimeout = 15 * time.Second

// app is the WeChat app a command talks to and how it was found.
type app struct {
	client *admin.Client
	// source says where the credentials came from, for messages.
	source string
	close  func() error
}

// credentials are what the flags, the environment or the local server's
// data directory say about the app.
type credentials struct {
	appID, secret, baseURL, source string
}

// resolveCredentials applies the rules of the package documentation: an
// appid and secret from the flags or environment, else the dev app of the
// local server's emulator.
func (inv *invocation) resolveCredentials() (credentials, error) {
	g := inv.g
	c := credentials{appID: g.appID, secret: inv.env.getenv("WXCARD_SECRET"), baseURL: g.baseURL, source: "WXCARD_APPID and WXCARD_SECRET"}
	switch {
	case c.appID != "" && c.secret != "":
	case c.appID != "":
		return c, configf("no AppSecret for %s: set WXCARD_SECRET (the secret is read from the environment only)", c.appID)
	case c.secret != "":
		return c, configf("WXCARD_SECRET is set but no appid: set WXCARD_APPID or --appid")
	default:
		snapshot := filepath.Join(g.dataDir, "emulator.db")
		appID, secret, err := devAppOf(snapshot)
		if err != nil {
			return c, err
		}
		c.appID, c.secret, c.source = appID, secret, "the local server's emulator ("+snapshot+")"
		if c.baseURL == "" {
			c.baseURL = localEmulatorURL
		}
	}
	if c.baseURL != "" {
		u, err := url.Parse(c.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, usagef("--base-url: want an http(s) URL such as %s", admin.DefaultBaseURL)
		}
	}
	return c, nil
}

// devAppOf reads the dev app kept with the emulator state file a local
// server keeps, through the emulator's own reader (which works while the
// server holds the file's lock, and reads an emulator.json of earlier
// versions), so the file's layout stays the emulator's business.
func devAppOf(snapshot string) (appID, secret string, err error) {
	// The .json name makes the reader fall back on that file when no
	// emulator.db exists yet.
	appID, secret, err = emulator.ReadDevApp(strings.TrimSuffix(snapshot, ".db") + ".json")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", "", configf("no credentials: set WXCARD_APPID and WXCARD_SECRET, or start the local server (make run), whose emulator's dev app is read from %s (run wxcard where make run runs, or give --data-dir)", snapshot)
	case err != nil:
		return "", "", configf("the local server's state %s cannot be read: %w", snapshot, err)
	}
	return appID, secret, nil
}

// open builds the admin client for the resolved app and opens its store.
// withClient opens the app, makes one call with its client and closes it.
func withClient[T any](ctx context.Context, inv *invocation, call func(*admin.Client) (T, error)) (T, error) {
	a, err := inv.open(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer a.close()
	return call(a.client)
}

func (inv *invocation) open(ctx context.Context) (*app, error) {
	c, err := inv.resolveCredentials()
	if err != nil {
		return nil, err
	}
	store, closeStore, err := openStore(ctx, inv.g.store)
	if err != nil {
		return nil, err
	}
	opts := []admin.Option{admin.WithStore(store), admin.WithHTTPClient(&http.Client{Timeout: callTimeout})}
	if c.baseURL != "" {
		opts = append(opts, admin.WithBaseURL(c.baseURL))
	}
	client, err := admin.NewClient(c.appID, c.secret, opts...)
	if err != nil {
		closeStore()
		// NewClient names the field, never the value.
		return nil, configf("%s: %w", c.source, err)
	}
	return &app{client: client, source: c.source, close: closeStore}, nil
}

// openStore opens the token and ticket cache named by spec.
func openStore(ctx context.Context, spec string) (kv.Store, func() error, error) {
	nothing := func() error { return nil }
	switch {
	case spec == "memory":
		return kv.NewMemory(), nothing, nil
	case strings.HasPrefix(spec, "file:"):
		path := strings.TrimPrefix(spec, "file:")
		if path == "" {
			return nil, nil, usagef("--store file: needs a path, as in file:.wxcard/cli-store.db")
		}
		f, err := kv.OpenFile(path, kv.WithOpenWait(time.Second))
		if err != nil {
			if errors.Is(err, kv.ErrFileInUse) {
				return nil, nil, configf("store %s is in use by another process (a local server holds its own store file: give wxcard another one, or memory)", path)
			}
			return nil, nil, fmt.Errorf("store %s: %w", path, err)
		}
		return f, f.Close, nil
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		r, err := kv.NewRedis(spec)
		if err != nil {
			return nil, nil, usagef("--store %s: not a usable Redis URL", redacted(spec))
		}
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if _, _, err := r.Get(pctx, "wxcard:cli:probe"); err != nil {
			r.Close()
			return nil, nil, configf("redis at %s is unreachable", redacted(spec))
		}
		return r, r.Close, nil
	}
	return nil, nil, usagef("--store %s: want memory, file:PATH or redis://host:port", redacted(spec))
}

// redacted drops a password from a store URL.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "://"); i >= 0 {
			return raw[:i+3] + "…"
		}
		return "(unparsable)"
	}
	return u.Redacted()
}
