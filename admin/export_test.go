package admin

// In-package helpers the external tests (package admin_test) share.
var (
	Stampede   = stampede
	RedisStore = redisStore
)
