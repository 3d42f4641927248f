package admin

import (
	"context"
	"encoding/json"
	"strconv"
)

// MaxCodesPerCall is how many codes card/code/deposit and
// card/code/checkcode take in one call. Deposit and Check split longer
// lists into calls of this size.
const MaxCodesPerCall = 100

// BatchError is returned by Deposit and Check when one of their calls
// failed. The calls before it succeeded and their results are in the
// result returned alongside; the codes of the failed call and of the calls
// never made are listed there too (Unconfirmed, Unchecked). errors.Is and
// errors.As see the underlying error (an *APIError, a network error…).
type BatchError struct {
	Op string
	// Batch is the 0-based index of the call that failed, Batches their
	// number, Done the codes handled by the calls before it.
	Batch, Batches, Done int
	Err                  error
}

func (e *BatchError) Error() string {
	return "wxcard: " + e.Op + ": call " + strconv.Itoa(e.Batch+1) + " of " + strconv.Itoa(e.Batches) +
		" failed after " + strconv.Itoa(e.Done) + " codes: " + e.Err.Error()
}

func (e *BatchError) Unwrap() error { return e.Err }

func checkCodes(cardID string, codes []string) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	if len(codes) == 0 {
		return invalidArg("code", "is empty")
	}
	for _, c := range codes {
		if err := checkID("code item", c); err != nil {
			return err
		}
	}
	return nil
}

type codesBody struct {
	CardID string   `json:"card_id"`
	Code   []string `json:"code"`
}

// keepSent trims each answered list, in turn, to codes of chunk that no
// earlier list has claimed (counting repeats). An answer that names a code
// never sent, or one code twice, can then neither add a code nor put one
// in two lists: every code given stays in exactly one list of the result.
func keepSent(chunk []string, answered ...*[]string) {
	n := make(map[string]int, len(chunk))
	for _, c := range chunk {
		n[c]++
	}
	for _, list := range answered {
		kept := make([]string, 0, len(*list))
		for _, c := range *list {
			if n[c] > 0 {
				n[c]--
				kept = append(kept, c)
			}
		}
		*list = kept
	}
}

// leftover returns the codes of chunk that none of the answered lists
// mention, counting repeats, so a code WeChat skipped is never lost.
func leftover(chunk []string, answered ...[]string) []string {
	n := map[string]int{}
	for _, c := range chunk {
		n[c]++
	}
	for _, list := range answered {
		for _, c := range list {
			if n[c] > 0 {
				n[c]--
			}
		}
	}
	var out []string
	for _, c := range chunk {
		if n[c] > 0 {
			n[c]--
			out = append(out, c)
		}
	}
	return out
}

// DepositResult is the outcome of Deposit. Every code given to Deposit is
// in exactly one of the four lists.
type DepositResult struct {
	Succeeded []string // stored (succ_code)
	Duplicate []string // already deposited before (duplicate_code)
	Failed    []string // refused, e.g. malformed (fail_code)
	// Unconfirmed are the codes whose fate is unknown: those of a call
	// that failed (WeChat may have stored them before the connection
	// broke; Check tells), those never sent because an earlier call
	// failed, and any a successful answer did not mention.
	Unconfirmed []string
}

