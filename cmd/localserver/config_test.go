package main

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testGrantSecret is 32 bytes in base64url.
const testGrantSecret = "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o"

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *config)
		err   string
	}{
		{name: "defaults", check: func(t *testing.T, c *config) {
			assert.Equal(t, "127.0.0.1:8080", c.addr)
			assert.Equal(t, modeEmulator, c.mode)
			assert.Equal(t, "file:.wxcard/store.db", c.store)
			assert.Equal(t, ".wxcard/emulator.db", c.emulatorSnapshot())
			assert.True(t, c.loopback)
			assert.True(t, c.control)
		}},
		{name: "memory store keeps the emulator in memory too", args: []string{"-store", "memory"}, check: func(t *testing.T, c *config) {
			assert.Empty(t, c.emulatorSnapshot())
		}},
		{name: "appid and secret from the environment select wechat mode",
			env: map[string]string{"WXCARD_APPID": "wx0123456789abcdef", "WXCARD_SECRET": "s", "WXCARD_PUBLIC_CARD_IDS": "pA"},
			check: func(t *testing.T, c *config) {
				assert.Equal(t, modeWeChat, c.mode)
				assert.Equal(t, "s", c.secret)
			}},
		{name: "flags win over the environment", args: []string{"-addr", "127.0.0.1:9999", "-allowed-origins", "http://localhost:3000, https://shop.example.com"},
			env: map[string]string{"WXCARD_ADDR": "127.0.0.1:1111", "WXCARD_ALLOWED_ORIGINS": "http://x.example"},
			check: func(t *testing.T, c *config) {
				assert.Equal(t, "127.0.0.1:9999", c.addr)
				assert.Equal(t, []string{"http://localhost:3000", "https://shop.example.com"}, c.allowedOrigins)
			}},
		{name: "emulator mode with a chosen app", args: []string{"-mode", "emulator", "-appid", "wx0123456789abcdef"}, env: map[string]string{"WXCARD_SECRET": "dev"},
			check: func(t *testing.T, c *config) {
				assert.Equal(t, modeEmulator, c.mode)
				assert.Equal(t, "wx0123456789abcdef", c.appID)
			}},
		{name: "wildcard bind turns control routes off", args: []string{"-addr", ":8080"}, check: func(t *testing.T, c *config) {
			assert.False(t, c.loopback)
			assert.False(t, c.control)
		}},
		{name: "explicit control on a wildcard bind", args: []string{"-addr", "0.0.0.0:8080", "-emulator-control=true"}, check: func(t *testing.T, c *config) {
			assert.True(t, c.control)
		}},
		{name: "control can be turned off on loopback", args: []string{"-emulator-control=false"}, check: func(t *testing.T, c *config) {
			assert.False(t, c.control)
		}},
		{name: "localhost and ::1 are loopback", args: []string{"-addr", "[::1]:8080"}, check: func(t *testing.T, c *config) {
			assert.True(t, c.loopback)
		}},
		{name: "redis store", args: []string{"-store", "redis://:pw@127.0.0.1:6379/1"}, check: func(t *testing.T, c *config) {
			assert.Equal(t, "redis://:pw@127.0.0.1:6379/1", c.store)
		}},
		{name: "addr without port", args: []string{"-addr", "127.0.0.1"}, err: "want host:port"},
		{name: "unknown mode", args: []string{"-mode", "prod"}, err: "want emulator or wechat"},
		{name: "wechat mode needs an appid", args: []string{"-mode", "wechat"}, err: "set WXCARD_APPID"},
		{name: "wechat mode needs the secret", env: map[string]string{"WXCARD_APPID": "wx0123456789abcdef"}, err: "set WXCARD_SECRET"},
		{name: "bad base URL", args: []string{"-base-url", "ftp://x"}, env: map[string]string{"WXCARD_APPID": "wx0123456789abcdef", "WXCARD_SECRET": "s", "WXCARD_PUBLIC_CARD_IDS": "pA"}, err: "-base-url"},
		{name: "wechat mode needs a signing policy", env: map[string]string{"WXCARD_APPID": "wx0123456789abcdef", "WXCARD_SECRET": "s"}, err: "set WXCARD_GRANT_KEYS"},
		{name: "grant keys from the environment, flags for the rest",
			args: []string{"-public-card-ids", "pA, pB", "-jsconfig-url-prefixes", "https://shop.example.com/"},
			env:  map[string]string{"WXCARD_APPID": "wx0123456789abcdef", "WXCARD_SECRET": "s", "WXCARD_GRANT_KEYS": "k1:" + testGrantSecret},
			check: func(t *testing.T, c *config) {
				require.Len(t, c.grantKeys, 1)
				assert.Equal(t, "k1", c.grantKeys[0].ID)
				assert.Equal(t, []string{"pA", "pB"}, c.publicCardIDs)
				assert.Equal(t, []string{"https://shop.example.com/"}, c.jsconfigPrefixes)
				assert.Equal(t, "grants with keys k1; 2 public card(s), by card_id alone; jsconfig for https://shop.example.com/", policySummary(c))
			}},
		{name: "emulator mode is open, and says so", args: []string{"-grant-keys", "k1:" + testGrantSecret}, check: func(t *testing.T, c *config) {
			assert.Contains(t, policySummary(c), "OPEN (emulator demo)")
			assert.Contains(t, policySummary(c), "grants with keys k1")
		}},
		{name: "short grant key", env: map[string]string{"WXCARD_GRANT_KEYS": "k1:" + testGrantSecret[:20]}, err: "-grant-keys"},
		{name: "base URL is for wechat mode", args: []string{"-base-url", "http://127.0.0.1:1/"}, err: "in emulator mode"},
		{name: "half an emulator app", args: []string{"-mode", "emulator", "-appid", "wx0123456789abcdef"}, err: "give both or neither"},
		{name: "unknown store", args: []string{"-store", "s3://bucket"}, err: "unknown store"},
		{name: "empty file store", args: []string{"-store", "file:"}, err: "needs a path"},
		{name: "origin with a path", args: []string{"-allowed-origins", "https://a.example/x"}, err: "is not an origin"},
		{name: "bad log format", args: []string{"-log-format", "xml"}, err: "want text or json"},
		{name: "unknown flag", args: []string{"-port", "1"}, err: "flag provided but not defined"},
		{name: "events in safe mode by default, pushed within 5 s", check: func(t *testing.T, c *config) {
			assert.Equal(t, "safe", c.eventsMode)
			assert.Equal(t, 5*time.Second, c.pushTimeout)
			assert.Empty(t, c.eventsToken, "made up at start-up in emulator mode")
		}},
		{name: "events token and key from the environment", env: map[string]string{"WXCARD_EVENTS_TOKEN": "tok123", "WXCARD_EVENTS_AES_KEY": "k"},
			args: []string{"-events-mode", "plaintext", "-push-timeout", "250ms"},
			check: func(t *testing.T, c *config) {
				assert.Equal(t, "tok123", c.eventsToken)
				assert.Equal(t, "k", c.eventsAESKey)
				assert.Equal(t, "plaintext", c.eventsMode)
				assert.Equal(t, 250*time.Millisecond, c.pushTimeout)
			}},
		{name: "unknown events mode", args: []string{"-events-mode", "compat"}, err: "want safe, compatible or plaintext"},
		{name: "events token as WeChat's console wants it", args: []string{"-events-token", "no spaces!"}, err: "3..32 letters and digits"},
		{name: "safe mode in wechat mode needs the key",
			env: map[string]string{"WXCARD_APPID": "wx0123456789abcdef", "WXCARD_SECRET": "s", "WXCARD_PUBLIC_CARD_IDS": "pA", "WXCARD_EVENTS_TOKEN": "tok123"},
			err: "WXCARD_EVENTS_AES_KEY"},
		{name: "push timeout bounded", args: []string{"-push-timeout", "2m"}, err: "want 1ms..1m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseConfig(tc.args, envOf(tc.env), io.Discard)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.NotContains(t, err.Error(), testGrantSecret[:16], "a key's secret in an error")
				assert.True(t, errors.Is(err, errUsage), "a usage error exits 2")
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestStoreSpecNeverShowsAPassword(t *testing.T) {
	for _, raw := range []string{"redis://:hunter2@127.0.0.1:6379/0", "redis://user:hunter2@[::1", "rediss://:hunter2@h:1", "x://a:hunter2@b"} {
		_, err := parseStoreSpec(raw)
		if err != nil {
			assert.NotContains(t, err.Error(), "hunter2", raw)
		}
		assert.NotContains(t, redactStoreURL(raw), "hunter2", raw)
	}
	spec, err := parseStoreSpec("redis://:hunter2@127.0.0.1:6379/0")
	require.NoError(t, err)
	assert.Equal(t, "redis://:xxxxx@127.0.0.1:6379/0", spec.describe())
}
