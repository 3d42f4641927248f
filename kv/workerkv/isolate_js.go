//go:build js && wasm

package workerkv

import "syscall/js"

// OpenIsolate returns the isolate state that edge/worker's entry.mjs
// publishes as globalThis.wxcardIsolate, or false under a runtime that has
// none (syumai's stock worker.mjs, which runs one Go instance per request
// and so has nothing to share).
func OpenIsolate() (Isolate, bool) {
	v := js.Global().Get("wxcardIsolate")
	if v.Type() != js.TypeObject {
		return nil, false
	}
	return jsIsolate{v}, true
}

type jsIsolate struct{ v js.Value }

func (i jsIsolate) CacheGet(key string) (string, int64, bool) {
	r := i.v.Call("cacheGet", key)
	if r.Type() != js.TypeObject {
		return "", 0, false
	}
	return r.Index(0).String(), int64(r.Index(1).Float()), true
}

func (i jsIsolate) CachePut(key, envelope string, fetchedMillis int64) {
	i.v.Call("cachePut", key, envelope, fetchedMillis)
}

func (i jsIsolate) CacheDelete(key string) {
	i.v.Call("cacheDelete", key)
}

func (i jsIsolate) TryLock(key, owner string, untilMillis, nowMillis int64) bool {
	return i.v.Call("tryLock", key, owner, untilMillis, nowMillis).Bool()
}

func (i jsIsolate) Unlock(key, owner string, nowMillis int64) bool {
	return i.v.Call("unlock", key, owner, nowMillis).Bool()
}
