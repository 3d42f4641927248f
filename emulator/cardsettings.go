package emulator

// POST card/modifystock {"card_id","increase_stock_value"|"reduce_stock_value"}
func (c *call) modifyStock() (any, error) {
	var req struct {
		cardIDRequest
		Increase int64 `json:"increase_stock_value"`
		Reduce   int64 `json:"reduce_stock_value"`
	}
	cd, err := c.decodeCard(&req, c.liveCard)
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

// POST card/paycell/set {"card_id","is_open"}
func (c *call) setPayCell() (any, error) {
	var req struct {
		cardIDRequest
		IsOpen *bool `json:"is_open"`
	}
	cd, err := c.decodeCard(&req, c.liveCard)
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
		cardIDRequest
		IsOpen           *bool `json:"is_open"`
		NeedVerifyCod    bool  `json:"need_verify_cod"`
		NeedRemarkAmount bool  `json:"need_remark_amount"`
	}
	cd, err := c.decodeCard(&req, c.liveCard)
	if err != nil {
		return nil, err
	}
	if req.IsOpen == nil {
		return nil, missing("is_open")
	}
	cd.SelfConsume = object{"is_open": *req.IsOpen, "need_verify_cod": req.NeedVerifyCod, "need_remark_amount": req.NeedRemarkAmount}
	return success(), nil
}

// maxWhitelist is how many entries the test whitelist holds, openids and
// usernames together (WeChat: "测试的openid列表 … 总数不超过10个").
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
	if len(req.OpenID)+len(req.Username) > maxWhitelist {
		return nil, wxErr(ErrcodeInvalidArgs, "the test whitelist holds at most 10 openids and usernames together")
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
