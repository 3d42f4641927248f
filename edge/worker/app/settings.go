package app

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wxcard/wxcard/grant"
)

// Names of the Worker variables. WXCARD_SECRET and WXCARD_GRANT_KEYS are
// meant to be set with `wrangler secret put`, the others in wrangler.toml
// [vars].
const (
	EnvAppID          = "WXCARD_APPID"
	EnvSecret         = "WXCARD_SECRET"
	EnvBaseURL        = "WXCARD_BASE_URL"
	EnvAllowedOrigins = "WXCARD_ALLOWED_ORIGINS"
	EnvAllowedCardIDs = "WXCARD_ALLOWED_CARD_IDS"
	// EnvGrantKeys lists the keys grants are signed with, "id:secret"
	// (secret in base64url), two during a rotation.
	EnvGrantKeys = "WXCARD_GRANT_KEYS"
	// EnvPublicCardIDs lists the cards anyone may add without a grant, by
	// card_id alone.
	EnvPublicCardIDs = "WXCARD_PUBLIC_CARD_IDS"
	// EnvJSConfigURLPrefixes lists the pages /v1/jsconfig signs for
	// ("https://shop.example.com/"); empty signs any page.
	EnvJSConfigURLPrefixes = "WXCARD_JSCONFIG_URL_PREFIXES"
)

// KVBinding is the Workers KV binding name the worker caches tickets in.
const KVBinding = "WXCARD_KV"

// CoordinatorBinding is the Durable Object namespace binding of the ticket
// coordinator (class TicketCoordinator, one object per appid). Without it
// the Worker runs KV-only: each isolate refreshes tickets on its own.
const CoordinatorBinding = "WXCARD_COORDINATOR"

// Settings is the Worker's configuration.
type Settings struct {
	AppID  string
	Secret string
	// BaseURL is the WeChat API root; empty means the real one. Tests and
	// local runs point it at the emulator.
	BaseURL        string
	AllowedOrigins []string
	AllowedCardIDs []string
	// GrantKeys, PublicCardIDs and JSConfigURLPrefixes are the signing
	// policy (edge.Policy). A Worker has no open mode: at least one key or
	// public card is required.
	GrantKeys           []grant.Key
	PublicCardIDs       []string
	JSConfigURLPrefixes []string
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
		PublicCardIDs:  splitList(getenv(EnvPublicCardIDs)),

		JSConfigURLPrefixes: splitList(getenv(EnvJSConfigURLPrefixes)),
	}
	switch {
	case s.AppID == "":
		return Settings{}, fmt.Errorf("%w: %s is not set", ErrMisconfigured, EnvAppID)
	case s.Secret == "":
		return Settings{}, fmt.Errorf("%w: %s is not set (wrangler secret put %s)", ErrMisconfigured, EnvSecret, EnvSecret)
	}
	keys, err := grant.ParseKeys(getenv(EnvGrantKeys))
	if err != nil {
		// grant.ParseKeys names the key id, never the secret.
		return Settings{}, fmt.Errorf("%w: %s: %w", ErrMisconfigured, EnvGrantKeys, err)
	}
	s.GrantKeys = keys
	if len(s.GrantKeys) == 0 && len(s.PublicCardIDs) == 0 {
		return Settings{}, fmt.Errorf("%w: nothing may be signed: set %s (wrangler secret put %s; \"id:secret\" with a base64url secret of 32 bytes or more, "+
			"shared with the merchant's backend, which mints grants) and/or %s (cards anyone may add by card_id alone)",
			ErrMisconfigured, EnvGrantKeys, EnvGrantKeys, EnvPublicCardIDs)
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