// Deposit imports custom codes for a card whose base_info has
// use_custom_code and get_custom_code_mode GET_CUSTOM_CODE_MODE_DEPOSIT.
// Lists longer than 100 codes are sent 100 at a time and the answers
// merged. If a call fails, Deposit stops there and returns the merged
// result together with a *BatchError: the codes already stored are in
// Succeeded, the rest in Unconfirmed, none is dropped. A call is never
// repeated after a network error (it may have been applied); deposit again
// the Unconfirmed codes, duplicates are reported, not stored twice.
//
// Invalid input (an empty card id or code) is refused with a nil result
// and a *ValidationError before anything is sent. Depositing does not
// raise the stock: call Card.IncreaseStock after.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/code/deposit {"card_id","code":[…]}
func (s *CodeService) Deposit(ctx context.Context, cardID string, codes []string) (*DepositResult, error) {
	if err := checkCodes(cardID, codes); err != nil {
		return nil, err
	}
	type answer struct {
		Succ      []string `json:"succ_code"`
		Duplicate []string `json:"duplicate_code"`
		Fail      []string `json:"fail_code"`
	}
	res := &DepositResult{Succeeded: []string{}, Duplicate: []string{}, Failed: []string{}, Unconfirmed: []string{}}
	err := sortCodes(ctx, s.client, "card/code/deposit", writeCall, cardID, codes,
		func(a *answer) []*[]string { return []*[]string{&a.Succ, &a.Duplicate, &a.Fail} },
		[]*[]string{&res.Succeeded, &res.Duplicate, &res.Failed}, &res.Unconfirmed)
	return res, err
}

// sortCodes sends codes to path MaxCodesPerCall at a time and files the
// codes of each answer: lists picks the answer's lists, and each list's
// codes are appended to the result list at the same index in into. The
// codes an answer did not mention, those of a failed call and those never
// sent go to rest, so every code given ends up in exactly one list.
func sortCodes[A any](ctx context.Context, c *Client, path string, kind callKind, cardID string, codes []string,
	lists func(*A) []*[]string, into []*[]string, rest *[]string) error {
	unsent, err := inChunks(path, codes, func(chunk []string) error {
		var out A
		if err := c.post(ctx, path, codesBody{cardID, chunk}, &out, kind); err != nil {
			return err
		}
		answered := lists(&out)
		keepSent(chunk, answered...)
		kept := make([][]string, len(answered))
		for i, list := range answered {
			kept[i] = *list
			*into[i] = append(*into[i], *list...)
		}
		*rest = append(*rest, leftover(chunk, kept...)...)
		return nil
	})
	*rest = append(*rest, unsent...)
	return err
}

// inChunks calls send with codes MaxCodesPerCall at a time, in order, and
// stops at the first failure: it returns the codes of the failed call and
// of the ones never made, with a *BatchError naming the call. A failed
// call is not repeated; send decides what a call may retry.
func inChunks(op string, codes []string, send func(chunk []string) error) ([]string, error) {
	batches := (len(codes) + MaxCodesPerCall - 1) / MaxCodesPerCall
	for i := 0; i < batches; i++ {
		start := i * MaxCodesPerCall
		if err := send(codes[start:min(start+MaxCodesPerCall, len(codes))]); err != nil {
			return codes[start:], &BatchError{Op: op, Batch: i, Batches: batches, Done: start, Err: err}
		}
	}
	return nil, nil
}

// DepositedCount returns how many codes have been deposited for a card.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/code/getdepositcount {"card_id"}
func (s *CodeService) DepositedCount(ctx context.Context, cardID string) (int, error) {
	if err := checkID("card_id", cardID); err != nil {
		return 0, err
	}
	var out struct {
		Count int `json:"count"`
	}
	if err := s.client.post(ctx, "card/code/getdepositcount", cardIDBody{cardID}, &out, readCall); err != nil {
		return 0, err
	}
	return out.Count, nil
}

// CheckResult is the outcome of Check. Every code given to Check is in
// exactly one of the three lists.
type CheckResult struct {
	Exist    []string // deposited (exist_code)
	NotExist []string // not deposited (not_exist_code)
	// Unchecked are the codes of the failed call and the ones after it,
	// and any an answer did not mention.
	Unchecked []string
}

