// Package workerkv adapts a Cloudflare Workers KV namespace to kv.Store.
//
// Workers KV differs from the other stores in three ways this package hides:
//
//   - A missing key reads as null, which syumai/workers hands to Go as the
//     string "<null>". Every value this package writes starts with an
//     envelope prefix, so "<null>" (or any text without the prefix) is a miss,
//     never a value.
//   - An expirationTtl must be at least 60 seconds. Shorter TTLs are rounded
//     up for KV's own cleanup, and the exact expiry is kept in the envelope and
//     checked on every read, so a Set with a 5 s TTL still misses after 5 s.
//   - KV stores text here (the string API), so values are base64-encoded and
//     any byte sequence round-trips.
//
// KV is eventually consistent: a write can take about 60 s to reach other
// locations. The admin client's values carry their own expiry as well, and it
// refreshes five minutes early, so a stale read between locations costs at
// most one extra upstream fetch.
//
// Several Go instances can run in one isolate (edge/worker's entry.mjs keeps
// up to four). An [Isolate] shared between their Stores gives them one memory
// cache and one set of locks, so that the Store is also a kv.Locker that
// makes them refresh a ticket once between them.
//
// Across isolates and locations, [Coordinated] puts a [Coordinator] in
// charge: a strongly consistent store with leases, in a Worker the ticket
// coordinator Durable Object ([OpenCoordinator]), with a Store as its read
// cache. Given to the admin client, it makes a stampede cost one fetch of
// each credential in total rather than one per isolate.
//
// The Namespace interface is what the adapter needs from a binding; in a
// Worker (GOOS=js) [Open] returns one backed by syumai/workers' cloudflare/kv.
// The adapter itself is plain Go and is tested natively.
package workerkv
