package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wxcard/wxcard/kv"
)

// storeSpec is a parsed -store value.
type storeSpec struct {
	kind string // "memory", "file" or "redis"
	path string // file
	url  string // redis
}

// describe names the store for the banner and error messages, with any
// Redis password left out.
func (s storeSpec) describe() string {
	switch s.kind {
	case "file":
		return "file " + s.path
	case "redis":
		return redactStoreURL(s.url)
	}
	return "memory (nothing kept across restarts)"
}

func parseStoreSpec(raw string) (storeSpec, error) {
	switch {
	case raw == "memory":
		return storeSpec{kind: "memory"}, nil
	case strings.HasPrefix(raw, "file:"):
		p := strings.TrimPrefix(raw, "file:")
		if p == "" {
			return storeSpec{}, usagef("-store file: needs a path, as in file:.wxcard/store.db")
		}
		return storeSpec{kind: "file", path: p}, nil
	case strings.HasPrefix(raw, "redis://"), strings.HasPrefix(raw, "rediss://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return storeSpec{}, usagef("-store %s: not a valid Redis URL; want redis://[:password@]host:port[/db]", redactStoreURL(raw))
		}
		return storeSpec{kind: "redis", url: raw}, nil
	}
	return storeSpec{}, usagef("-store %q: unknown store; want memory, file:PATH or redis://host:port", redactStoreURL(raw))
}

// redactStoreURL drops the password from a URL-shaped store value; anything
// that does not parse is cut to its scheme so no secret can slip through.
func redactStoreURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "://"); i >= 0 {
			return raw[:i+3] + "…"
		}
		if strings.Contains(raw, "@") {
			return "…"
		}
		return raw
	}
	return u.Redacted()
}

// openedStore is a kv.Store with what closing it needs.
type openedStore struct {
	kv.Store
	spec  storeSpec
	close func() error
}

func (s *openedStore) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// storeProbeTimeout bounds the start-up check that Redis answers.
const storeProbeTimeout = 3 * time.Second

// openStore opens the store and proves it works, so a bad store fails at
// start-up with a clear message rather than on the first request.
func openStore(ctx context.Context, raw string) (*openedStore, error) {
	spec, err := parseStoreSpec(raw)
	if err != nil {
		return nil, err
	}
	switch spec.kind {
	case "memory":
		return &openedStore{Store: kv.NewMemory(), spec: spec}, nil
	case "file":
		if err := os.MkdirAll(filepath.Dir(spec.path), 0o700); err != nil {
			return nil, fmt.Errorf("store %s: %w", spec.path, err)
		}
		f, err := kv.OpenFile(spec.path, kv.WithOpenWait(time.Second))
		if err != nil {
			if errors.Is(err, kv.ErrFileInUse) {
				return nil, fmt.Errorf("store %s is in use by another process (is another localserver running with the same -data-dir?): %w", spec.path, err)
			}
			return nil, fmt.Errorf("store %s: %w", spec.path, err)
		}
		return &openedStore{Store: f, spec: spec, close: f.Close}, nil
	case "redis":
		r, err := kv.NewRedis(spec.url)
		if err != nil {
			return nil, usagef("-store %s: %v", spec.describe(), scrubURL(err, spec.url))
		}
		pctx, cancel := context.WithTimeout(ctx, storeProbeTimeout)
		defer cancel()
		if _, _, err := r.Get(pctx, "wxcard:localserver:probe"); err != nil {
			r.Close()
			return nil, fmt.Errorf("redis at %s is unreachable: %w", spec.describe(), scrubURL(err, spec.url))
		}
		return &openedStore{Store: r, spec: spec, close: r.Close}, nil
	}
	return nil, usagef("-store %q: unknown store", spec.describe())
}

// scrubURL keeps a Redis password out of an error that may quote the URL.
func scrubURL(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}
