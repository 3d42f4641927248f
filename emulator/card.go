package emulator

import (
	"strings"
	"time"
)

// Card statuses, as card/get and card/batchget name them.
const (
	StatusNotVerify  = "CARD_STATUS_NOT_VERIFY"
	StatusVerifyFail = "CARD_STATUS_VERIFY_FAIL"
	StatusVerifyOK   = "CARD_STATUS_VERIFY_OK"
	StatusDelete     = "CARD_STATUS_DELETE"
	StatusDispatch   = "CARD_STATUS_DISPATCH"
)

func validCardStatus(s string) bool {
	switch s {
	case StatusNotVerify, StatusVerifyFail, StatusVerifyOK, StatusDelete, StatusDispatch:
		return true
	}
	return false
}

// validCardType lists the card types card/create takes.
func validCardType(t string) bool {
	switch t {
	case "GROUPON", "CASH", "DISCOUNT", "GIFT", "GENERAL_COUPON", "MEMBER_CARD", "GENERAL_CARD",
		"SCENIC_TICKET", "MOVIE_TICKET", "BOARDING_PASS", "MEETING_TICKET", "LUCKY_MONEY":
		return true
	}
	return false
}

func validCodeType(t string) bool {
	switch t {
	case "CODE_TYPE_TEXT", "CODE_TYPE_BARCODE", "CODE_TYPE_QRCODE", "CODE_TYPE_ONLY_QRCODE",
		"CODE_TYPE_ONLY_BARCODE", "CODE_TYPE_NONE":
		return true
	}
	return false
}

// maxQuantity is WeChat's largest sku.quantity.
const maxQuantity = 100000000

// defaultGetLimit applies when base_info.get_limit is absent ("不填写默认为50").
const defaultGetLimit = 50

