//go:build js && wasm

// Package jspromise waits for JavaScript promises from Go (GOOS=js): the
// one helper the Worker's Go uses for every awaited call into its runtime
// (Workers KV, the ticket coordinator, fetch).
package jspromise

import (
	"context"
	"syscall/js"
)

// Rejection is the error of a promise that was rejected, holding the
// rejection's value (usually an Error).
type Rejection struct {
	Value js.Value
}

// Error is the rejection's message: an Error's message, or "unknown error"
// for a value that is not an object. It quotes nothing else of the value.
func (r *Rejection) Error() string {
	if r.Value.Type() == js.TypeObject {
		return r.Value.Get("message").String()
	}
	return "unknown error"
}

// Await waits for promise to settle and returns its value, or a
// *Rejection. When ctx ends first it returns ctx.Err() at once; the
// callbacks stay registered until the promise settles and release
// themselves then.
func Await(ctx context.Context, promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	var onValue, onError js.Func
	release := func() { onValue.Release(); onError.Release() }
	arg := func(args []js.Value) js.Value {
		if len(args) > 0 {
			return args[0]
		}
		return js.Undefined()
	}
	onValue = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		done <- result{v: arg(args)}
		return nil
	})
	onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		done <- result{err: &Rejection{Value: arg(args)}}
		return nil
	})
	promise.Call("then", onValue, onError)
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return js.Value{}, ctx.Err()
	}
}

// New returns a promise of what fn, run on a goroutine of its own,
// returns: the value, or a rejection with an Error carrying err's text.
// settled, if not nil, runs once the promise is resolved or rejected.
func New(fn func() (js.Value, error), settled func()) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, p []js.Value) any {
		defer executor.Release()
		resolve, reject := p[0], p[1]
		go func() {
			if settled != nil {
				defer settled()
			}
			v, err := fn()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}
