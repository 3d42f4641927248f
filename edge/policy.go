package edge

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/signer"
)

// Policy decides whom the handler signs for. Without it the config API
// would be an open signing oracle: anyone could have any card signed with a
// code, openid or balance of their choosing. A Config must choose at least
// one of GrantKeys, PublicCardIDs or Open.
//
// A card is signed for a request when
//   - the request carries a grant (minted by the merchant's backend, see
//     package grant) naming it: every cardExt field comes from the grant,
//     nothing from the request;
//   - or the card is public: anyone may ask for it, but only by card_id; a
//     request that also sends code, openid, outer_str,
//     fixed_begintimestamp or balance is refused (field_not_allowed);
//   - or the policy is Open.
//
// Grants are not single-use: within its life (at most ten minutes) a grant
// can be presented again, and then signs the same card with the same fields
// again, nothing more. Enforcing single use would need a store with atomic
// writes shared by every edge location; Workers KV is eventually consistent
// and could only pretend to. The grant's short life, its binding to one
// card, one app and (when the merchant sets it) one openid are what limit a
// replay; WeChat itself refuses a second wx.addCard of a code already taken.
type Policy struct {
	// GrantKeys are the keys grants may be signed with (several during a
	// rotation). Empty: grants are refused.
	GrantKeys []grant.Key
	// PublicCardIDs may be signed without a grant, by card_id alone.
	PublicCardIDs []string
	// Open signs whatever the request asks for, grant or not: the behaviour
	// before grants existed, for demos against the emulator only.
	Open bool
	// JSConfigURLPrefixes, when not empty, are the only pages /v1/jsconfig
	// signs: the url must start with one of them. Each is an absolute
	// http(s) URL with at least the "/" after the host
	// ("https://shop.example.com/"), so a prefix never matches another host.
	JSConfigURLPrefixes []string
	// Now is the clock grants are checked against; nil is time.Now.
	Now func() time.Time
}

// Error codes of policy refusals, all with status 403. Like the others they
// are stable.
const (
	CodeGrantRequired    = "grant_required"      // the card is neither public nor open; send a grant
	CodeGrantInvalid     = "grant_invalid"       // malformed, altered (bad MAC), out-of-bounds claims, or grants not accepted here
	CodeGrantUnknownKey  = "grant_unknown_key"   // signed with a key id this service does not hold (retired or wrong key)
	CodeGrantExpired     = "grant_expired"       // past its exp; mint a new one
	CodeGrantNotYetValid = "grant_not_yet_valid" // nbf or iat in the future (check the backend's clock)
	CodeGrantWrongApp    = "grant_wrong_app"     // minted for another official account
	CodeFieldNotAllowed  = "field_not_allowed"   // a field the caller may not choose (public card, or next to a grant)
	CodeURLNotAllowed    = "url_not_allowed"     // jsconfig url outside Policy.JSConfigURLPrefixes
)

// policy is a validated Policy.
type policy struct {
	verifier    *grant.Verifier // nil: no grants accepted
	public      map[string]struct{}
	open        bool
	urlPrefixes []string
	now         func() time.Time
}

func (p Policy) compile(appID string) (*policy, error) {
	c := &policy{open: p.Open, now: p.Now}
	if c.now == nil {
		c.now = time.Now
	}
	if len(p.GrantKeys) == 0 && len(p.PublicCardIDs) == 0 && !p.Open {
		return nil, configError("Policy: set GrantKeys (the merchant's backend mints grants), PublicCardIDs (cards anyone may add), or Open (demos only)")
	}
	if len(p.GrantKeys) > 0 {
		v, err := grant.NewVerifier(appID, p.GrantKeys...)
		if err != nil {
			return nil, configError("Policy.GrantKeys: %v", err)
		}
		c.verifier = v
	}
	var err error
	if c.public, err = cardIDSet("Policy.PublicCardIDs", p.PublicCardIDs); err != nil {
		return nil, err
	}
	for i, prefix := range p.JSConfigURLPrefixes {
		if err := validateURLPrefix(prefix); err != nil {
			return nil, configError("Policy.JSConfigURLPrefixes[%d] %q: %v", i, prefix, err)
		}
		c.urlPrefixes = append(c.urlPrefixes, prefix)
	}
	return c, nil
}

func validateURLPrefix(prefix string) error {
	u, err := url.Parse(prefix)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Host == "" || u.User != nil:
		return errors.New("must name a host and no user")
	case !strings.HasPrefix(u.Path, "/") || u.Fragment != "" || strings.Contains(prefix, "#"):
		return errors.New(`must end the host with "/" and have no #fragment`)
	case !strings.HasPrefix(prefix, u.Scheme+"://"+strings.ToLower(u.Host)):
		return errors.New("scheme and host must be lower case, as pages report them")
	}
	return nil
}

// cardRequest is one card of an addcard request: the card's fields, or a
// grant that replaces them.
type cardRequest struct {
	signer.Card
	Grant string `json:"grant"`
}