type card struct {
	ID            string               `json:"card_id"`
	Type          string               `json:"card_type"`
	Status        string               `json:"status"`
	Attributes    object               `json:"attributes"`
	Quantity      int64                `json:"quantity"`
	TotalQuantity int64                `json:"total_quantity"`
	GetLimit      int64                `json:"get_limit"`
	UseCustomCode bool                 `json:"use_custom_code"`
	DepositMode   bool                 `json:"deposit_mode"`
	BindOpenID    bool                 `json:"bind_openid"`
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

type dateInfo struct {
	Type           string `json:"type"`
	Begin          int64  `json:"begin_timestamp,omitempty"`
	End            int64  `json:"end_timestamp,omitempty"`
	FixedTerm      int64  `json:"fixed_term,omitempty"`
	FixedBeginTerm int64  `json:"fixed_begin_term,omitempty"`
}

// baseInfo is what the emulator derives from base_info.
type baseInfo struct {
	quantity      int64
	getLimit      int64
	useCustomCode bool
	depositMode   bool
	bindOpenID    bool
	date          dateInfo
}

func parseDateInfo(bi object, now time.Time) (dateInfo, error) {
	di, ok := getObject(bi, "date_info")
	if !ok {
		return dateInfo{}, missing("base_info.date_info")
	}
	var d dateInfo
	var err error
	if d.Type, err = requireString(di, "type", "base_info.date_info."); err != nil {
		return d, err
	}
	// WeChat's samples also use the numeric forms 1 and 2.
	switch d.Type {
	case "1":
		d.Type = "DATE_TYPE_FIX_TIME_RANGE"
	case "2":
		d.Type = "DATE_TYPE_FIX_TERM"
	}
	switch d.Type {
	case "DATE_TYPE_FIX_TIME_RANGE":
		var b, e bool
		if d.Begin, b, err = getInt(di, "begin_timestamp"); err != nil {
			return d, err
		}
		if d.End, e, err = getInt(di, "end_timestamp"); err != nil {
			return d, err
		}
		if !b || !e {
			return d, missing("base_info.date_info.begin_timestamp and end_timestamp")
		}
		if d.End <= d.Begin {
			return d, wxErr(ErrcodeInvalidTimeRange, "end_timestamp must be after begin_timestamp")
		}
		if d.End <= now.Unix() {
			return d, wxErr(ErrcodeInvalidTime, "end_timestamp is in the past")
		}
	case "DATE_TYPE_FIX_TERM":
		var present bool
		if d.FixedTerm, present, err = getInt(di, "fixed_term"); err != nil {
			return d, err
		}
		if !present || d.FixedTerm <= 0 {
			return d, wxErr(ErrcodeInvalidTime, "fixed_term must be a positive number of days")
		}
		if d.FixedBeginTerm, _, err = getInt(di, "fixed_begin_term"); err != nil {
			return d, err
		}
		if d.FixedBeginTerm < 0 {
			return d, wxErr(ErrcodeInvalidTime, "fixed_begin_term must not be negative")
		}
		if d.End, _, err = getInt(di, "end_timestamp"); err != nil {
			return d, err
		}
	case "DATE_TYPE_PERMANENT":
	default:
		return d, wxErr(ErrcodeInvalidTime, "unknown date_info.type")
	}
	return d, nil
}

// parseBaseInfo validates base_info as card/create does.
func parseBaseInfo(bi object, now time.Time) (baseInfo, error) {
	var out baseInfo
	limits := []struct {
		key      string
		maxChars int
	}{{"logo_url", 1024}, {"brand_name", 12}, {"title", 9}, {"color", 16}, {"notice", 16}, {"description", 1024}}
	for _, l := range limits {
		s, err := requireString(bi, l.key, "base_info.")
		if err != nil {
			return out, err
		}
		if err := tooLong(s, l.maxChars, "base_info."+l.key); err != nil {
			return out, err
		}
	}
	codeType, err := requireString(bi, "code_type", "base_info.")
	if err != nil {
		return out, err
	}
	if !validCodeType(codeType) {
		return out, wxErr(ErrcodeInvalidCodeType, "unknown base_info.code_type")
	}
	sku, ok := getObject(bi, "sku")
	if !ok {
		return out, missing("base_info.sku")
	}
	q, present, err := getInt(sku, "quantity")
	if err != nil {
		return out, err
	}
	if !present {
		return out, missing("base_info.sku.quantity")
	}
	if q < 0 || q > maxQuantity {
		return out, wxErr(ErrcodeInvalidQuantity, "sku.quantity must be 0..100000000")
	}
	out.quantity = q
	if out.date, err = parseDateInfo(bi, now); err != nil {
		return out, err
	}
	if err := out.parseOptions(bi); err != nil {
		return out, err
	}
	if out.depositMode && q != 0 {
		return out, wxErr(ErrcodeInvalidQuantity, "a GET_CUSTOM_CODE_MODE_DEPOSIT card starts with sku.quantity 0; raise it with card/modifystock after depositing codes")
	}
	return out, nil
}

// parseOptions reads the base_info fields that card/update may change too.
func (out *baseInfo) parseOptions(bi object) error {
	limit, present, err := getInt(bi, "get_limit")
	if err != nil {
		return err
	}
	if !present || limit == 0 {
		limit = defaultGetLimit
	}
	if limit < 0 {
		return wxErr(ErrcodeInvalidArgs, "get_limit must be positive")
	}
	out.getLimit = limit
	if out.useCustomCode, _, err = getBool(bi, "use_custom_code"); err != nil {
		return err
	}
	mode, _, err := getString(bi, "get_custom_code_mode")
	if err != nil {
		return err
	}
	if mode != "" && mode != "GET_CUSTOM_CODE_MODE_DEPOSIT" {
		return wxErr(ErrcodeInvalidArgs, "get_custom_code_mode must be GET_CUSTOM_CODE_MODE_DEPOSIT")
	}
	out.depositMode = mode != ""
	if out.depositMode && !out.useCustomCode {
		return wxErr(ErrcodeInvalidArgs, "get_custom_code_mode needs use_custom_code true")
	}
	out.bindOpenID, _, err = getBool(bi, "bind_openid")
	return err
}

// typeRequired names the fields each card type needs beside base_info.
func typeRequired(cardType string) []string {
	switch cardType {
	case "GROUPON":
		return []string{"deal_detail"}
	case "CASH":
		return []string{"reduce_cost"}
	case "DISCOUNT":
		return []string{"discount"}
	case "GIFT":
		return []string{"gift"}
	case "GENERAL_COUPON":
		return []string{"default_detail"}
	case "MEMBER_CARD":
		return []string{"prerogative", "supply_bonus", "supply_balance"}
	case "GENERAL_CARD":
		return []string{"prerogative"}
	}
	return nil
}

func checkTypeFields(cardType string, attrs object) error {
	for _, f := range typeRequired(cardType) {
		if v, ok := attrs[f]; !ok || v == nil || v == "" {
			return missing(strings.ToLower(cardType) + "." + f)
		}
	}
	switch cardType {
	case "DISCOUNT":
		d, _, err := getInt(attrs, "discount")
		if err != nil {
			return err
		}
		if d < 1 || d > 99 {
			return wxErr(ErrcodeInvalidArgs, "discount must be 1..99")
		}
	case "CASH":
		r, _, err := getInt(attrs, "reduce_cost")
		if err != nil {
			return err
		}
		if r <= 0 {
			return wxErr(ErrcodeInvalidArgs, "reduce_cost must be positive")
		}
	case "MEMBER_CARD":
		for _, f := range []string{"supply_bonus", "supply_balance"} {
			if _, _, err := getBool(attrs, f); err != nil {
				return err
			}
		}
		// WeChat offers custom_field1..3 on member cards and nothing beyond.
		for _, k := range sortedKeys(attrs) {
			if strings.HasPrefix(k, "custom_field") && k != "custom_field1" && k != "custom_field2" && k != "custom_field3" {
				return wxErr(ErrcodeTooManyCustomFields, "member cards take custom_field1..3")
			}
		}
	}
	return nil
}

type createCardRequest struct {
	Card object `json:"card"`
}

// POST card/create {"card":{"card_type":"GROUPON","groupon":{"base_info":{…},…}}}
func (c *call) createCard() (any, error) {
	var req createCardRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Card == nil {
		return nil, missing("card")
	}
	cardType, err := requireString(req.Card, "card_type", "card.")
	if err != nil {
		return nil, err
	}
	if !validCardType(cardType) {
		return nil, wxErr(ErrcodeInvalidCardType, "unknown card_type "+cardType)
	}
	attrs, ok := getObject(req.Card, strings.ToLower(cardType))
	if !ok {
		return nil, missing("card." + strings.ToLower(cardType))
	}
	bi, ok := getObject(attrs, "base_info")
	if !ok {
		return nil, missing("base_info")
	}
	info, err := parseBaseInfo(bi, c.now)
	if err != nil {
		return nil, err
	}
	if err := checkTypeFields(cardType, attrs); err != nil {
		return nil, err
	}
	if err := c.checkSubMerchant(bi); err != nil {
		return nil, err
	}
	cd := &card{
		ID:            c.e.newCardID(c.app),
		Type:          cardType,
		Status:        StatusNotVerify,
		Attributes:    deepCopy(attrs).(object),
		Quantity:      info.quantity,
		TotalQuantity: info.quantity,
		GetLimit:      info.getLimit,
		UseCustomCode: info.useCustomCode,
		DepositMode:   info.depositMode,
		BindOpenID:    info.bindOpenID,
		Date:          info.date,
		CreateTime:    c.now.Unix(),
		UpdateTime:    c.now.Unix(),
	}
	cd.fill()
	if c.e.cfg.autoApprove {
		cd.Status = StatusVerifyOK
	}
	c.app.Cards[cd.ID] = cd
	c.app.CardOrder = append(c.app.CardOrder, cd.ID)
	return struct {
		envelope
		CardID string `json:"card_id"`
	}{success(), cd.ID}, nil
}

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

// POST card/get {"card_id"}
func (c *call) getCard() (any, error) {
	cd, err := c.decodeCard(&cardIDRequest{}, c.card)
	if err != nil {
		return nil, err
	}
	return struct {
		envelope
		Card object `json:"card"`
	}{success(), cd.view()}, nil
}

type batchGetRequest struct {
	Offset     int64 `json:"offset"`
	Count      int64 `json:"count"`
	StatusList any   `json:"status_list"`
}

// POST card/batchget {"offset","count","status_list":[…]}
func (c *call) batchGetCards() (any, error) {
	var req batchGetRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Count < 1 || req.Count > 50 {
		return nil, wxErr(ErrcodeInvalidArgs, "count must be 1..50")
	}
	if req.Offset < 0 {
		return nil, wxErr(ErrcodeInvalidArgs, "offset must not be negative")
	}
	want := map[string]bool{}
	switch v := req.StatusList.(type) {
	case nil:
	case string: // EasyWeChat sends a bare string; accept it as a one-item list.
		want[v] = true
	case []any:
		for _, s := range v {
			str, ok := s.(string)
			if !ok {
				return nil, wxErr(ErrcodeDataFormat, "status_list must hold strings")
			}
			want[str] = true
		}
	default:
		return nil, wxErr(ErrcodeDataFormat, "status_list must be an array of strings")
	}
	for s := range want {
		if !validCardStatus(s) {
			return nil, wxErr(ErrcodeInvalidArgs, "unknown status "+s)
		}
	}
	ids := []string{}
	total := 0
	for _, id := range c.app.CardOrder {
		cd := c.app.Cards[id]
		if len(want) > 0 && !want[cd.Status] {
			continue
		}
		if int64(total) >= req.Offset && int64(len(ids)) < req.Count {
			ids = append(ids, id)
		}
		total++
	}
	return struct {
		envelope
		CardIDList []string `json:"card_id_list"`
		TotalNum   int      `json:"total_num"`
	}{success(), ids, total}, nil
}

// reviewedFields are base_info fields whose change sends a card back to
// review (send_check true).
func reviewedField(k string) bool {
	switch k {
	case "title", "logo_url", "brand_name", "notice", "description", "color", "sub_title":
		return true
	}
	return false
}

// POST card/update {"card_id", "<type>": {"base_info":{…}, …}}
func (c *call) updateCard() (any, error) {
	req, cd, err := c.decodeLiveCardObject()
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(cd.Type)
	patch, ok := getObject(req, key)
	if !ok {
		for _, k := range sortedKeys(req) {
			if k != "card_id" && validCardType(strings.ToUpper(k)) {
				return nil, wxErr(ErrcodeInvalidCardType, "the card is a "+cd.Type+", not a "+strings.ToUpper(k))
			}
		}
		return nil, missing(key)
	}
	attrs := deepCopy(cd.Attributes).(object)
	sendCheck := false
	for _, k := range sortedKeys(patch) {
		v := patch[k]
		if k != "base_info" {
			attrs[k] = deepCopy(v)
			continue
		}
		bp, ok := v.(map[string]any)
		if !ok {
			return nil, wxErr(ErrcodeDataFormat, "base_info must be an object")
		}
		bi, _ := getObject(attrs, "base_info")
		if bi == nil {
			bi = object{}
			attrs["base_info"] = bi
		}
		for _, bk := range sortedKeys(bp) {
			bv := bp[bk]
			switch bk {
			case "id", "status", "sku", "use_custom_code", "get_custom_code_mode", "code_type_locked":
				return nil, wxErr(ErrcodeInvalidArgs, "base_info."+bk+" cannot be updated")
			}
			if reviewedField(bk) {
				sendCheck = true
			}
			bi[bk] = deepCopy(bv)
		}
	}
	bi, _ := getObject(attrs, "base_info")
	var opts baseInfo
	if err := opts.parseOptions(bi); err != nil {
		return nil, err
	}
	if bp, ok := patch["base_info"].(map[string]any); ok {
		if _, changed := bp["date_info"]; changed {
			d, err := parseDateInfo(bi, c.now)
			if err != nil {
				return nil, err
			}
			cd.Date = d
		}
	}
	for _, l := range []struct {
		key string
		max int
	}{{"title", 9}, {"notice", 16}, {"brand_name", 12}} {
		if s, _, _ := getString(bi, l.key); s != "" {
			if err := tooLong(s, l.max, "base_info."+l.key); err != nil {
				return nil, err
			}
		}
	}
	cd.Attributes = attrs
	cd.GetLimit, cd.BindOpenID = opts.getLimit, opts.bindOpenID
	cd.UpdateTime = c.now.Unix()
	if sendCheck && !c.e.cfg.autoApprove {
		cd.Status = StatusNotVerify
	}
	return struct {
		envelope
		SendCheck bool `json:"send_check"`
	}{success(), sendCheck}, nil
}

// POST card/delete {"card_id"}
func (c *call) deleteCard() (any, error) {
	cd, err := c.decodeCard(&cardIDRequest{}, c.liveCard)
	if err != nil {
		return nil, err
	}
	cd.Status = StatusDelete
	cd.UpdateTime = c.now.Unix()
	return success(), nil
}

type color struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// GET card/getcolors
func (c *call) getColors() (any, error) {
	return struct {
		envelope
		Colors []color `json:"colors"`
	}{success(), []color{
		{"Color010", "#63b359"}, {"Color020", "#2c9f67"}, {"Color030", "#509fc9"}, {"Color040", "#5885cf"},
		{"Color050", "#9062c0"}, {"Color060", "#d09a45"}, {"Color070", "#e4b138"}, {"Color080", "#ee903c"},
		{"Color081", "#f08500"}, {"Color082", "#a9d92d"}, {"Color090", "#dd6549"}, {"Color100", "#cc463d"},
		{"Color101", "#cf3e36"}, {"Color102", "#5E6671"},
	}}, nil
}

type secondaryCategory struct {
	ID                    int64    `json:"secondary_category_id"`
	Name                  string   `json:"category_name"`
	NeedQualificationDocs []string `json:"need_qualification_stuffs"`
	CanChoosePrepaidCard  int      `json:"can_choose_prepaid_card"`
	CanChoosePaymentCard  int      `json:"can_choose_payment_card"`
}

type primaryCategory struct {
	ID        int64               `json:"primary_category_id"`
	Name      string              `json:"category_name"`
	Secondary []secondaryCategory `json:"secondary_category"`
}

// categories is the sub-merchant category tree card/getapplyprotocol
// returns (a representative excerpt of WeChat's).
func categories() []primaryCategory {
	return []primaryCategory{
		{1, "美食", []secondaryCategory{
			{101, "粤菜", []string{"food_business_license_id"}, 1, 1},
			{102, "茶餐厅", []string{"food_business_license_id"}, 1, 1},
			{103, "快餐小吃", []string{}, 1, 1},
		}},
		{2, "休闲娱乐", []secondaryCategory{
			{201, "电影院", []string{}, 0, 1},
			{202, "KTV", []string{}, 1, 1},
		}},
		{3, "生活服务", []secondaryCategory{
			{301, "洗衣", []string{}, 1, 1},
			{302, "美容美发", []string{"health_license_id"}, 1, 0},
		}},
	}
}

// GET card/getapplyprotocol
func (c *call) getApplyProtocol() (any, error) {
	return struct {
		envelope
		Category []primaryCategory `json:"category"`
	}{success(), categories()}, nil
}

// POST card/modifystock {"card_id","increase_stock_value"|"reduce_stock_value"}
func (c *call) modifyStock() (any, error) {
	var req struct {
		CardID   string `json:"card_id"`
		Increase int64  `json:"increase_stock_value"`
		Reduce   int64  `json:"reduce_stock_value"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	cd, err := c.liveCard(req.CardID)
	if err != nil {
		return nil, err
	}
	if req.Increase < 0 || req.Reduce < 0 {
		return nil, wxErr(ErrcodeInvalidQuantity, "stock values must not be negative")
	}
	if req.Increase == 0 && req.Reduce == 0 {
		return nil, missing("increase_stock_value or reduce_stock_value")
	}
	next := cd.Quantity + req.Increase - req.Reduce
	if next < 0 {
		return nil, wxErr(ErrcodeInvalidQuantity, "stock would go below zero")
	}
	if next > maxQuantity {
		return nil, wxErr(ErrcodeInvalidQuantity, "stock would exceed 100000000")
	}
	if cd.DepositMode && next > cd.unclaimedCodes() {
		return nil, wxErr(ErrcodeInvalidQuantity, "stock of a deposit-mode card cannot exceed its unclaimed deposited codes")
	}
	cd.Quantity = next
	cd.TotalQuantity += req.Increase - req.Reduce
	cd.UpdateTime = c.now.Unix()
	return success(), nil
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

// POST card/paycell/set {"card_id","is_open"}
func (c *call) setPayCell() (any, error) {
	var req struct {
		CardID string `json:"card_id"`
		IsOpen *bool  `json:"is_open"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	cd, err := c.liveCard(req.CardID)
	if err != nil {
		return nil, err
	}
	if req.IsOpen == nil {
		return nil, missing("is_open")
	}
	cd.PayCell = *req.IsOpen
	return success(), nil
}

// POST card/selfconsumecell/set {"card_id","is_open","need_verify_cod","need_remark_amount"}
func (c *call) setSelfConsumeCell() (any, error) {
	var req struct {
		CardID           string `json:"card_id"`
		IsOpen           *bool  `json:"is_open"`
		NeedVerifyCod    bool   `json:"need_verify_cod"`
		NeedRemarkAmount bool   `json:"need_remark_amount"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	cd, err := c.liveCard(req.CardID)
	if err != nil {
		return nil, err
	}
	if req.IsOpen == nil {
		return nil, missing("is_open")
	}
	cd.SelfConsume = object{"is_open": *req.IsOpen, "need_verify_cod": req.NeedVerifyCod, "need_remark_amount": req.NeedRemarkAmount}
	return success(), nil
}

// maxWhitelist is how many openids (and usernames) the test whitelist holds.
const maxWhitelist = 10

// POST card/testwhitelist/set {"openid":[…]} and/or {"username":[…]}
func (c *call) setTestWhitelist() (any, error) {
	var req struct {
		OpenID   []string `json:"openid"`
		Username []string `json:"username"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.OpenID) == 0 && len(req.Username) == 0 {
		return nil, missing("openid or username")
	}
	if len(req.OpenID) > maxWhitelist || len(req.Username) > maxWhitelist {
		return nil, wxErr(ErrcodeInvalidArgs, "the test whitelist holds at most 10 openids and 10 usernames")
	}
	for _, o := range req.OpenID {
		if o == "" || len(o) > 128 {
			return nil, wxErr(ErrcodeInvalidOpenID, "")
		}
	}
	c.app.Whitelist = whitelist{OpenIDs: append([]string(nil), req.OpenID...), Usernames: append([]string(nil), req.Username...)}
	return success(), nil
}

func (a *appState) whitelisted(openID string) bool {
	for _, o := range a.Whitelist.OpenIDs {
		if o == openID {
			return true
		}
	}
	return false
}

// POST card/mpnews/gethtml {"card_id"}
func (c *call) getMPNewsHTML() (any, error) {
	cd, err := c.decodeCard(&cardIDRequest{}, c.liveCard)
	if err != nil {
		return nil, err
	}
	if !cd.approved() {
		return nil, wxErr(ErrcodeInvalidCardStatus, "the card has not passed review")
	}
	src := c.base() + "/bizmall/appmsgcard?action=show&cardid=" + cd.ID + "&wechat_card_js=1#wechat_redirect"
	return struct {
		envelope
		Content string `json:"content"`
	}{success(), `<iframe class="res_iframe card_iframe js_editor_card" data-src="` + src + `"></iframe>`}, nil
}
