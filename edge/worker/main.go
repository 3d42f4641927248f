//go:build js && wasm

// Command worker serves the wxcard config API (package edge) as a Cloudflare
// Worker: settings from the Worker environment, tickets cached in Workers KV
// (binding WXCARD_KV) and fetched from WeChat through the runtime's fetch,
// their refreshes coordinated by a Durable Object per app (binding
// WXCARD_COORDINATOR) when the Worker has one.
//
// Build it with `make edge`, which writes edge/worker/build/ (app.wasm, the
// syumai/workers runtime files and entry.mjs, the module wrangler.toml
// deploys). entry.mjs keeps Go instances alive (up to four per isolate,
// one request at a time each, sharing a ticket cache and refresh locks);
// the stock build/worker.mjs, which starts Go afresh for every request,
// works too and is kept for comparison.
package main

import (
	"fmt"
	"net/http"
	"os"
	"syscall/js"
	"time"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/workerkv"
)

func main() {
	workers.ServeNonBlock(newHandler())
	workers.Ready()
	if persistent() {
		// entry.mjs reuses this instance for later requests: never return.
		select {}
	}
	// The stock runtime: one request per instance, then exit.
	<-workers.Done()
}

// memoryCacheAge is how long a ticket read from KV is reused from memory.
// Workers KV reads are themselves cached at the edge for 60 s.
const memoryCacheAge = 30 * time.Second

func newHandler() http.Handler {
	settings, err := app.LoadSettings(cloudflare.Getenv)
	if err != nil {
		return app.MisconfiguredHandler(err)
	}
	ns, err := workerkv.Open(app.KVBinding)
	if err != nil {
		return app.MisconfiguredHandler(err)
	}
	// The memory layer only matters under entry.mjs, where this Go instance
	// serves many requests; under the stock runtime it lives one request.
	// entry.mjs also shares it, and the refresh locks, with the isolate's
	// other Go instances.
	opts := []workerkv.Option{workerkv.WithMemoryCache(memoryCacheAge)}
	if iso, ok := workerkv.OpenIsolate(); ok {
		opts = append(opts, workerkv.WithIsolate(iso))
	}
	cache, err := workerkv.New(ns, opts...)
	if err != nil {
		return app.MisconfiguredHandler(err)
	}
	store, err := coordinate(settings.AppID, cache)
	if err != nil {
		return app.MisconfiguredHandler(err)
	}
	hc := fetch.NewClient().HTTPClient(fetch.RedirectModeManual)
	h, err := app.NewHandler(settings, hc, store, os.Stderr)
	if err != nil {
		return app.MisconfiguredHandler(err)
	}
	return h
}

// coordinate puts the app's ticket coordinator (a Durable Object, binding
// WXCARD_COORDINATOR) in charge of refreshes, with cache as its read
// cache, when the Worker has the binding; without it (KV-only mode) the
// cache is the store, and each isolate refreshes on its own.
func coordinate(appID string, cache *workerkv.Store) (kv.Store, error) {
	coord, ok, err := workerkv.OpenCoordinator(app.CoordinatorBinding, appID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrMisconfigured, err)
	}
	if !ok {
		return cache, nil
	}
	return workerkv.NewCoordinated(cache, coord)
}

// persistent reports whether the JS entry module keeps this Go instance for
// more than one request; it says so in the runtime context it passes to
// go.run (see entry.mjs).
func persistent() bool {
	return js.Global().Get("context").Get("persistent").Truthy()
}
