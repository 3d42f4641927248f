package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tCardID = "p1Pj9jr90_SQRaVqYI239Ka1erkI"
	tOpenID = "oFS7Fjl0WsZ9AMZqrI80nbIq8xrA"
)

// testCoupon is a complete GENERAL_COUPON; its description has characters
// Go would HTML-escape by default.
func testCoupon() *GeneralCoupon {
	return &GeneralCoupon{
		BaseInfo: BaseInfo{
			LogoURL:     "http://mmbiz.qpic.cn/mmbiz/logo/0",
			BrandName:   "微信餐厅",
			CodeType:    CodeTypeQRCode,
			Title:       "10元代金券",
			Color:       "Color010",
			Notice:      "使用时向服务员出示此券",
			Description: "不可与其他优惠同享 <b>每人限一张</b> & 不找零",
			SKU:         &SKU{Quantity: 100},
			DateInfo:    &DateInfo{Type: DateTypeFixTerm, FixedTerm: 30},
			GetLimit:    1,
			CanShare:    ptr(false),
		},
		DefaultDetail: "满100元减10元",
	}
}

const testCouponJSON = `{"base_info":{"logo_url":"http://mmbiz.qpic.cn/mmbiz/logo/0","brand_name":"微信餐厅","code_type":"CODE_TYPE_QRCODE","title":"10元代金券","color":"Color010","notice":"使用时向服务员出示此券","description":"不可与其他优惠同享 <b>每人限一张</b> & 不找零","sku":{"quantity":100},"date_info":{"type":"DATE_TYPE_FIX_TERM","fixed_term":30},"get_limit":1,"can_share":false},"default_detail":"满100元减10元"}`

func TestCardOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "Colors", method: http.MethodGet, path: "card/getcolors", fixture: "card_getcolors.json",
			call: func(ctx context.Context, c *Client) (any, error) { return c.Card.Colors(ctx) },
			check: func(t *testing.T, got any) {
				colors := got.([]Color)
				require.Len(t, colors, 14)
				assert.Equal(t, Color{Name: "Color010", Value: "#63b359"}, colors[0])
				assert.Equal(t, "Color102", colors[13].Name)
			},
			errcode: 45009,
		},
		{
			name: "Categories", method: http.MethodGet, path: "card/getapplyprotocol", fixture: "card_getapplyprotocol.json",
			call: func(ctx context.Context, c *Client) (any, error) { return c.Card.Categories(ctx) },
			check: func(t *testing.T, got any) {
				cats := got.([]Category)
				require.Len(t, cats, 2)
				assert.Equal(t, int64(1), cats[0].ID)
				assert.Equal(t, "美食", cats[0].Name)
				require.Len(t, cats[0].Secondary, 2)
				assert.Equal(t, SubCategory{ID: 101, Name: "粤菜",
					NeedQualificationStuffs: []string{"food_business_license_id", "food_business_license_media_id"},
					CanChoosePrepaidCard:    true, CanChoosePaymentCard: true}, cats[0].Secondary[0])
				assert.False(t, cats[0].Secondary[1].CanChoosePaymentCard)
				assert.False(t, cats[1].Secondary[0].CanChoosePrepaidCard)
			},
			errcode: 45009,
		},
		{
			name: "Create/typed", method: http.MethodPost, path: "card/create", fixture: "card_create.json",
			body: `{"card":{"card_type":"GENERAL_COUPON","general_coupon":` + testCouponJSON + `}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.Create(ctx, CardTypeGeneralCoupon, testCoupon())
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, tCardID, got) },
			errcode: 40071,
		},
		{
			name: "Create/map", method: http.MethodPost, path: "card/create", fixture: "card_create.json",
			body: `{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"title":"会员卡"},"prerogative":"9折","supply_balance":false,"supply_bonus":true}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.Create(ctx, CardTypeMemberCard, map[string]any{
					"base_info": map[string]any{"title": "会员卡"}, "prerogative": "9折", "supply_bonus": true, "supply_balance": false,
				})
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, tCardID, got) },
			errcode: 40079,
		},
		{
			// boarding_pass sorts before card_type: the type still comes first.
			name: "Create/raw", method: http.MethodPost, path: "card/create", fixture: "card_create.json",
			body: `{"card":{"card_type":"BOARDING_PASS","boarding_pass":{"base_info":{"title":"CA1234"},"from":"成都","to":"广州","flight":"CE123"}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.Create(ctx, CardTypeBoardingPass, json.RawMessage(`{"base_info": {"title":"CA1234"}, "from":"成都","to":"广州","flight":"CE123"}`))
			},
			check: func(t *testing.T, got any) { assert.Equal(t, tCardID, got) },
		},
		{
			name: "Get", method: http.MethodPost, path: "card/get", fixture: "card_get.json",
			body: `{"card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Card.Get(ctx, tCardID) },
			check: func(t *testing.T, got any) {
				card := got.(*Card)
				assert.Equal(t, CardTypeGeneralCoupon, card.Type)
				assert.Equal(t, tCardID, card.BaseInfo.ID)
				assert.Equal(t, CardStatusVerifyOK, card.BaseInfo.Status)
				assert.Equal(t, &SKU{Quantity: 99, TotalQuantity: 100}, card.BaseInfo.SKU)
				assert.Equal(t, &DateInfo{Type: DateTypeFixTerm, FixedTerm: 30}, card.BaseInfo.DateInfo)
				assert.Equal(t, []int64{123, 12321}, card.BaseInfo.LocationIDList)
				assert.Equal(t, ptr(true), card.BaseInfo.CanShare)
				assert.Equal(t, int64(1759993200), card.BaseInfo.CreateTime)
				var coupon GeneralCoupon
				require.NoError(t, card.Decode(&coupon))
				assert.Equal(t, "满100元减10元", coupon.DefaultDetail)
				assert.Equal(t, "微信餐厅", coupon.BaseInfo.BrandName)
			},
		},
		{
			name: "List/statuses", method: http.MethodPost, path: "card/batchget", fixture: "card_batchget.json",
			body: `{"offset":0,"count":10,"status_list":["CARD_STATUS_VERIFY_OK","CARD_STATUS_DISPATCH"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.List(ctx, 0, 10, CardStatusVerifyOK, CardStatusDispatch)
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &CardIDList{CardIDs: []string{"ph_gmt7cUVrlRk8swPwx7aDyF-pg", tCardID}, Total: 12}, got)
			},
			errcode: 40097,
		},
		{
			name: "List/all", method: http.MethodPost, path: "card/batchget", fixture: "card_batchget.json",
			body:  `{"offset":20,"count":50}`,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.Card.List(ctx, 20, 50) },
			check: func(t *testing.T, got any) { assert.Equal(t, 12, got.(*CardIDList).Total) },
		},
		{
			name: "Update", method: http.MethodPost, path: "card/update", fixture: "card_update.json",
			body: `{"card_id":"` + tCardID + `","general_coupon":{"base_info":{"title":"8元代金券","color":"Color020"}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.Update(ctx, tCardID, CardTypeGeneralCoupon, &GeneralCoupon{BaseInfo: BaseInfo{Title: "8元代金券", Color: "Color020"}})
			},
			check: func(t *testing.T, got any) { assert.Equal(t, true, got) },
		},
		{
			name: "Delete", method: http.MethodPost, path: "card/delete", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Card.Delete(ctx, tCardID) },
		},
		{
			name: "HTML", method: http.MethodPost, path: "card/mpnews/gethtml", fixture: "card_mpnews_gethtml.json",
			body: `{"card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Card.HTML(ctx, tCardID) },
			check: func(t *testing.T, got any) {
				assert.True(t, strings.HasPrefix(got.(string), `<iframe class="res_iframe card_iframe js_editor_card" data-src="http://mp.weixin.qq.com/bizmall/appmsgcard?action=show&biz=`))
			},
			errcode: 40078,
		},
		{
			name: "SetTestWhitelist", method: http.MethodPost, path: "card/testwhitelist/set", fixture: "ok.json",
			body: `{"openid":["o1","o2"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: []string{"o1", "o2"}})
			},
			errcode: 40097,
		},
		{
			name: "SetTestWhitelist/both", method: http.MethodPost, path: "card/testwhitelist/set", fixture: "ok.json",
			body: `{"openid":["o1"],"username":["wxid_tester"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: []string{"o1"}, Usernames: []string{"wxid_tester"}})
			},
			errcode: 40097,
		},
		{
			name: "UserCards/card", method: http.MethodPost, path: "card/user/getcardlist", fixture: "card_user_getcardlist.json",
			body: `{"openid":"` + tOpenID + `","card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.UserCards(ctx, UserCardsRequest{OpenID: tOpenID, CardID: tCardID})
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &UserCardList{Cards: []UserCard{{"110201201245", tCardID}, {"110201201246", tCardID}}, HasShareCard: true}, got)
			},
		},
		{
			name: "UserCards/all", method: http.MethodPost, path: "card/user/getcardlist", fixture: "card_user_getcardlist.json",
			body: `{"openid":"` + tOpenID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.UserCards(ctx, UserCardsRequest{OpenID: tOpenID})
			},
			check: func(t *testing.T, got any) { assert.Len(t, got.(*UserCardList).Cards, 2) },
		},
		{
			name: "SetPayCell/on", method: http.MethodPost, path: "card/paycell/set", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","is_open":true}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Card.SetPayCell(ctx, tCardID, true) },
		},
		{
			name: "SetPayCell/off", method: http.MethodPost, path: "card/paycell/set", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","is_open":false}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Card.SetPayCell(ctx, tCardID, false) },
		},
		{
			name: "SetSelfConsumeCell", method: http.MethodPost, path: "card/selfconsumecell/set", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","is_open":true,"need_verify_cod":false,"need_remark_amount":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Card.SetSelfConsumeCell(ctx, tCardID, SelfConsumeCell{IsOpen: true, NeedRemarkAmount: true})
			},
		},
		{
			name: "IncreaseStock", method: http.MethodPost, path: "card/modifystock", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","increase_stock_value":100}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Card.IncreaseStock(ctx, tCardID, 100) },
		},
		{
			name: "ReduceStock", method: http.MethodPost, path: "card/modifystock", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","reduce_stock_value":5}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Card.ReduceStock(ctx, tCardID, 5) },
		},
		{
			name: "CreateQRCode/single", method: http.MethodPost, path: "card/qrcode/create", fixture: "card_qrcode_create.json",
			body: `{"action_name":"QR_CARD","expire_seconds":1800,"action_info":{"card":{"card_id":"` + tCardID + `","code":"198374613512","openid":"` + tOpenID + `","is_unique_code":true,"outer_str":"12b"}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.CreateQRCode(ctx, CreateQRCodeRequest{ExpireSeconds: 1800, Card: &QRCodeCard{
					CardID: tCardID, Code: "198374613512", OpenID: tOpenID, IsUniqueCode: true, OuterStr: "12b"}})
			},
			check: func(t *testing.T, got any) {
				qr := got.(*QRCode)
				assert.Equal(t, "gQHB8DoAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL0JIV3lhX3psZmlvSDZmWGVMMTZvAAIEsNnKVQMEIAMAAA==", qr.Ticket)
				assert.Equal(t, 1800, qr.ExpireSeconds)
				assert.Equal(t, "http://weixin.qq.com/q/BHWya_zlfioH6fXeL16o", qr.URL)
				assert.True(t, strings.HasSuffix(qr.ShowQRCodeURL, "AAA%3D%3D"))
			},
			errcode: 40053,
		},
		{
			name: "CreateQRCode/multiple", method: http.MethodPost, path: "card/qrcode/create", fixture: "card_qrcode_create.json",
			body: `{"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[{"card_id":"` + tCardID + `"},{"card_id":"pAtSHt0TNTUmJNEotdWIMWENU4wA","outer_str":"shelf"}]}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: []QRCodeCard{
					{CardID: tCardID}, {CardID: "pAtSHt0TNTUmJNEotdWIMWENU4wA", OuterStr: "shelf"}}})
			},
			check:   func(t *testing.T, got any) { assert.NotEmpty(t, got.(*QRCode).Ticket) },
			errcode: 40053,
		},
		{
			name: "CreateLandingPage", method: http.MethodPost, path: "card/landingpage/create", fixture: "card_landingpage_create.json",
			body: `{"banner":"http://mmbiz.qpic.cn/banner/0","page_title":"惠城优惠大派送","can_share":true,"scene":"SCENE_H5","card_list":[{"card_id":"` + tCardID + `","thumb_url":"http://mmbiz.qpic.cn/thumb/0"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Card.CreateLandingPage(ctx, LandingPage{Banner: "http://mmbiz.qpic.cn/banner/0", PageTitle: "惠城优惠大派送",
					CanShare: true, Scene: SceneH5, Cards: []LandingCard{{CardID: tCardID, ThumbURL: "http://mmbiz.qpic.cn/thumb/0"}}})
			},
			check: func(t *testing.T, got any) {
				lp := got.(*LandingPageResult)
				assert.Equal(t, int64(1), lp.PageID)
				assert.Contains(t, lp.URL, "page_id=1&scene=SCENE_H5")
			},
			errcode: 40078,
		},
	})
}

func TestCardValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 129)
	elevenIDs := make([]string, 11)
	for i := range elevenIDs {
		elevenIDs[i] = "o" + itoa(i)
	}
	noDesc := testCoupon()
	noDesc.BaseInfo.Description = ""
	noSKU := testCoupon()
	noSKU.BaseInfo.SKU = nil
	badRange := testCoupon()
	badRange.BaseInfo.DateInfo = &DateInfo{Type: DateTypeFixTimeRange, BeginTimestamp: 200, EndTimestamp: 100}
	var nilCoupon *GeneralCoupon
	runValidation(t, []validationCase{
		{"Colors/nil ctx", "ctx", func(_ context.Context, c *Client) error {
			//lint:ignore SA1012 a nil ctx is what this case checks
			_, err := c.Card.Colors(nil)
			return err
		}},
		{"Create/unknown type", "card_type", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, "COUPON", map[string]any{})
			return err
		}},
		{"Create/mixed-case type", "card_type", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, "General_Coupon", testCoupon())
			return err
		}},
		{"Create/type mismatch", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeCash, testCoupon())
			return err
		}},
		{"Create/nil attributes", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, nil)
			return err
		}},
		{"Create/nil typed pointer", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, nilCoupon)
			return err
		}},
		{"Create/not an object", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, []string{"x"})
			return err
		}},
		{"Create/unencodable", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, map[string]any{"f": func() {}})
			return err
		}},
		{"Create/missing description", "base_info.description", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, noDesc)
			return err
		}},
		{"Create/missing sku", "base_info.sku", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, noSKU)
			return err
		}},
		{"Create/end before begin", "base_info.date_info.end_timestamp", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeGeneralCoupon, badRange)
			return err
		}},
		{"Create/discount out of range", "discount.discount", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeDiscount, &Discount{BaseInfo: testCoupon().BaseInfo, Discount: 100})
			return err
		}},
		{"Create/cash without amount", "cash.reduce_cost", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Create(ctx, CardTypeCash, &Cash{BaseInfo: testCoupon().BaseInfo})
			return err
		}},
		{"Get/empty id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Get(ctx, "")
			return err
		}},
		{"Get/long id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Get(ctx, long)
			return err
		}},
		{"Get/control char", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Get(ctx, "p1\n")
			return err
		}},
		{"List/count 0", "count", func(ctx context.Context, c *Client) error {
			_, err := c.Card.List(ctx, 0, 0)
			return err
		}},
		{"List/count 51", "count", func(ctx context.Context, c *Client) error {
			_, err := c.Card.List(ctx, 0, 51)
			return err
		}},
		{"List/negative offset", "offset", func(ctx context.Context, c *Client) error {
			_, err := c.Card.List(ctx, -1, 10)
			return err
		}},
		{"List/unknown status", "status_list", func(ctx context.Context, c *Client) error {
			_, err := c.Card.List(ctx, 0, 10, "CARD_STATUS_VERIFY_OK,CARD_STATUS_DISPATCH")
			return err
		}},
		{"Update/empty id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Update(ctx, "", CardTypeGeneralCoupon, map[string]any{})
			return err
		}},
		{"Update/bad type", "card_type", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Update(ctx, tCardID, "", map[string]any{})
			return err
		}},
		{"Update/string attributes", "attributes", func(ctx context.Context, c *Client) error {
			_, err := c.Card.Update(ctx, tCardID, CardTypeGeneralCoupon, "title")
			return err
		}},
		{"Delete/empty id", "card_id", func(ctx context.Context, c *Client) error { return c.Card.Delete(ctx, "") }},
		{"HTML/empty id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.HTML(ctx, "")
			return err
		}},
		{"SetTestWhitelist/empty", "openid", func(ctx context.Context, c *Client) error { return c.Card.SetTestWhitelist(ctx, TestWhitelist{}) }},
		{"SetTestWhitelist/11", "openid", func(ctx context.Context, c *Client) error {
			return c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: elevenIDs})
		}},
		{"SetTestWhitelist/empty item", "openid item", func(ctx context.Context, c *Client) error {
			return c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: []string{"o1", ""}})
		}},
		{"SetTestWhitelist/6+5", "openid", func(ctx context.Context, c *Client) error {
			return c.Card.SetTestWhitelist(ctx, TestWhitelist{OpenIDs: elevenIDs[:6], Usernames: elevenIDs[6:]})
		}},
		{"SetTestWhitelist/empty username", "username item", func(ctx context.Context, c *Client) error {
			return c.Card.SetTestWhitelist(ctx, TestWhitelist{Usernames: []string{""}})
		}},
		{"UserCards/empty openid", "openid", func(ctx context.Context, c *Client) error {
			_, err := c.Card.UserCards(ctx, UserCardsRequest{CardID: tCardID})
			return err
		}},
		{"UserCards/long card id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.UserCards(ctx, UserCardsRequest{OpenID: tOpenID, CardID: long})
			return err
		}},
		{"SetPayCell/empty id", "card_id", func(ctx context.Context, c *Client) error { return c.Card.SetPayCell(ctx, "", true) }},
		{"SetSelfConsumeCell/empty id", "card_id", func(ctx context.Context, c *Client) error {
			return c.Card.SetSelfConsumeCell(ctx, "", SelfConsumeCell{})
		}},
		{"IncreaseStock/zero", "amount", func(ctx context.Context, c *Client) error { return c.Card.IncreaseStock(ctx, tCardID, 0) }},
		{"ReduceStock/negative", "amount", func(ctx context.Context, c *Client) error { return c.Card.ReduceStock(ctx, tCardID, -3) }},
		{"IncreaseStock/too much", "amount", func(ctx context.Context, c *Client) error {
			return c.Card.IncreaseStock(ctx, tCardID, MaxStockChange+1)
		}},
		{"ReduceStock/empty id", "card_id", func(ctx context.Context, c *Client) error { return c.Card.ReduceStock(ctx, "", 1) }},
		{"CreateQRCode/neither", "card", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{})
			return err
		}},
		{"CreateQRCode/both", "card", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCodeCard{CardID: tCardID}, MultipleCards: []QRCodeCard{{CardID: tCardID}}})
			return err
		}},
		{"CreateQRCode/expire 59", "expire_seconds", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCodeCard{CardID: tCardID}, ExpireSeconds: 59})
			return err
		}},
		{"CreateQRCode/expire 1801", "expire_seconds", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCodeCard{CardID: tCardID}, ExpireSeconds: 1801})
			return err
		}},
		{"CreateQRCode/six cards", "multiple_card.card_list", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: make([]QRCodeCard, 6)})
			return err
		}},
		{"CreateQRCode/empty card id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: []QRCodeCard{{CardID: tCardID}, {}}})
			return err
		}},
		{"CreateLandingPage/bad scene", "scene", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateLandingPage(ctx, LandingPage{Banner: "b", PageTitle: "t", Scene: "SCENE_SHELF",
				Cards: []LandingCard{{CardID: tCardID, ThumbURL: "u"}}})
			return err
		}},
		{"CreateLandingPage/no banner", "banner", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateLandingPage(ctx, LandingPage{PageTitle: "t", Scene: SceneH5, Cards: []LandingCard{{CardID: tCardID, ThumbURL: "u"}}})
			return err
		}},
		{"CreateLandingPage/no cards", "card_list", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateLandingPage(ctx, LandingPage{Banner: "b", PageTitle: "t", Scene: SceneMenu})
			return err
		}},
		{"CreateLandingPage/no thumb", "card_list.thumb_url", func(ctx context.Context, c *Client) error {
			_, err := c.Card.CreateLandingPage(ctx, LandingPage{Banner: "b", PageTitle: "t", Scene: SceneMenu, Cards: []LandingCard{{CardID: tCardID}}})
			return err
		}},
		{"QRCode/empty ticket", "ticket", func(ctx context.Context, c *Client) error {
			_, _, err := c.Card.QRCode(ctx, "")
			return err
		}},
	})
}

func TestLandingPageScenes(t *testing.T) {
	t.Parallel()
	for _, s := range []LandingPageScene{SceneNearBy, SceneMenu, SceneQRCode, SceneArticle, SceneH5, SceneIVR, SceneCardCustomCell} {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []LandingPageScene{"", "scene_h5", "SCENE_SHELF"} {
		assert.False(t, s.Valid(), s)
	}
}

// Typed definitions decode what card/get returns and encode it back.
func TestCardDefinitionsRoundTrip(t *testing.T) {
	t.Parallel()
	defs := []CardAttributes{
		testCoupon(),
		&Groupon{BaseInfo: testCoupon().BaseInfo, DealDetail: "双人套餐"},
		&Cash{BaseInfo: testCoupon().BaseInfo, LeastCost: 10000, ReduceCost: 1000},
		&Discount{BaseInfo: testCoupon().BaseInfo, Discount: 30},
		&Gift{BaseInfo: testCoupon().BaseInfo, Gift: "咖啡一杯"},
		&GeneralCard{BaseInfo: testCoupon().BaseInfo, Prerogative: "储值卡"},
		&MemberCard{BaseInfo: testCoupon().BaseInfo, Prerogative: "9折", SupplyBonus: true,
			CustomField1: &CustomField{NameType: "FIELD_NAME_TYPE_LEVEL", URL: "http://example.com/level"}},
	}
	for _, d := range defs {
		t.Run(string(d.CardType()), func(t *testing.T) {
			require.NoError(t, d.Validate())
			b, err := encodeJSON(d)
			require.NoError(t, err)
			card := Card{}
			require.NoError(t, json.Unmarshal([]byte(`{"card_type":"`+string(d.CardType())+`","`+d.CardType().key()+`":`+string(b)+`}`), &card))
			assert.Equal(t, d.CardType(), card.Type)
			assert.Equal(t, "10元代金券", card.BaseInfo.Title)
			back := newOfType(d)
			require.NoError(t, card.Decode(back))
			assert.Equal(t, d, back)
		})
	}
}

func newOfType(d CardAttributes) CardAttributes {
	switch d.(type) {
	case *GeneralCoupon:
		return &GeneralCoupon{}
	case *Groupon:
		return &Groupon{}
	case *Cash:
		return &Cash{}
	case *Discount:
		return &Discount{}
	case *Gift:
		return &Gift{}
	case *GeneralCard:
		return &GeneralCard{}
	case *MemberCard:
		return &MemberCard{}
	}
	return nil
}

// Extra merges into a member card without overriding typed fields.
func TestMemberCardExtra(t *testing.T) {
	t.Parallel()
	m := MemberCard{Prerogative: "9折", SupplyBonus: true,
		Extra: map[string]any{"bonus_rule": map[string]int{"cost_money_unit": 100}, "prerogative": "ignored"}}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"base_info":{},"prerogative":"9折","supply_bonus":true,"supply_balance":false,"bonus_rule":{"cost_money_unit":100}}`, string(b))
}

