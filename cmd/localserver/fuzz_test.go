package main

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzStoreSpec: any -store value parses or fails cleanly, and a Redis
// password never shows in what the user is told.
func FuzzStoreSpec(f *testing.F) {
	for _, seed := range []string{"memory", "file:.wxcard/store.db", "file:", "redis://:hunter2@127.0.0.1:6379/0",
		"rediss://user:hunter2@h:1", "redis://:hunter2@[::1", "s3://a:hunter2@b", "redis://%zz:hunter2@x", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		spec, err := parseStoreSpec(raw)
		var told string
		if err != nil {
			told = err.Error()
		} else {
			told = spec.describe()
		}
		told += redactStoreURL(raw)
		u, perr := url.Parse(raw)
		if perr != nil || u.User == nil {
			return
		}
		if pw, ok := u.User.Password(); ok && len(pw) >= 4 {
			// The password must not be echoed (unless it also spells out
			// something else the user typed, like the host).
			rest := strings.Replace(raw, pw, "", 1)
			if !strings.Contains(rest, pw) && strings.Contains(told, pw) {
				t.Fatalf("password %q shown in %q", pw, told)
			}
		}
	})
}
