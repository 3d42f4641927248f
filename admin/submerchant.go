package admin

import "context"

// SubMerchantStatus is a sub-merchant's review state.
type SubMerchantStatus string

// Sub-merchant statuses.
const (
	SubMerchantChecking SubMerchantStatus = "CHECKING"
	SubMerchantApproved SubMerchantStatus = "APPROVED"
	SubMerchantRejected SubMerchantStatus = "REJECTED"
	SubMerchantExpired  SubMerchantStatus = "EXPIRED"
)

// Valid reports whether s is a status WeChat knows.
func (s SubMerchantStatus) Valid() bool {
	switch s {
	case SubMerchantChecking, SubMerchantApproved, SubMerchantRejected, SubMerchantExpired:
		return true
	}
	return false
}

// MaxSubMerchantList is the largest limit card/submerchant/batchget takes.
const MaxSubMerchantList = 100

// SubMerchantInfo is what a 第三方 platform files for a sub-merchant it
// issues cards for. These are the only fields WeChat takes; Create needs
// all but the last three.
type SubMerchantInfo struct {
	BrandName string `json:"brand_name,omitempty"`
	LogoURL   string `json:"logo_url,omitempty"`
	// Protocol is the media_id of the signed authorisation letter.
	Protocol            string `json:"protocol,omitempty"`
	EndTime             int64  `json:"end_time,omitempty"` // unix seconds the authorisation lasts until
	PrimaryCategoryID   int64  `json:"primary_category_id,omitempty"`
	SecondaryCategoryID int64  `json:"secondary_category_id,omitempty"`
	AgreementMediaID    string `json:"agreement_media_id,omitempty"`
	OperatorMediaID     string `json:"operator_media_id,omitempty"`
	AppID               string `json:"app_id,omitempty"`
}

func (i *SubMerchantInfo) validate(create bool) error {
	if create {
		required := []struct{ field, v string }{
			{"info.brand_name", i.BrandName}, {"info.logo_url", i.LogoURL}, {"info.protocol", i.Protocol},
		}
		for _, r := range required {
			if r.v == "" {
				return invalidArg(r.field, "is required")
			}
		}
		if i.EndTime <= 0 {
			return invalidArg("info.end_time", "is required")
		}
		if i.PrimaryCategoryID <= 0 || i.SecondaryCategoryID <= 0 {
			return invalidArg("info.primary_category_id", "primary and secondary category ids are required (Card.Categories)")
		}
	}
	if i.EndTime < 0 || i.PrimaryCategoryID < 0 || i.SecondaryCategoryID < 0 {
		return invalidArg("info", "end_time and category ids must not be negative")
	}
	return nil
}

// SubMerchant is a filed sub-merchant.
type SubMerchant struct {
	MerchantID          int64             `json:"merchant_id"`
	AppID               string            `json:"app_id"`
	BrandName           string            `json:"brand_name"`
	LogoURL             string            `json:"logo_url"`
	Protocol            string            `json:"protocol"`
	EndTime             int64             `json:"end_time"`
	PrimaryCategoryID   int64             `json:"primary_category_id"`
	SecondaryCategoryID int64             `json:"secondary_category_id"`
	AgreementMediaID    string            `json:"agreement_media_id,omitempty"`
	OperatorMediaID     string            `json:"operator_media_id,omitempty"`
	Status              SubMerchantStatus `json:"status"`
	CreateTime          int64             `json:"create_time"`
	UpdateTime          int64             `json:"update_time"`
}

// post sends a sub-merchant call; every one answers {"info":{…}}.
func (s *SubMerchantService) post(ctx context.Context, path string, body any, kind callKind) (*SubMerchant, error) {
	out, err := postFor[struct {
		Info SubMerchant `json:"info"`
	}](ctx, s.client, path, body, kind)
	if err != nil {
		return nil, err
	}
	return &out.Info, nil
}

// Create files a sub-merchant; it starts CHECKING.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
//
//	POST /card/submerchant/submit {"info":{…}}
func (s *SubMerchantService) Create(ctx context.Context, info SubMerchantInfo) (*SubMerchant, error) {
	if err := info.validate(true); err != nil {
		return nil, err
	}
	body := struct {
		Info SubMerchantInfo `json:"info"`
	}{info}
	return s.post(ctx, "card/submerchant/submit", body, writeCall)
}

// Update changes a sub-merchant's filed information (only the fields set);
// it goes back to review.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
//
//	POST /card/submerchant/update {"info":{"merchant_id",…}}
func (s *SubMerchantService) Update(ctx context.Context, merchantID int64, info SubMerchantInfo) (*SubMerchant, error) {
	if merchantID <= 0 {
		return nil, invalidArg("merchant_id", "must be positive")
	}
	if err := info.validate(false); err != nil {
		return nil, err
	}
	type withID struct {
		MerchantID int64 `json:"merchant_id"`
		SubMerchantInfo
	}
	body := struct {
		Info withID `json:"info"`
	}{withID{merchantID, info}}
	return s.post(ctx, "card/submerchant/update", body, writeCall)
}

// Get returns one sub-merchant.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
//
//	POST /card/submerchant/get {"merchant_id"}
func (s *SubMerchantService) Get(ctx context.Context, merchantID int64) (*SubMerchant, error) {
	if merchantID <= 0 {
		return nil, invalidArg("merchant_id", "must be positive")
	}
	body := struct {
		MerchantID int64 `json:"merchant_id"`
	}{merchantID}
	return s.post(ctx, "card/submerchant/get", body, readCall)
}

// SubMerchantList is one page of card/submerchant/batchget.
type SubMerchantList struct {
	Items []SubMerchant `json:"info_list"`
	// NextBeginID is the begin_id of the next page; 0 when this is the
	// last one.
	NextBeginID int64 `json:"next_begin_id"`
}

// List returns up to limit (1..100) sub-merchants with ids from beginID,
// only those in status unless it is empty.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
//
//	POST /card/submerchant/batchget {"begin_id","limit","status"?}
func (s *SubMerchantService) List(ctx context.Context, beginID int64, limit int, status SubMerchantStatus) (*SubMerchantList, error) {
	if beginID < 0 {
		return nil, invalidArg("begin_id", "must not be negative")
	}
	if limit < 1 || limit > MaxSubMerchantList {
		return nil, invalidArg("limit", "must be between 1 and 100")
	}
	if status != "" && !status.Valid() {
		return nil, invalidArg("status", "is not a known sub-merchant status")
	}
	body := struct {
		BeginID int64             `json:"begin_id"`
		Limit   int               `json:"limit"`
		Status  SubMerchantStatus `json:"status,omitempty"`
	}{beginID, limit, status}
	out, err := postFor[SubMerchantList](ctx, s.client, "card/submerchant/batchget", body, readCall)
	if err != nil {
		return nil, err
	}
	if out.Items == nil {
		out.Items = []SubMerchant{}
	}
	return out, nil
}
