package admin

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func testSubMerchantInfo() SubMerchantInfo {
	return SubMerchantInfo{
		BrandName: "兰州拉面", LogoURL: "http://mmbiz.qpic.cn/mmbiz/logo/0",
		Protocol: "2lIzVwR7DvrF6uRrv0N1XHB_Q3XS6VuZYOPgK9YQ1zL5ymDIdDeYs8b8iJ2Z-_JN",
		EndTime:  1893456000, PrimaryCategoryID: 1, SecondaryCategoryID: 101,
	}
}

var testSubMerchant = &SubMerchant{
	MerchantID: 12, AppID: testAppID, BrandName: "兰州拉面",
	LogoURL:  "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZJkmG8xXhiaHqkKSVMMWeN3hLut7X7h/0",
	Protocol: "2lIzVwR7DvrF6uRrv0N1XHB_Q3XS6VuZYOPgK9YQ1zL5ymDIdDeYs8b8iJ2Z-_JN",
	EndTime:  1893456000, PrimaryCategoryID: 1, SecondaryCategoryID: 101,
	Status: SubMerchantChecking, CreateTime: 1759993200, UpdateTime: 1759993200,
}

func TestSubMerchantOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "Create", method: http.MethodPost, path: "card/submerchant/submit", fixture: "card_submerchant.json",
			body: `{"info":{"brand_name":"兰州拉面","logo_url":"http://mmbiz.qpic.cn/mmbiz/logo/0","protocol":"2lIzVwR7DvrF6uRrv0N1XHB_Q3XS6VuZYOPgK9YQ1zL5ymDIdDeYs8b8iJ2Z-_JN","end_time":1893456000,"primary_category_id":1,"secondary_category_id":101}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SubMerchant.Create(ctx, testSubMerchantInfo())
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, testSubMerchant, got) },
			errcode: 40097,
		},
		{
			name: "Update", method: http.MethodPost, path: "card/submerchant/update", fixture: "card_submerchant.json",
			body: `{"info":{"merchant_id":12,"logo_url":"http://mmbiz.qpic.cn/mmbiz/logo2/0","end_time":1924992000}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SubMerchant.Update(ctx, 12, SubMerchantInfo{LogoURL: "http://mmbiz.qpic.cn/mmbiz/logo2/0", EndTime: 1924992000})
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, int64(12), got.(*SubMerchant).MerchantID) },
			errcode: 40097,
		},
		{
			name: "Get", method: http.MethodPost, path: "card/submerchant/get", fixture: "card_submerchant.json",
			body:    `{"merchant_id":12}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.SubMerchant.Get(ctx, 12) },
			check:   func(t *testing.T, got any) { assert.Equal(t, testSubMerchant, got) },
			errcode: 40097,
		},
		{
			name: "List", method: http.MethodPost, path: "card/submerchant/batchget", fixture: "card_submerchant_batchget.json",
			body: `{"begin_id":0,"limit":2,"status":"APPROVED"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SubMerchant.List(ctx, 0, 2, SubMerchantApproved)
			},
			check: func(t *testing.T, got any) {
				l := got.(*SubMerchantList)
				assert.Equal(t, int64(14), l.NextBeginID)
				if assert.Len(t, l.Items, 2) {
					assert.Equal(t, "咖啡小馆", l.Items[1].BrandName)
					assert.Equal(t, SubMerchantApproved, l.Items[1].Status)
				}
			},
			errcode: 40097,
		},
		{
			name: "List/any status", method: http.MethodPost, path: "card/submerchant/batchget", fixture: "card_submerchant_batchget.json",
			body: `{"begin_id":14,"limit":100}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.SubMerchant.List(ctx, 14, 100, "") },
		},
	})
}

func TestSubMerchantValidation(t *testing.T) {
	t.Parallel()
	runValidation(t, []validationCase{
		{"Create/no brand", "info.brand_name", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Create(ctx, changed(testSubMerchantInfo(), func(i *SubMerchantInfo) { i.BrandName = "" })))
		}},
		{"Create/no protocol", "info.protocol", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Create(ctx, changed(testSubMerchantInfo(), func(i *SubMerchantInfo) { i.Protocol = "" })))
		}},
		{"Create/no end time", "info.end_time", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Create(ctx, changed(testSubMerchantInfo(), func(i *SubMerchantInfo) { i.EndTime = 0 })))
		}},
		{"Create/no category", "info.primary_category_id", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Create(ctx, changed(testSubMerchantInfo(), func(i *SubMerchantInfo) { i.SecondaryCategoryID = 0 })))
		}},
		{"Update/no id", "merchant_id", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Update(ctx, 0, SubMerchantInfo{}))
		}},
		{"Update/negative category", "info", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Update(ctx, 3, SubMerchantInfo{PrimaryCategoryID: -1}))
		}},
		{"Get/no id", "merchant_id", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.Get(ctx, -5))
		}},
		{"List/limit 0", "limit", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.List(ctx, 0, 0, ""))
		}},
		{"List/limit 101", "limit", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.List(ctx, 0, 101, ""))
		}},
		{"List/negative begin", "begin_id", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.List(ctx, -1, 10, ""))
		}},
		{"List/bad status", "status", func(ctx context.Context, c *Client) error {
			return errOf(c.SubMerchant.List(ctx, 0, 10, "approved"))
		}},
	})
}
