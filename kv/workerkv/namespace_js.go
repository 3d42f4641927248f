//go:build js && wasm

package workerkv

import (
	"fmt"

	cfkv "github.com/syumai/workers/cloudflare/kv"
)

// binding is a Namespace backed by a Workers KV binding.
type binding struct {
	ns *cfkv.Namespace
}

// Open returns the KV namespace bound under name (wrangler.toml
// kv_namespaces.binding). It must be called while the Worker's runtime
// context exists, i.e. from the Go program the worker runtime started.
func Open(name string) (Namespace, error) {
	ns, err := cfkv.NewNamespace(name)
	if err != nil {
		return nil, fmt.Errorf("workerkv: KV binding %s: %w", name, err)
	}
	return binding{ns: ns}, nil
}

func (b binding) GetString(key string) (string, error) {
	return b.ns.GetString(key, nil)
}

func (b binding) PutString(key, value string, expirationTTL int) error {
	var opts *cfkv.PutOptions
	if expirationTTL > 0 {
		opts = &cfkv.PutOptions{ExpirationTTL: expirationTTL}
	}
	return b.ns.PutString(key, value, opts)
}

func (b binding) Delete(key string) error {
	return b.ns.Delete(key)
}
