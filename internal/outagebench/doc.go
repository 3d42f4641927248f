// Package outagebench holds BenchmarkAddCardRedisOutage: what a shared
// Redis going away costs POST /v1/addcard, measured through the config
// API's handler (package edge) on an admin client backed by a real
// redis-server and the offline WeChat emulator. It has no code of its own;
// `make bench` runs the benchmark with the others, and bench/pairs.tsv
// compares its outage phases with the healthy one.
package outagebench
