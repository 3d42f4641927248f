package emulator

import "strings"

// Card statuses, as card/get and card/batchget name them.
const (
	StatusNotVerify  = "CARD_STATUS_NOT_VERIFY"
	StatusVerifyFail = "CARD_STATUS_VERIFY_FAIL"
	StatusVerifyOK   = "CARD_STATUS_VERIFY_OK"
	StatusDelete     = "CARD_STATUS_DELETE"
	StatusDispatch   = "CARD_STATUS_DISPATCH"
)

type card struct {
	ID         string `json:"card_id"`
	Type       string `json:"card_type"`
	Status     string `json:"status"`
	Attributes object `json:"attributes"`
	cardStock
	Date          dateInfo             `json:"date_info"`
	PayCell       bool                 `json:"pay_cell"`
	SelfConsume   object               `json:"self_consume_cell,omitempty"`
	ActivateForm  object               `json:"activate_form,omitempty"`
	CreateTime    int64                `json:"create_time"`
	UpdateTime    int64                `json:"update_time"`
	Deposited     map[string]bool      `json:"deposited"` // code → claimed
	UserCards     map[string]*userCard `json:"user_cards"`
	UserCardOrder []string             `json:"user_card_order"`
	// Holders counts the user cards each openid has received, for get_limit.
	Holders map[string]int64 `json:"holders"`
}

// cardStock is how many of a card there are and how they are given out.
// The snapshot keeps it inside card and the state view shows it as is: one
// struct, so the view cannot leave out a field the card gains. Embedded, its
// fields stand in both JSON objects as before.
type cardStock struct {
	Quantity      int64 `json:"quantity"`
	TotalQuantity int64 `json:"total_quantity"`
	GetLimit      int64 `json:"get_limit"`
	UseCustomCode bool  `json:"use_custom_code"`
	DepositMode   bool  `json:"deposit_mode"`
	BindOpenID    bool  `json:"bind_openid"`
}

func (cd *card) fill() {
	if cd.Deposited == nil {
		cd.Deposited = map[string]bool{}
	}
	if cd.UserCards == nil {
		cd.UserCards = map[string]*userCard{}
	}
	if cd.Holders == nil {
		cd.Holders = map[string]int64{}
		for _, u := range cd.UserCards {
			cd.Holders[u.OpenID]++
		}
	}
}

// approved: the card may be given to anyone (not only whitelisted testers).
func (cd *card) approved() bool { return cd.Status == StatusVerifyOK || cd.Status == StatusDispatch }

// newCardID returns an id shaped like WeChat's: 28 characters, "p" first.
func (e *Emulator) newCardID(a *appState) string {
	for {
		id := "p" + e.randString(urlSafe, 27)
		if a.Cards[id] == nil {
			return id
		}
	}
}

// card looks up a card id from a request, with WeChat's errcodes.
func (c *call) card(cardID string) (*card, error) {
	if cardID == "" {
		return nil, wxErr(ErrcodeMissingCardID, "")
	}
	cd := c.app.Cards[cardID]
	if cd == nil {
		return nil, wxErr(ErrcodeInvalidCardID, "no card "+cardID)
	}
	// Every handler that changes a card finds it here; marking it is what
	// gets the change into the snapshot (a read-only call costs one
	// rewrite of the card at the next commit, no more).
	c.e.touchCard(c.app.AppID, cd)
	return cd, nil
}

// liveCard is card for operations a deleted card refuses.
func (c *call) liveCard(cardID string) (*card, error) {
	cd, err := c.card(cardID)
	if err != nil {
		return nil, err
	}
	if cd.Status == StatusDelete {
		return nil, wxErr(ErrcodeInvalidCardStatus, "the card is deleted")
	}
	return cd, nil
}

type cardIDRequest struct {
	CardID string `json:"card_id"`
}

func (r *cardIDRequest) cardID() string { return r.CardID }

// cardNamer is a request body that names a card.
type cardNamer interface{ cardID() string }

// decodeCard decodes the body into req and looks up the card it names with
// lookup (c.card, or c.liveCard where a deleted card refuses the call).
func (c *call) decodeCard(req cardNamer, lookup func(string) (*card, error)) (*card, error) {
	if err := c.decode(req); err != nil {
		return nil, err
	}
	return lookup(req.cardID())
}

// decodeLiveCardObject decodes a free-form body and looks up the live card
// its card_id names.
func (c *call) decodeLiveCardObject() (object, *card, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, nil, err
	}
	cardID, _, err := getString(req, "card_id")
	if err != nil {
		return nil, nil, err
	}
	cd, err := c.liveCard(cardID)
	if err != nil {
		return nil, nil, err
	}
	return req, cd, nil
}

// view renders the card as card/get shows it.
func (cd *card) view() object {
	attrs := deepCopy(cd.Attributes).(object)
	bi, _ := getObject(attrs, "base_info")
	if bi == nil {
		bi = object{}
		attrs["base_info"] = bi
	}
	bi["id"] = cd.ID
	bi["status"] = cd.Status
	bi["sku"] = object{"quantity": cd.Quantity, "total_quantity": cd.TotalQuantity}
	bi["create_time"] = cd.CreateTime
	bi["update_time"] = cd.UpdateTime
	bi["get_limit"] = cd.GetLimit
	return object{"card_type": cd.Type, strings.ToLower(cd.Type): attrs}
}

func (cd *card) unclaimedCodes() int64 {
	var n int64
	for _, claimed := range cd.Deposited {
		if !claimed {
			n++
		}
	}
	return n
}
