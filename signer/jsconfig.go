package signer

import (
	"strconv"
)

// JSConfigRequest names the page to sign for wx.config.
type JSConfigRequest struct {
	AppID string `json:"app_id"`
	// URL is the full page URL as the browser sees it (location.href); its
	// #fragment is ignored. It must be absolute http or https.
	URL string `json:"url"`
	// JSAPIList and OpenTagList are copied into the result when given.
	JSAPIList   []string `json:"jsApiList,omitempty"`
	OpenTagList []string `json:"openTagList,omitempty"`
}

// JSConfig is the argument of wx.config, with WeChat's names.
type JSConfig struct {
	AppID       string   `json:"appId"`
	Timestamp   int64    `json:"timestamp"`
	NonceStr    string   `json:"nonceStr"`
	Signature   string   `json:"signature"`
	JSAPIList   []string `json:"jsApiList,omitempty"`
	OpenTagList []string `json:"openTagList,omitempty"`
}

// AppendJSON appends the config as a JSON object.
func (c *JSConfig) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendStringField(dst, true, "appId", c.AppID)
	dst = appendIntField(dst, false, "timestamp", c.Timestamp)
	dst = appendStringField(dst, false, "nonceStr", c.NonceStr)
	dst = appendStringField(dst, false, "signature", c.Signature)
	if len(c.JSAPIList) > 0 {
		dst = appendStringArrayField(dst, "jsApiList", c.JSAPIList)
	}
	if len(c.OpenTagList) > 0 {
		dst = appendStringArrayField(dst, "openTagList", c.OpenTagList)
	}
	return append(dst, '}')
}

// MarshalJSON encodes the config without reflection or HTML escaping.
func (c JSConfig) MarshalJSON() ([]byte, error) { return c.AppendJSON(nil), nil }

// ValidatePageURL checks that u is an absolute http(s) URL that WeChat can
// have seen as a page URL.
func ValidatePageURL(u string) error {
	if err := checkText("url", u, true, MaxURLLen); err != nil {
		return err
	}
	if problem := pageURLProblem(u); problem != "" {
		return invalid("url", problem)
	}
	return nil
}

// Validate checks the request's fields.
func (r JSConfigRequest) Validate() error {
	if err := checkText("app_id", r.AppID, true, MaxFieldLen); err != nil {
		return err
	}
	if err := ValidatePageURL(r.URL); err != nil {
		return err
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"jsApiList", r.JSAPIList}, {"openTagList", r.OpenTagList}} {
		if len(list.items) > MaxJSAPIListLen {
			return invalid(list.name, "has more than "+strconv.Itoa(MaxJSAPIListLen)+" entries")
		}
		for i, name := range list.items {
			if err := checkText(list.name+"["+strconv.Itoa(i)+"]", name, true, MaxFieldLen); err != nil {
				return err
			}
		}
	}
	return nil
}

// JSConfig builds the wx.config parameters for a page, signed with the jsapi
// ticket (getticket?type=jsapi), never the card api_ticket.
func (s *Signer) JSConfig(jsapiTicket string, req JSConfigRequest) (JSConfig, error) {
	if err := ValidateTicket("jsapi_ticket", jsapiTicket); err != nil {
		return JSConfig{}, err
	}
	if err := req.Validate(); err != nil {
		return JSConfig{}, err
	}
	ts, err := s.timestamp()
	if err != nil {
		return JSConfig{}, err
	}
	nonce, err := s.nextNonce("nonceStr")
	if err != nil {
		return JSConfig{}, err
	}
	return JSConfig{
		AppID:       req.AppID,
		Timestamp:   ts,
		NonceStr:    nonce,
		Signature:   JSSDKSignature(jsapiTicket, nonce, ts, req.URL),
		JSAPIList:   req.JSAPIList,
		OpenTagList: req.OpenTagList,
	}, nil
}
