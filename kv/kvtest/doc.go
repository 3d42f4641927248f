// Package kvtest checks that a kv.Store behaves as wxcard relies on, and
// starts the real redis-server the Redis tests need.
//
// A backend's test calls [Run] with a constructor:
//
//	func TestConformance(t *testing.T) {
//		kvtest.Run(t, func(t *testing.T) kv.Store { return kv.NewMemory() })
//	}
//
// Stores that implement kv.Locker get the lock tests as well.
//
// [StartRedis] runs redis-server on a free loopback port without
// persistence and stops it when the test ends. Without the binary the test
// is skipped, unless the CI environment variable is set: then it fails, so
// that CI can never pass by skipping the real thing. A test plays outages
// on it with [RedisServer.Stop] (connections refused),
// [RedisServer.Pause] and [RedisServer.Resume] (SIGSTOP: connections
// accepted, never answered) and [RedisServer.Restart] (back, empty);
// [SilentListener] is a server that never answers from the start.
package kvtest