// Check tells which codes have been deposited for a card, 100 codes per
// call like Deposit; on a failed call it returns what it learnt so far
// with a *BatchError. Invalid input is refused before anything is sent.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/code/checkcode {"card_id","code":[…]}
func (s *CodeService) Check(ctx context.Context, cardID string, codes []string) (*CheckResult, error) {
	if err := checkCodes(cardID, codes); err != nil {
		return nil, err
	}
	type answer struct {
		Exist    []string `json:"exist_code"`
		NotExist []string `json:"not_exist_code"`
	}
	res := &CheckResult{Exist: []string{}, NotExist: []string{}, Unchecked: []string{}}
	err := sortCodes(ctx, s.client, "card/code/checkcode", readCall, cardID, codes,
		func(a *answer) []*[]string { return []*[]string{&a.Exist, &a.NotExist} },
		[]*[]string{&res.Exist, &res.NotExist}, &res.Unchecked)
	return res, err
}

// CodeCard is the card part of card/code/get's answer. Code,
// MembershipNumber, Bonus and Balance are set for member and general
// cards.
type CodeCard struct {
	CardID           string `json:"card_id"`
	BeginTime        int64  `json:"begin_time"`
	EndTime          int64  `json:"end_time"`
	Code             string `json:"code,omitempty"`
	MembershipNumber string `json:"membership_number,omitempty"`
	Bonus            *int64 `json:"bonus,omitempty"`
	Balance          *int64 `json:"balance,omitempty"`
}

// CodeInfo is what card/code/get says about a code.
type CodeInfo struct {
	Card             CodeCard       `json:"card"`
	OpenID           string         `json:"openid"`
	UnionID          string         `json:"unionid,omitempty"`
	CanConsume       bool           `json:"can_consume"`
	UserCardStatus   UserCardStatus `json:"user_card_status"`
	OuterStr         string         `json:"outer_str,omitempty"`
	BackgroundPicURL string         `json:"background_pic_url,omitempty"`
}

