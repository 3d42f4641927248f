package emulator

import "strconv"

// Sub-merchant statuses.
const (
	SubMerchantChecking = "CHECKING"
	SubMerchantApproved = "APPROVED"
	SubMerchantRejected = "REJECTED"
	SubMerchantExpired  = "EXPIRED"
)

type subMerchant struct {
	MerchantID int64  `json:"merchant_id"`
	Info       object `json:"info"`
	Status     string `json:"status"`
	CreateTime int64  `json:"create_time"`
	UpdateTime int64  `json:"update_time"`
}

func (m *subMerchant) view(appID string) object {
	v := deepCopy(m.Info).(object)
	v["merchant_id"] = m.MerchantID
	v["app_id"] = appID
	v["status"] = m.Status
	v["create_time"] = m.CreateTime
	v["update_time"] = m.UpdateTime
	return v
}

// subMerchantFields are the fields submit/update keep (the ones WeChat
// documents); required ones come first.
func subMerchantFields() (required, optional []string) {
	return []string{"brand_name", "logo_url", "protocol", "end_time", "primary_category_id", "secondary_category_id"},
		[]string{"agreement_media_id", "operator_media_id", "app_id"}
}

func checkSubMerchantInfo(info object, partial bool) (object, error) {
	required, optional := subMerchantFields()
	out := object{}
	for _, f := range required {
		v, ok := info[f]
		if !ok || v == nil || v == "" {
			if partial {
				continue
			}
			return nil, missing("info." + f)
		}
		out[f] = deepCopy(v)
	}
	for _, f := range optional {
		if v, ok := info[f]; ok {
			out[f] = deepCopy(v)
		}
	}
	if err := checkOptionalLengths(info, "info.", "brand_name", "logo_url"); err != nil {
		return nil, err
	}
	for _, f := range []string{"end_time", "primary_category_id", "secondary_category_id"} {
		if _, _, err := getInt(info, f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// subMerchant finds the sub-merchant named by obj's merchant_id; path is
// where obj stands in the request ("info."), for the error when it is
// missing.
func (c *call) subMerchant(obj object, path string) (*subMerchant, error) {
	id, present, err := getInt(obj, "merchant_id")
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, missing(path + "merchant_id")
	}
	for _, m := range c.app.SubMerchants {
		if m.MerchantID == id {
			return m, nil
		}
	}
	return nil, wxErr(ErrcodeInvalidArgs, "no sub-merchant "+strconv.FormatInt(id, 10))
}

// checkSubMerchant validates base_info.sub_merchant_info.merchant_id.
func (c *call) checkSubMerchant(bi object) error {
	smi, ok := getObject(bi, "sub_merchant_info")
	if !ok {
		return nil
	}
	m, err := c.subMerchant(smi, "base_info.sub_merchant_info.")
	if err != nil {
		return err
	}
	if m.Status != SubMerchantApproved {
		return wxErr(ErrcodeInvalidArgs, "sub-merchant "+strconv.FormatInt(m.MerchantID, 10)+" is not approved")
	}
	return nil
}

type subMerchantRequest struct {
	Info object `json:"info"`
}

type subMerchantResponse struct {
	envelope
	Info object `json:"info"`
}

// POST card/submerchant/submit {"info":{brand_name, logo_url, protocol, end_time, primary_category_id, secondary_category_id, …}}
func (c *call) submitSubMerchant() (any, error) {
	var req subMerchantRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Info == nil {
		return nil, missing("info")
	}
	info, err := checkSubMerchantInfo(req.Info, false)
	if err != nil {
		return nil, err
	}
	m := &subMerchant{
		MerchantID: int64(len(c.app.SubMerchants)) + 1,
		Info:       info,
		Status:     SubMerchantChecking,
		CreateTime: c.now.Unix(),
		UpdateTime: c.now.Unix(),
	}
	if c.e.cfg.autoApprove {
		m.Status = SubMerchantApproved
	}
	c.app.SubMerchants = append(c.app.SubMerchants, m)
	return subMerchantResponse{success(), m.view(c.app.AppID)}, nil
}

// POST card/submerchant/update {"info":{"merchant_id", …}}
func (c *call) updateSubMerchant() (any, error) {
	var req subMerchantRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Info == nil {
		return nil, missing("info")
	}
	m, err := c.subMerchant(req.Info, "info.")
	if err != nil {
		return nil, err
	}
	info, err := checkSubMerchantInfo(req.Info, true)
	if err != nil {
		return nil, err
	}
	for k, v := range info {
		m.Info[k] = v
	}
	m.UpdateTime = c.now.Unix()
	if !c.e.cfg.autoApprove {
		m.Status = SubMerchantChecking
	}
	return subMerchantResponse{success(), m.view(c.app.AppID)}, nil
}

// POST card/submerchant/get {"merchant_id"}
func (c *call) getSubMerchant() (any, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	m, err := c.subMerchant(req, "")
	if err != nil {
		return nil, err
	}
	return subMerchantResponse{success(), m.view(c.app.AppID)}, nil
}

// POST card/submerchant/batchget {"begin_id","limit","status"?}
func (c *call) listSubMerchants() (any, error) {
	var req struct {
		BeginID int64  `json:"begin_id"`
		Limit   int64  `json:"limit"`
		Status  string `json:"status"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Limit < 1 || req.Limit > 100 {
		return nil, wxErr(ErrcodeInvalidArgs, "limit must be 1..100")
	}
	switch req.Status {
	case "", SubMerchantChecking, SubMerchantApproved, SubMerchantRejected, SubMerchantExpired:
	default:
		return nil, wxErr(ErrcodeInvalidArgs, "unknown status "+req.Status)
	}
	list := []object{}
	var next int64
	for _, m := range c.app.SubMerchants {
		if m.MerchantID < req.BeginID || (req.Status != "" && m.Status != req.Status) {
			continue
		}
		if int64(len(list)) == req.Limit {
			next = m.MerchantID
			break
		}
		list = append(list, m.view(c.app.AppID))
	}
	return struct {
		envelope
		InfoList    []object `json:"info_list"`
		NextBeginID int64    `json:"next_begin_id"`
	}{success(), list, next}, nil
}
