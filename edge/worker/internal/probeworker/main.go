//go:build js && wasm

// Command probeworker is a tiny Go Worker for testing entry.mjs itself: it
// counts the requests its Go instance has served (/count) and can crash the
// instance on purpose (/crash), which the real worker never does. /slow
// holds its instance for a while and answers "<instance id> <requests in
// flight on this instance>", so a test can see how concurrent requests are
// spread over instances. It speaks the worker's protocol
// (binding.handleRequest(request[, body]) → Promise<Response>, and the
// workers.ready import), so it runs under entry.mjs and the stock
// worker.mjs alike.
package main

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/wxcard/wxcard/internal/jspromise"
)

func main() {
	var served, inFlight atomic.Int64
	id := rand.Text()
	done := make(chan struct{}, 1)
	answer := func(req js.Value) (string, error) {
		u, err := url.Parse(req.Get("url").String())
		if err != nil {
			return "", err
		}
		switch u.Path {
		case "/count":
			return strconv.FormatInt(served.Add(1), 10), nil
		case "/slow":
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			time.Sleep(150 * time.Millisecond)
			return fmt.Sprintf("%s %d", id, n), nil
		case "/crash":
			// A panic on another goroutine cannot be recovered: it ends the
			// Go program, as a bug in the runtime glue would.
			go func() { panic("probeworker: crash on purpose") }()
			select {}
		}
		return "not found", nil
	}
	runtime := js.Global().Get("context")
	runtime.Get("binding").Set("handleRequest", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return jspromise.New(func() (js.Value, error) {
			text, err := answer(args[0])
			if err != nil {
				return js.Value{}, err
			}
			return js.Global().Get("Response").New(text), nil
		}, func() {
			select {
			case done <- struct{}{}:
			default:
			}
		})
	}))
	ready()
	if runtime.Get("persistent").Truthy() {
		select {}
	}
	<-done
	time.Sleep(time.Millisecond) // see edge/worker's main: exit outside any call into Go
}

//go:wasmimport workers ready
func ready()
