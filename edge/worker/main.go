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
//
// The program links no net/http (neither does anything it imports): it
// hands each request's parts to edge.Server.Serve itself (handleRequest)
// and admin reaches WeChat through fetch. net/http would bring crypto/tls
// and crypto/x509 along, about 0.6 MB of the bundle's gzip.
package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"syscall/js"
	"time"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/internal/jspromise"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/workerkv"
)

func main() {
	serve := newServe()
	runtime := js.Global().Get("context")
	served := make(chan struct{}, 1)
	runtime.Get("binding").Set("handleRequest", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return handleRequest(serve, args, served)
	}))
	ready()
	if runtime.Get("persistent").Truthy() {
		// entry.mjs reuses this instance for later requests: never return.
		select {}
	}
	// The stock runtime: one request per instance, then exit. The promise
	// may have been settled inside a call from JavaScript into Go (an
	// answer that awaited nothing); the pause lets that call return first,
	// since Go must not exit under it.
	<-served
	time.Sleep(time.Millisecond)
}

// ready tells the entry module (entry.mjs, or the stock worker.mjs) that
// handleRequest is set.
//
//go:wasmimport workers ready
func ready()

// memoryCacheAge is how long a ticket read from KV is reused from memory.
// Workers KV reads are themselves cached at the edge for 60 s.
const memoryCacheAge = 30 * time.Second

// serveFunc answers one request: edge.Server.Serve, or the misconfigured
// answer.
type serveFunc func(context.Context, *edge.Request) *edge.Response

func newServe() serveFunc {
	srv, err := newServer()
	if err != nil {
		res := app.MisconfiguredResponse(err)
		return func(context.Context, *edge.Request) *edge.Response { return res }
	}
	return srv.Serve
}

func newServer() (*edge.Server, error) {
	settings, err := app.LoadSettings(getenv)
	if err != nil {
		return nil, err
	}
	ns, err := workerkv.Open(app.KVBinding)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	store, err := coordinate(settings.AppID, cache)
	if err != nil {
		return nil, err
	}
	return app.NewServer(settings, store, os.Stderr)
}

// getenv reads a Worker variable or secret from the env the entry module
// passes in the runtime context ("" when unset).
func getenv(name string) string {
	v := js.Global().Get("context").Get("env").Get(name)
	if v.IsUndefined() || v.IsNull() {
		return ""
	}
	return v.String()
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

// handleRequest is binding.handleRequest(request[, body]): it returns a
// promise of the Response. entry.mjs passes the body it has read (a
// Uint8Array, or null), at most maxBody bytes of it; the stock worker.mjs
// passes the request alone, and its body is read here.
func handleRequest(serve serveFunc, args []js.Value, served chan<- struct{}) any {
	return jspromise.New(func() (js.Value, error) { return respond(serve, args) }, func() {
		select {
		case served <- struct{}{}:
		default:
		}
	})
}

// maxBody is the most of a body entry.mjs hands over (edge.MaxMaxBodyBytes
// and one byte more, so that a larger body is still seen to be too large).
const maxBody = edge.MaxMaxBodyBytes + 1

func respond(serve serveFunc, args []js.Value) (js.Value, error) {
	if len(args) == 0 || args[0].Type() != js.TypeObject {
		return js.Value{}, fmt.Errorf("handleRequest: no request")
	}
	ctx := context.Background()
	jsReq := args[0]
	u, err := url.Parse(jsReq.Get("url").String())
	if err != nil {
		return js.Value{}, fmt.Errorf("handleRequest: request URL: %w", err)
	}
	headers := jsReq.Get("headers")
	header := func(name string) string {
		v := headers.Call("get", name)
		if v.Type() != js.TypeString {
			return ""
		}
		return v.String()
	}
	req := &edge.Request{
		Method:        jsReq.Get("method").String(),
		Path:          u.Path,
		RawQuery:      u.RawQuery,
		Origin:        header("Origin"),
		ContentType:   header("Content-Type"),
		ContentLength: -1,
	}
	if n, err := strconv.ParseInt(header("Content-Length"), 10, 64); err == nil && n >= 0 {
		req.ContentLength = n
	}
	body := js.Null()
	if len(args) > 1 {
		body = args[1]
	} else if !jsReq.Get("body").IsNull() && req.ContentLength <= maxBody {
		// The stock runtime, kept for comparison: it reads an undeclared
		// (chunked) body whole. A body declared larger is refused unread.
		if body, err = jspromise.Await(ctx, jsReq.Call("arrayBuffer")); err != nil {
			return js.Value{}, fmt.Errorf("handleRequest: reading the body: %w", err)
		}
		body = js.Global().Get("Uint8Array").New(body)
	}
	if body.Truthy() {
		b := make([]byte, min(body.Get("byteLength").Int(), maxBody))
		js.CopyBytesToGo(b, body)
		req.Body = bytes.NewReader(b)
	}
	res := serve(ctx, req)

	h := js.Global().Get("Headers").New()
	for _, f := range res.Header {
		h.Call("set", f.Name, f.Value)
	}
	init := js.Global().Get("Object").New()
	init.Set("status", res.Status)
	init.Set("headers", h)
	out := js.Null()
	if len(res.Body) > 0 {
		out = js.Global().Get("Uint8Array").New(len(res.Body))
		js.CopyBytesToJS(out, res.Body)
	}
	return js.Global().Get("Response").New(out, init), nil
}
