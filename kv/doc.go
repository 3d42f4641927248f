// Package kv is the small cache wxcard keeps its access tokens and api
// tickets in.
//
// [Store] stores bytes under string keys with a TTL; a miss is reported with
// ok == false, never as an error, so an error always means the store itself
// failed. Stores that can also hold a lease-style lock implement [Locker];
// the admin client uses it so that a cluster of servers fetches a token once,
// not once per server.
//
// Backends:
//
//   - [NewMemory]: in-process, the default. Implements Locker for the
//     goroutines of one process.
//   - [OpenFile]: a bbolt file that survives restarts (not built for js or
//     wasip1, which have no mmap). bbolt lets one process at a time open a
//     file; a second process gets a clear error after a short wait instead
//     of hanging.
//   - [NewRedis] / [NewRedisFromClient]: Redis, shared by every server.
//     Locks are SET NX PX with an owner-checked release.
//   - kv/workerkv: a Cloudflare Workers KV namespace, for the edge Worker
//     (its locks reach the Go instances of one isolate).
//
// [Guard] wraps any store so that a failing one costs its callers little:
// each call gets its own short deadline, and after repeated failures the
// store is skipped ([ErrUnavailable], no I/O) until a probe finds it
// answering again. The admin client guards Redis and File stores by
// default.
//
// Every backend passes the conformance suite in package kvtest.
package kv
