package emulator

import (
	"strings"
	"time"
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
	for _, key := range []string{"logo_url", "brand_name", "title", "color", "notice", "description"} {
		s, err := requireString(bi, key, "base_info.")
		if err != nil {
			return out, err
		}
		if err := checkLength("base_info."+key, s); err != nil {
			return out, err
		}
	}
	if err := checkOptionalLengths(bi, "base_info.", optionalBaseInfoText...); err != nil {
		return out, err
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

// reviewedFields are base_info fields whose change sends a card back to
// review (send_check true).
func reviewedField(k string) bool {
	switch k {
	case "title", "logo_url", "brand_name", "notice", "description", "color", "sub_title":
		return true
	}
	return false
}
