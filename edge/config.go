package edge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wxcard/wxcard/signer"
)

// TicketProvider hands out the two WeChat tickets the edge signs with. Both
// calls may do I/O (a cache read, an upstream fetch) and must be safe for
// concurrent use. *admin.Client satisfies it.
type TicketProvider interface {
	// CardTicket returns the card api_ticket (getticket?type=wx_card), used
	// for wx.addCard and wx.chooseCard.
	CardTicket(ctx context.Context) (string, error)
	// JSAPITicket returns the jsapi ticket (getticket?type=jsapi), used for
	// wx.config.
	JSAPITicket(ctx context.Context) (string, error)
}

// Defaults and bounds of Config.
const (
	// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
	// is zero. Fifty cards with every optional field fit in about 12 KiB.
	DefaultMaxBodyBytes = 16 << 10
	// MaxMaxBodyBytes bounds Config.MaxBodyBytes: nothing this API accepts
	// needs more.
	MaxMaxBodyBytes = 1 << 20
)

// Config configures NewHandler. AppID and Tickets are required.
type Config struct {
	// AppID is the official account's appid, echoed in jsconfig and signed
	// into chooseCard.
	AppID string
	// Tickets supplies the card api_ticket and the jsapi ticket.
	Tickets TicketProvider
	// Signer builds the payloads; nil uses signer defaults (real clock,
	// crypto/rand nonces).
	Signer *signer.Signer
	// AllowedCardIDs, when not empty, is the only set of card ids the
	// handler signs (addcard, and choosecard when a card_id is given).
	AllowedCardIDs []string
	// AllowedOrigins lists the origins ("https://shop.example.com") that may
	// call the API cross-origin. Matching is exact; "*" is not accepted.
	AllowedOrigins []string
	// MaxBodyBytes limits a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxCards limits the cards of one addcard request; 0 means
	// signer.MaxCardsPerAddCard, which is also the upper bound.
	MaxCards int
	// Logger receives one line per failed request; nil logs nothing. It is
	// a *slog.Logger, or in js/wasm builds, which leave log/slog out to keep
	// the edge Worker small, a *linelog.Logger.
	Logger logger
	// Policy decides whom cards are signed for (grants, public cards); it
	// is required, see Policy.
	Policy Policy
}

// ErrInvalidConfig is matched by every error NewHandler returns.
var ErrInvalidConfig = errors.New("edge: invalid config")

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}

// cardIDSet returns ids as a set after checking each is a card id the
// signer accepts; field names the list in the error. No ids is a nil set:
// callers read nil as "no such list", not as "no card allowed".
func cardIDSet(field string, ids []string) (map[string]struct{}, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	set := make(map[string]struct{}, len(ids))
	for i, id := range ids {
		if err := signer.ValidateCard(signer.Card{CardID: id}); err != nil {
			return nil, configError("%s[%d]: %v", field, i, err)
		}
		set[id] = struct{}{}
	}
	return set, nil
}

// settings is a validated Config with defaults applied.
type settings struct {
	appID        string
	tickets      TicketProvider
	signer       *signer.Signer
	allowedCards map[string]struct{}
	origins      map[string]struct{}
	maxBody      int64
	maxCards     int
	log          logger
	policy       *policy
}

func (c Config) settings() (*settings, error) {
	s := &settings{
		appID:    c.AppID,
		tickets:  c.Tickets,
		signer:   c.Signer,
		maxBody:  c.MaxBodyBytes,
		maxCards: c.MaxCards,
		log:      c.Logger,
	}
	if err := (signer.ChooseCardRequest{AppID: c.AppID}).Validate(); err != nil {
		return nil, configError("AppID: %v", err)
	}
	if c.Tickets == nil {
		return nil, configError("Tickets is nil")
	}
	if s.signer == nil {
		s.signer = &signer.Signer{}
	}
	switch {
	case s.maxBody == 0:
		s.maxBody = DefaultMaxBodyBytes
	case s.maxBody < 0 || s.maxBody > MaxMaxBodyBytes:
		return nil, configError("MaxBodyBytes %d is outside 1..%d", s.maxBody, MaxMaxBodyBytes)
	}
	switch {
	case s.maxCards == 0:
		s.maxCards = signer.MaxCardsPerAddCard
	case s.maxCards < 0 || s.maxCards > signer.MaxCardsPerAddCard:
		return nil, configError("MaxCards %d is outside 1..%d", s.maxCards, signer.MaxCardsPerAddCard)
	}
	if s.log == nil {
		s.log = discardLogger()
	}
	allowed, err := cardIDSet("AllowedCardIDs", c.AllowedCardIDs)
	if err != nil {
		return nil, err
	}
	s.allowedCards = allowed
	p, err := c.Policy.compile(c.AppID)
	if err != nil {
		return nil, err
	}
	s.policy = p
	if len(c.AllowedOrigins) > 0 {
		s.origins = make(map[string]struct{}, len(c.AllowedOrigins))
		for i, o := range c.AllowedOrigins {
			if err := validateOrigin(o); err != nil {
				return nil, configError("AllowedOrigins[%d] %q: %v", i, o, err)
			}
			s.origins[o] = struct{}{}
		}
	}
	return s, nil
}

// validateOrigin accepts exactly the serialisation browsers send in the
// Origin header: scheme://host[:port], lower case, nothing after it.
func validateOrigin(o string) error {
	if o == "*" {
		return errors.New(`"*" is not supported; list the origins`)
	}
	u, err := url.Parse(o)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("scheme must be http or https")
	}
	if u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return errors.New("must be scheme://host[:port] with nothing after it")
	}
	if o != strings.ToLower(o) {
		return errors.New("must be lower case, as browsers send it")
	}
	return nil
}
