package admin

import "context"

// LandingPageScene is where a landing page is shown; WeChat counts the
// cards claimed per scene.
type LandingPageScene string

// The scenes card/landingpage/create accepts.
const (
	SceneNearBy         LandingPageScene = "SCENE_NEAR_BY"          // 附近
	SceneMenu           LandingPageScene = "SCENE_MENU"             // 自定义菜单
	SceneQRCode         LandingPageScene = "SCENE_QRCODE"           // 二维码
	SceneArticle        LandingPageScene = "SCENE_ARTICLE"          // 公众号文章
	SceneH5             LandingPageScene = "SCENE_H5"               // H5 页面
	SceneIVR            LandingPageScene = "SCENE_IVR"              // 自动回复
	SceneCardCustomCell LandingPageScene = "SCENE_CARD_CUSTOM_CELL" // 卡券自定义 cell
)

// Valid reports whether s is one of the seven SCENE_* values.
func (s LandingPageScene) Valid() bool {
	switch s {
	case SceneNearBy, SceneMenu, SceneQRCode, SceneArticle, SceneH5, SceneIVR, SceneCardCustomCell:
		return true
	}
	return false
}

// LandingPage is a page listing cards to claim (货架).
type LandingPage struct {
	// Banner is the URL of the page's header image (uploaded to WeChat).
	Banner    string           `json:"banner"`
	PageTitle string           `json:"page_title"`
	CanShare  bool             `json:"can_share"`
	Scene     LandingPageScene `json:"scene"`
	Cards     []LandingCard    `json:"card_list"`
}

// LandingCard is one card on a landing page.
type LandingCard struct {
	CardID   string `json:"card_id"`
	ThumbURL string `json:"thumb_url"`
}

// LandingPageResult is a created landing page.
type LandingPageResult struct {
	URL    string `json:"url"`
	PageID int64  `json:"page_id"`
}

// CreateLandingPage creates a landing page for approved cards and returns
// its URL and id.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/landingpage/create {"banner","page_title","can_share","scene","card_list":[{"card_id","thumb_url"}]}
func (s *CardService) CreateLandingPage(ctx context.Context, page LandingPage) (*LandingPageResult, error) {
	switch {
	case page.Banner == "":
		return nil, invalidArg("banner", "is required")
	case page.PageTitle == "":
		return nil, invalidArg("page_title", "is required")
	case !page.Scene.Valid():
		return nil, invalidArg("scene", "must be one of the seven SCENE_* values")
	case len(page.Cards) == 0:
		return nil, invalidArg("card_list", "is empty")
	}
	for _, c := range page.Cards {
		if err := checkID("card_list.card_id", c.CardID); err != nil {
			return nil, err
		}
		if c.ThumbURL == "" {
			return nil, invalidArg("card_list.thumb_url", "is required")
		}
	}
	return postFor[LandingPageResult](ctx, s.client, "card/landingpage/create", page, writeCall)
}
