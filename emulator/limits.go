package emulator

import "strconv"

// WeChat gives its field lengths as string(N): N bytes of UTF-8, which its
// table glosses in Chinese characters at three bytes each ("title
// string(27) … 不超过9个汉字"). So an ASCII title may have 27 letters and
// the sample title "132元双人火锅套餐" (3 + 3 + 6×3 = 24 bytes) fits, while
// counting characters would refuse the first and a 200-byte logo_url would
// wrongly pass. Every limit the emulator checks is in this one table, in
// bytes, with where WeChat states it.
//
// Sources:
//   - card/create, "base_info字段": https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//   - card/update lists the same base_info fields with the same lengths.
//   - card/submerchant/submit: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
var fieldLimits = map[string]int{
	// card/create base_info, required.
	"base_info.logo_url":    128,  // string(128)
	"base_info.brand_name":  36,   // string(36), 12 汉字
	"base_info.title":       27,   // string(27), 9 汉字
	"base_info.color":       16,   // string(16), a Color010-style name
	"base_info.notice":      48,   // string(48), 16 汉字
	"base_info.description": 3072, // string(3072), 1024 汉字
	// card/create base_info, optional.
	"base_info.sub_title":            54,  // string(54), 18 汉字
	"base_info.service_phone":        24,  // string(24)
	"base_info.custom_url_name":      15,  // string(15), 5 汉字
	"base_info.custom_url":           128, // string(128)
	"base_info.custom_url_sub_title": 18,  // string(18), 6 汉字
	"base_info.promotion_url_name":   15,  // string(15), 5 汉字
	"base_info.promotion_url":        128, // string(128)
	"base_info.center_title":         18,  // string(18), 6 汉字
	"base_info.center_sub_title":     24,  // string(24), 8 汉字
	"base_info.center_url":           128, // string(128)
	"base_info.source":               36,  // string(36), 12 汉字
	// card/submerchant/submit info.
	"info.brand_name": 36,  // string(36), 12 汉字
	"info.logo_url":   128, // string(128)
	// card/code/unavailable: WeChat documents reason without a length; this
	// bound is the emulator's own, generous enough for any real reason, so
	// that a client sending a whole document learns it here rather than
	// never.
	"reason": 192,
}

// optionalBaseInfoText are the optional base_info strings with a length.
var optionalBaseInfoText = []string{"sub_title", "service_phone", "custom_url_name", "custom_url", "custom_url_sub_title",
	"promotion_url_name", "promotion_url", "center_title", "center_sub_title", "center_url", "source"}

// checkLength refuses s when it is longer than WeChat's limit for field, in
// bytes. A field without an entry in fieldLimits has no limit.
func checkLength(field, s string) error {
	max, ok := fieldLimits[field]
	if !ok || len(s) <= max {
		return nil
	}
	return wxErr(ErrcodeFieldTooLong, field+" is "+strconv.Itoa(len(s))+" bytes; WeChat allows "+strconv.Itoa(max)+" (string("+strconv.Itoa(max)+"), 3 bytes per Chinese character)")
}

// checkOptionalLengths checks the limits of the optional string fields of
// m (fields under prefix, e.g. "base_info.") that are present.
func checkOptionalLengths(m object, prefix string, keys ...string) error {
	for _, k := range keys {
		s, _, err := getString(m, k)
		if err != nil {
			return err
		}
		if err := checkLength(prefix+k, s); err != nil {
			return err
		}
	}
	return nil
}
