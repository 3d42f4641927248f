package app

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Names of the Worker variables. WXCARD_SECRET is meant to be set with
// `wrangler secret put`, the others in wrangler.toml [vars].
const (
	EnvAppID          = "WXCARD_APPID"
	EnvSecret         = "WXCARD_SECRET"
	EnvBaseURL        = "WXCARD_BASE_URL"
	EnvAllowedOrigins = "WXCARD_ALLOWED_ORIGINS"
	EnvAllowedCardIDs = "WXCARD_ALLOWED_CARD_IDS"
)

// KVBinding is the Workers KV binding name the worker caches tickets in.
const KVBinding = "WXCARD_KV"

// Settings is the Worker's configuration.
type Settings struct {
	AppID  string
	Secret string
	// BaseURL is the WeChat API root; empty means the real one. Tests and
	// local runs point it at the emulator.
	BaseURL        string
	AllowedOrigins []string
	AllowedCardIDs []string
}

// ErrMisconfigured is matched by every error LoadSettings returns.
var ErrMisconfigured = errors.New("worker misconfigured")

// LoadSettings reads the settings through getenv. Lists are separated by
// commas and/or white space. Errors name the variable, never its value.
func LoadSettings(getenv func(string) string) (Settings, error) {
	s := Settings{
		AppID:          strings.TrimSpace(getenv(EnvAppID)),
		Secret:         strings.TrimSpace(getenv(EnvSecret)),
		BaseURL:        strings.TrimSpace(getenv(EnvBaseURL)),
		AllowedOrigins: splitList(getenv(EnvAllowedOrigins)),
		AllowedCardIDs: splitList(getenv(EnvAllowedCardIDs)),
	}
	switch {
	case s.AppID == "":
		return Settings{}, fmt.Errorf("%w: %s is not set", ErrMisconfigured, EnvAppID)
	case s.Secret == "":
		return Settings{}, fmt.Errorf("%w: %s is not set (wrangler secret put %s)", ErrMisconfigured, EnvSecret, EnvSecret)
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Settings{}, fmt.Errorf("%w: %s must be an absolute http(s) URL", ErrMisconfigured, EnvBaseURL)
		}
	}
	return s, nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}