// resolveCards turns the requested cards into the cards to sign, or
// refuses. A card without card_id and grant is passed on as it is, for the
// request validation to name.
func (p *policy) resolveCards(reqs []cardRequest) ([]signer.Card, *apiError) {
	cards := make([]signer.Card, len(reqs))
	var now time.Time
	for i, r := range reqs {
		field := "cards[" + strconv.Itoa(i) + "]"
		if r.Grant != "" {
			if r.Card != (signer.Card{}) {
				return nil, forbidden(CodeFieldNotAllowed, field+": send the grant alone; the card's fields come from it")
			}
			if now.IsZero() {
				now = p.now()
			}
			c, e := p.verify(field, r.Grant, now)
			if e != nil {
				return nil, e
			}
			cards[i] = signer.Card{CardID: c.CardID, Code: c.Code, OpenID: c.OpenID, OuterStr: c.OuterStr,
				FixedBeginTimestamp: c.FixedBeginTimestamp, Balance: c.Balance}
			continue
		}
		cards[i] = r.Card
		if p.open || r.CardID == "" {
			continue
		}
		if e := p.ungranted(field, r.CardID); e != nil {
			return nil, e
		}
		if name := callerChosenField(r.Card); name != "" {
			return nil, forbidden(CodeFieldNotAllowed, field+"."+name+" may not be chosen by the caller; the merchant's backend sets it in a grant")
		}
	}
	return cards, nil
}

// callerChosenField names the first cardExt field of c other than card_id.
func callerChosenField(c signer.Card) string {
	switch {
	case c.Code != "":
		return "code"
	case c.OpenID != "":
		return "openid"
	case c.OuterStr != "":
		return "outer_str"
	case c.FixedBeginTimestamp != 0:
		return "fixed_begintimestamp"
	case c.Balance != nil:
		return "balance"
	}
	return ""
}

// ungranted refuses a card asked for without a grant unless it is public.
func (p *policy) ungranted(field, cardID string) *apiError {
	if _, ok := p.public[cardID]; ok {
		return nil
	}
	if field != "" {
		field += "."
	}
	if p.verifier == nil {
		return cardNotAllowed(field+"card_id", cardID)
	}
	return forbidden(CodeGrantRequired, field+"card_id "+quoteForMessage(cardID)+" is signed only with a grant from the merchant's backend")
}

// chooseCardRequest is the body of /v1/choosecard: the selection, or a
// grant that replaces it.
type chooseCardRequest struct {
	ShopID   string `json:"shop_id"`
	CardType string `json:"card_type"`
	CardID   string `json:"card_id"`
	Grant    string `json:"grant"`
}

// resolveChooseCard applies the policy to a chooseCard request. Without a
// card_id it is not restricted: wx.chooseCard then offers only cards the
// user already holds.
func (p *policy) resolveChooseCard(r chooseCardRequest) (chooseCardRequest, *apiError) {
	if r.Grant != "" {
		if r.ShopID != "" || r.CardType != "" || r.CardID != "" {
			return r, forbidden(CodeFieldNotAllowed, "send the grant alone; card_id, shop_id and card_type come from it")
		}
		c, e := p.verify("", r.Grant, p.now())
		if e != nil {
			return r, e
		}
		return chooseCardRequest{ShopID: c.ShopID, CardType: c.CardType, CardID: c.CardID}, nil
	}
	if p.open || r.CardID == "" {
		return r, nil
	}
	return r, p.ungranted("", r.CardID)
}

// verify checks a grant and maps a refusal to its code. The message says
// why in general terms; it never repeats the grant.
func (p *policy) verify(field, token string, now time.Time) (grant.Claims, *apiError) {
	if field != "" {
		field += "."
	}
	if p.verifier == nil {
		return grant.Claims{}, forbidden(CodeGrantInvalid, field+"grant: this service accepts no grants")
	}
	c, err := p.verifier.Verify(token, now)
	if err == nil {
		return c, nil
	}
	switch {
	case errors.Is(err, grant.ErrExpired):
		return c, forbidden(CodeGrantExpired, field+"grant has expired; have the merchant's backend mint a new one")
	case errors.Is(err, grant.ErrNotYetValid):
		return c, forbidden(CodeGrantNotYetValid, field+"grant is not valid yet; check the minting server's clock")
	case errors.Is(err, grant.ErrWrongApp):
		return c, forbidden(CodeGrantWrongApp, field+"grant was minted for another official account")
	case errors.Is(err, grant.ErrUnknownKey):
		return c, forbidden(CodeGrantUnknownKey, field+"grant is signed with a key this service does not hold")
	case errors.Is(err, grant.ErrBadMAC):
		return c, forbidden(CodeGrantInvalid, field+"grant's MAC does not match: it was altered or signed with another secret")
	case errors.Is(err, grant.ErrInvalidClaims):
		return c, forbidden(CodeGrantInvalid, field+"grant has invalid claims")
	}
	return c, forbidden(CodeGrantInvalid, field+"grant is malformed")
}

// allowsURL reports whether jsconfig may sign the page.
func (p *policy) allowsURL(page string) *apiError {
	if len(p.urlPrefixes) == 0 {
		return nil
	}
	for _, prefix := range p.urlPrefixes {
		if strings.HasPrefix(page, prefix) {
			return nil
		}
	}
	return forbidden(CodeURLNotAllowed, "url "+quoteForMessage(page)+" is not a page this service signs for")
}

func forbidden(code, message string) *apiError {
	return &apiError{status: statusForbidden, code: code, message: message}
}

// cardNotAllowed refuses a card_id outside the allow-list, in one wording
// wherever it is checked; field names where the id stood ("card_id",
// "cards[2].card_id").
func cardNotAllowed(field, cardID string) *apiError {
	return forbidden(CodeCardNotAllowed, field+" "+quoteForMessage(cardID)+" is not one this service signs")
}
