//go:build js && wasm

// Command probeworker is a tiny Go Worker for testing entry.mjs itself: it
// counts the requests its Go instance has served (/count) and can crash the
// instance on purpose (/crash), which the real worker never does. /slow
// holds its instance for a while and answers "<instance id> <requests in
// flight on this instance>", so a test can see how concurrent requests are
// spread over instances.
package main

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/syumai/workers"
)

func main() {
	var served, inFlight atomic.Int64
	id := rand.Text()
	mux := http.NewServeMux()
	mux.HandleFunc("/count", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strconv.FormatInt(served.Add(1), 10)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		time.Sleep(150 * time.Millisecond)
		_, _ = fmt.Fprintf(w, "%s %d", id, n)
	})
	mux.HandleFunc("/crash", func(http.ResponseWriter, *http.Request) {
		// A panic on another goroutine cannot be recovered: it ends the
		// Go program, as a bug in the runtime glue would.
		go func() { panic("probeworker: crash on purpose") }()
		select {}
	})
	workers.ServeNonBlock(mux)
	workers.Ready()
	if js.Global().Get("context").Get("persistent").Truthy() {
		select {}
	}
	<-workers.Done()
}