func TestCardDecodeEmpty(t *testing.T) {
	t.Parallel()
	var c Card
	require.NoError(t, json.Unmarshal([]byte(`{"card_type":"CASH"}`), &c))
	assert.Equal(t, CardTypeCash, c.Type)
	assert.ErrorIs(t, c.Decode(&Cash{}), ErrInvalidInput)
}

// Every card type travels under its lower-case key, after card_type.
func TestCreateEveryCardType(t *testing.T) {
	t.Parallel()
	types := []CardType{CardTypeGroupon, CardTypeCash, CardTypeDiscount, CardTypeGift, CardTypeGeneralCoupon,
		CardTypeMemberCard, CardTypeGeneralCard, CardTypeScenicTicket, CardTypeMovieTicket, CardTypeBoardingPass,
		CardTypeMeetingTicket, CardTypeLuckyMoney}
	for _, ct := range types {
		t.Run(string(ct), func(t *testing.T) {
			require.True(t, ct.Valid())
			c, f := setup(t)
			rec := serve(t, f, "card/create", "card_create.json")
			id, err := c.Card.Create(t.Context(), ct, map[string]any{"base_info": map[string]any{"title": "t"}})
			require.NoError(t, err)
			assert.Equal(t, tCardID, id)
			want := `{"card":{"card_type":"` + string(ct) + `","` + strings.ToLower(string(ct)) + `":{"base_info":{"title":"t"}}}}`
			assert.Equal(t, want, rec.all()[0].body)
		})
	}
	assert.False(t, CardType("BUS_TICKET").Valid())
}

// WeChat's own samples write the type in lower case; it is sent upper case.
func TestCreateAcceptsLowerCaseType(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	rec := serve(t, f, "card/create", "card_create.json")
	_, err := c.Card.Create(t.Context(), "member_card", map[string]any{"base_info": map[string]any{"title": "t"}})
	require.NoError(t, err)
	assert.Equal(t, `{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"title":"t"}}}}`, rec.all()[0].body)

	for _, bad := range []CardType{"Member_Card", "bus_ticket", "ſcenic_ticket", ""} {
		_, err := c.Card.Create(t.Context(), bad, map[string]any{"base_info": map[string]any{}})
		assert.ErrorIs(t, err, ErrInvalidInput, string(bad))
	}
}
