//go:build js && wasm

package workerkv

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/wxcard/wxcard/internal/ctxsleep"
	"github.com/wxcard/wxcard/internal/jspromise"
	"github.com/wxcard/wxcard/kv"
)

// OpenCoordinator returns the Coordinator for the Durable Object named name
// (the appid) in the namespace bound as binding (wrangler.toml
// durable_objects.bindings), whose class is edge/worker's
// TicketCoordinator. ok is false when the Worker has no such binding: the
// KV-only mode. Like Open, it must be called from the Go program the worker
// runtime started.
func OpenCoordinator(binding, name string) (c Coordinator, ok bool, err error) {
	if binding == "" || name == "" {
		return nil, false, errors.New("workerkv: OpenCoordinator: empty binding or name")
	}
	env := js.Global().Get("context").Get("env")
	if env.Type() != js.TypeObject {
		return nil, false, errors.New("workerkv: OpenCoordinator: no runtime env")
	}
	ns := env.Get(binding)
	if ns.IsUndefined() || ns.IsNull() {
		return nil, false, nil
	}
	if ns.Type() != js.TypeObject || ns.Get("idFromName").Type() != js.TypeFunction {
		return nil, false, fmt.Errorf("workerkv: %s is not a Durable Object namespace binding", binding)
	}
	return &objectCoordinator{ns: ns, id: ns.Call("idFromName", name)}, true, nil
}

// objectCoordinator calls the TicketCoordinator's methods over Durable
// Object RPC.
type objectCoordinator struct {
	ns js.Value
	id js.Value
}

// maxAttempts bounds the calls made for one operation. An object that is
// restarting (deployment, eviction, a reset) fails the calls in flight with
// an error of the runtime's (not thrown by the object's code, or flagged
// retryable); the next call reaches its new instance, which has kept its
// storage. Every method is safe to repeat: put and delete are idempotent,
// and tryLock recognises a repeated attempt.
const maxAttempts = 3

// call invokes method on a stub made for this call: a stub belongs to the
// request that made it, and Go instances serve one request after another.
func (o *objectCoordinator) call(ctx context.Context, method string, args ...any) (js.Value, error) {
	var last error
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := ctxsleep.Sleep(ctx, time.Duration(attempt)*20*time.Millisecond); err != nil {
				return js.Value{}, err
			}
		}
		stub := o.ns.Call("get", o.id)
		v, retryable, err := await(ctx, stub.Call(method, args...))
		if err == nil || !retryable {
			return v, err
		}
		last = err
	}
	return js.Value{}, last
}

func (o *objectCoordinator) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := o.call(ctx, "get", key)
	if err != nil {
		return "", false, err
	}
	if v.Type() != js.TypeString {
		return "", false, nil
	}
	return v.String(), true, nil
}

func (o *objectCoordinator) AwaitChange(ctx context.Context, key, known string, knownOK bool, wait time.Duration) (string, bool, error) {
	var knownArg any // null: no value
	if knownOK {
		knownArg = known
	}
	v, err := o.call(ctx, "awaitChange", key, knownArg, max(wait.Milliseconds(), 1))
	if err != nil {
		return "", false, err
	}
	if v.Type() != js.TypeString {
		return "", false, nil
	}
	return v.String(), true, nil
}

func (o *objectCoordinator) Put(ctx context.Context, key, envelope string) error {
	_, err := o.call(ctx, "put", key, envelope)
	return err
}

func (o *objectCoordinator) Delete(ctx context.Context, key string) error {
	_, err := o.call(ctx, "delete", key)
	return err
}

func (o *objectCoordinator) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	attempt, err := kv.NewOwnerToken()
	if err != nil {
		return false, err
	}
	// The object counts whole milliseconds and refuses 0.
	v, err := o.call(ctx, "tryLock", key, owner, max(ttl.Milliseconds(), 1), attempt)
	return err == nil && v.Truthy(), err
}

func (o *objectCoordinator) Unlock(ctx context.Context, key, owner string) (bool, error) {
	v, err := o.call(ctx, "unlock", key, owner)
	return err == nil && v.Truthy(), err
}

// await waits for a promise and says whether its rejection is worth
// another call.
func await(ctx context.Context, promise js.Value) (v js.Value, retryable bool, err error) {
	v, err = jspromise.Await(ctx, promise)
	rej, ok := errors.AsType[*jspromise.Rejection](err)
	if !ok || rej.Value.Type() != js.TypeObject {
		return v, false, err
	}
	// The message is the runtime's or the object's own (argument checks);
	// neither carries a stored value. An overloaded object is not helped by
	// more calls; an error thrown by its own code (remote) would be thrown
	// again.
	e := rej.Value
	retryable = !e.Get("overloaded").Truthy() &&
		(e.Get("retryable").Truthy() || !e.Get("remote").Truthy())
	return v, retryable, err
}
