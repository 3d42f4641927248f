package emulator

import "strings"

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
		ID:         c.e.newCardID(c.app),
		Type:       cardType,
		Status:     StatusNotVerify,
		Attributes: deepCopy(attrs).(object),
		cardStock: cardStock{
			Quantity:      info.quantity,
			TotalQuantity: info.quantity,
			GetLimit:      info.getLimit,
			UseCustomCode: info.useCustomCode,
			DepositMode:   info.depositMode,
			BindOpenID:    info.bindOpenID,
		},
		Date:       info.date,
		CreateTime: c.now.Unix(),
		UpdateTime: c.now.Unix(),
	}
	cd.fill()
	if c.e.cfg.autoApprove {
		cd.Status = StatusVerifyOK
		c.e.pushReview(c.app, cd, false, "")
	}
	c.app.Cards[cd.ID] = cd
	c.app.CardOrder = append(c.app.CardOrder, cd.ID)
	c.e.touchCard(c.app.AppID, cd)
	return struct {
		envelope
		CardID string `json:"card_id"`
	}{success(), cd.ID}, nil
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
	// card/update takes the same base_info fields with the same lengths.
	if err := checkOptionalLengths(bi, "base_info.", append([]string{"logo_url", "brand_name", "title", "color", "notice", "description"}, optionalBaseInfoText...)...); err != nil {
		return nil, err
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