// UnmarshalJSON also reads the older layout, where can_consume (sometimes
// the string "true") and user_card_status sat inside card.
func (c *CodeInfo) UnmarshalJSON(data []byte) error {
	type plain CodeInfo
	var w struct {
		plain
		CanConsume *flexBool `json:"can_consume"`
		Card       struct {
			CodeCard
			CanConsume     *flexBool      `json:"can_consume"`
			UserCardStatus UserCardStatus `json:"user_card_status"`
		} `json:"card"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = CodeInfo(w.plain)
	c.Card = w.Card.CodeCard
	switch {
	case w.CanConsume != nil:
		c.CanConsume = bool(*w.CanConsume)
	case w.Card.CanConsume != nil:
		c.CanConsume = bool(*w.Card.CanConsume)
	}
	if c.UserCardStatus == "" {
		c.UserCardStatus = w.Card.UserCardStatus
	}
	return nil
}

// checkUserCard checks the code naming a user card and the card id that
// may go with it (required only for custom-code cards, which WeChat
// checks).
func checkUserCard(code, cardID string) error {
	if err := checkID("code", code); err != nil {
		return err
	}
	return checkOptionalID("card_id", cardID)
}

// GetCodeRequest names the code Code.Get looks up.
type GetCodeRequest struct {
	Code string `json:"code"`
	// CardID may be empty except for custom-code cards.
	CardID string `json:"card_id,omitempty"`
	// CheckConsume makes WeChat answer an error (40127, 40099…) for a code
	// that cannot be consumed now; without it the code's status is
	// reported instead.
	CheckConsume bool `json:"check_consume"`
}

// Get looks a code up: its card, owner and whether it can be consumed.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Redeeming_a_coupon_voucher_or_card.html
//
//	POST /card/code/get {"code","card_id"?,"check_consume"}
func (s *CodeService) Get(ctx context.Context, req GetCodeRequest) (*CodeInfo, error) {
	if err := checkUserCard(req.Code, req.CardID); err != nil {
		return nil, err
	}
	return postFor[CodeInfo](ctx, s.client, "card/code/get", req, readCall)
}

// ConsumeResult says whose card a consumed code was.
type ConsumeResult struct {
	CardID string
	OpenID string
}

// ConsumeCodeRequest names the code Code.Consume marks as used.
type ConsumeCodeRequest struct {
	Code string `json:"code"`
	// CardID may be empty except for custom-code cards.
	CardID string `json:"card_id,omitempty"`
}

// Consume marks a code as used (核销).
//
// Consume is never repeated after a network error or errcode -1: WeChat
// may have consumed the code before the answer was lost. On such an error
// ask Get (without CheckConsume) whether the code is CONSUMED before
// trying again; a repeated consume answers 40099.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Redeeming_a_coupon_voucher_or_card.html
//
//	POST /card/code/consume {"code","card_id"?}
func (s *CodeService) Consume(ctx context.Context, req ConsumeCodeRequest) (*ConsumeResult, error) {
	if err := checkUserCard(req.Code, req.CardID); err != nil {
		return nil, err
	}
	var out struct {
		Card   cardIDBody `json:"card"`
		OpenID string     `json:"openid"`
	}
	if err := s.client.post(ctx, "card/code/consume", req, &out, writeCall); err != nil {
		return nil, err
	}
	return &ConsumeResult{CardID: out.Card.CardID, OpenID: out.OpenID}, nil
}

// Decrypt turns the encrypt_code WeChat appends to a card's custom URL
// (or an addCard callback) into the real code. Pass it exactly as WeChat
// sent it, after URL-decoding the query parameter: it is base64 and may
// contain "+", "/" and "=".
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Redeeming_a_coupon_voucher_or_card.html
//
//	POST /card/code/decrypt {"encrypt_code"}
func (s *CodeService) Decrypt(ctx context.Context, encryptedCode string) (string, error) {
	if encryptedCode == "" {
		return "", invalidArg("encrypt_code", "is required")
	}
	if len(encryptedCode) > 1024 {
		return "", invalidArg("encrypt_code", "is longer than 1024 bytes")
	}
	body := struct {
		EncryptCode string `json:"encrypt_code"`
	}{encryptedCode}
	var out struct {
		Code string `json:"code"`
	}
	if err := s.client.post(ctx, "card/code/decrypt", body, &out, readCall); err != nil {
		return "", err
	}
	return out.Code, nil
}

// UpdateCodeRequest names a user card whose code Code.Update changes.
type UpdateCodeRequest struct {
	Code    string `json:"code"`
	NewCode string `json:"new_code"`
	// CardID may be empty except for custom-code cards.
	CardID string `json:"card_id,omitempty"`
}

// Update changes a user card's code to NewCode (custom-code cards).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/code/update {"code","new_code","card_id"?}
func (s *CodeService) Update(ctx context.Context, req UpdateCodeRequest) error {
	if err := checkID("code", req.Code); err != nil {
		return err
	}
	if err := checkID("new_code", req.NewCode); err != nil {
		return err
	}
	if req.NewCode == req.Code {
		return invalidArg("new_code", "is the same as code")
	}
	if err := checkOptionalID("card_id", req.CardID); err != nil {
		return err
	}
	return s.client.post(ctx, "card/code/update", req, nil, writeCall)
}

// DisableCodeRequest names the user card Code.Disable makes unusable.
type DisableCodeRequest struct {
	Code string `json:"code"`
	// CardID may be empty except for custom-code cards.
	CardID string `json:"card_id,omitempty"`
	// Reason, if not empty, is recorded with it (at most 1024 bytes).
	Reason string `json:"reason,omitempty"`
}

// Disable makes a user card unusable (设置卡券失效), e.g. after a refund;
// it cannot be undone.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/code/unavailable {"code","card_id"?,"reason"?}
func (s *CodeService) Disable(ctx context.Context, req DisableCodeRequest) error {
	if err := checkUserCard(req.Code, req.CardID); err != nil {
		return err
	}
	if len(req.Reason) > 1024 {
		return invalidArg("reason", "is longer than 1024 bytes")
	}
	return s.client.post(ctx, "card/code/unavailable", req, nil, writeCall)
}
