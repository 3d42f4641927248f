package emulator

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

type qrCode struct {
	Ticket  string   `json:"ticket"`
	ID      string   `json:"id"` // the path of its url, /q/{id}
	URL     string   `json:"url"`
	CardIDs []string `json:"card_ids"`
	Expires int64    `json:"expires"`
	Created int64    `json:"created"`
}

// permanentQR is how long a card QR code without expire_seconds lasts.
const permanentQR = 365 * 24 * time.Hour

// POST card/qrcode/create {"action_name":"QR_CARD"|"QR_MULTIPLE_CARD","expire_seconds"?,"action_info":{…}}
func (c *call) createQRCode() (any, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	action, err := requireString(req, "action_name", "")
	if err != nil {
		return nil, err
	}
	lifetime := permanentQR
	if secs, present, err := getInt(req, "expire_seconds"); err != nil {
		return nil, err
	} else if present {
		if secs < 60 || secs > 1800 {
			return nil, wxErr(ErrcodeInvalidArgs, "expire_seconds must be 60..1800")
		}
		lifetime = time.Duration(secs) * time.Second
	}
	info, ok := getObject(req, "action_info")
	if !ok {
		return nil, wxErr(ErrcodeInvalidActionInfo, "action_info is missing")
	}
	var items []any
	switch action {
	case "QR_CARD":
		one, ok := getObject(info, "card")
		if !ok {
			return nil, wxErr(ErrcodeInvalidActionInfo, "QR_CARD needs action_info.card")
		}
		items = []any{one}
	case "QR_MULTIPLE_CARD":
		multi, ok := getObject(info, "multiple_card")
		if !ok {
			return nil, wxErr(ErrcodeInvalidActionInfo, "QR_MULTIPLE_CARD needs action_info.multiple_card")
		}
		items, _ = multi["card_list"].([]any)
		if len(items) == 0 || len(items) > 5 {
			return nil, wxErr(ErrcodeInvalidActionInfo, "multiple_card.card_list must hold 1..5 cards")
		}
	default:
		return nil, wxErr(ErrcodeInvalidActionInfo, "action_name must be QR_CARD or QR_MULTIPLE_CARD")
	}
	var ids []string
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, wxErr(ErrcodeInvalidActionInfo, "each card must be an object")
		}
		id, _, err := getString(m, "card_id")
		if err != nil {
			return nil, err
		}
		if _, err := c.liveCard(id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	raw := make([]byte, 58) // 58 bytes encode with "==" padding, like WeChat's tickets
	for i := range raw {
		raw[i] = byte(c.e.rng.Uint64())
	}
	q := &qrCode{
		Ticket:  base64.StdEncoding.EncodeToString(raw),
		ID:      c.e.randString(alnum, 22),
		CardIDs: ids,
		Expires: c.now.Add(lifetime).Unix(),
		Created: c.now.Unix(),
	}
	q.URL = c.base() + "/q/" + q.ID
	c.app.QRCodes[q.Ticket] = q
	c.e.touch(bucketQRCodes, c.app.AppID, "", q.Ticket)
	return struct {
		envelope
		Ticket        string `json:"ticket"`
		ExpireSeconds int64  `json:"expire_seconds"`
		URL           string `json:"url"`
		ShowQRCodeURL string `json:"show_qrcode_url"`
	}{success(), q.Ticket, int64(lifetime / time.Second), q.URL, c.base() + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(q.Ticket)}, nil
}

// findQR looks a QR ticket up across apps; showqrcode needs no token.
func (e *Emulator) findQR(match func(*qrCode) bool) (*appState, *qrCode) {
	for _, id := range sortedKeys(e.st.Apps) {
		a := e.st.Apps[id]
		for _, q := range a.QRCodes {
			if match(q) {
				return a, q
			}
		}
	}
	return nil, nil
}

// GET cgi-bin/showqrcode?ticket=… → the QR code as a PNG. An unknown or
// expired ticket answers HTTP 404, as WeChat does.
func (e *Emulator) serveShowQRCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeWeChat(w, http.StatusMethodNotAllowed, nil, wxErr(ErrcodeRequireGET, ""))
		return
	}
	t := r.URL.Query().Get("ticket")
	if t == "" {
		writeWeChat(w, http.StatusBadRequest, nil, missing("ticket"))
		return
	}
	var content string
	e.locked(func() {
		_, q := e.findQR(func(q *qrCode) bool { return q.Ticket == t })
		if q != nil && e.now().Unix() < q.Expires {
			content = q.URL
		}
	})
	if content == "" {
		writeWeChat(w, http.StatusNotFound, nil, wxErr(ErrcodeInvalidArgs, "unknown or expired ticket"))
		return
	}
	png, err := qrcode.Encode(content, qrcode.Medium, 430)
	if err != nil {
		writeWeChat(w, http.StatusInternalServerError, nil, wxErr(ErrcodeSystemBusy, "QR encoding failed"))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.Header().Set("Cache-Control", "max-age=3600")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(png)
	}
}

// pageSource renders the landing and QR target pages: what a phone shows
// before the user taps "add to wallet".
const pageSource = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1>{{if .Banner}}<img src="{{.Banner}}" alt="">{{end}}
<ul>{{range .Cards}}<li data-card-id="{{.ID}}">{{.Title}} — {{.Brand}} ({{.Type}})</li>{{end}}</ul>
</body></html>
`

type pageCard struct{ ID, Title, Brand, Type string }

type pageData struct {
	Title, Banner string
	Cards         []pageCard
}

func (a *appState) pageCards(ids []string) []pageCard {
	var out []pageCard
	for _, id := range ids {
		cd := a.Cards[id]
		if cd == nil {
			continue
		}
		bi, _ := getObject(cd.Attributes, "base_info")
		title, _, _ := getString(bi, "title")
		brand, _, _ := getString(bi, "brand_name")
		out = append(out, pageCard{id, title, brand, cd.Type})
	}
	return out
}

func (e *Emulator) writePage(w http.ResponseWriter, status int, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	e.page.Execute(w, data)
}

func parsePage() (*template.Template, error) { return template.New("page").Parse(pageSource) }

// GET /q/{id}: the page a card QR code points at.
func (e *Emulator) serveQRTarget(w http.ResponseWriter, r *http.Request, id string) {
	var (
		data  pageData
		found bool
	)
	e.locked(func() {
		a, q := e.findQR(func(q *qrCode) bool { return q.ID == id })
		found = q != nil && e.now().Unix() < q.Expires
		if found {
			data = pageData{Title: "领取卡券", Cards: a.pageCards(q.CardIDs)}
		}
	})
	if !found {
		e.writePage(w, http.StatusNotFound, pageData{Title: "二维码已过期或不存在"})
		return
	}
	e.writePage(w, http.StatusOK, data)
}

type landingPage struct {
	PageID   int64    `json:"page_id"`
	Banner   string   `json:"banner"`
	Title    string   `json:"page_title"`
	CanShare bool     `json:"can_share"`
	Scene    string   `json:"scene"`
	CardIDs  []string `json:"card_ids"`
	Thumbs   []string `json:"thumb_urls"`
}

func validScene(s string) bool {
	switch s {
	case "SCENE_NEAR_BY", "SCENE_MENU", "SCENE_QRCODE", "SCENE_ARTICLE", "SCENE_H5", "SCENE_IVR", "SCENE_CARD_CUSTOM_CELL":
		return true
	}
	return false
}

// POST card/landingpage/create {"banner","page_title","can_share","scene","card_list":[{"card_id","thumb_url"}]}
func (c *call) createLandingPage() (any, error) {
	var req struct {
		Banner   string `json:"banner"`
		Title    string `json:"page_title"`
		CanShare bool   `json:"can_share"`
		Scene    string `json:"scene"`
		CardList []struct {
			CardID   string `json:"card_id"`
			ThumbURL string `json:"thumb_url"`
		} `json:"card_list"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	switch {
	case req.Banner == "":
		return nil, missing("banner")
	case req.Title == "":
		return nil, missing("page_title")
	case req.Scene == "":
		return nil, missing("scene")
	case len(req.CardList) == 0:
		return nil, missing("card_list")
	}
	if !validScene(req.Scene) {
		return nil, wxErr(ErrcodeInvalidArgs, "scene must be one of the SCENE_* values")
	}
	p := &landingPage{PageID: int64(len(c.app.LandingPages)) + 1, Banner: req.Banner, Title: req.Title, CanShare: req.CanShare, Scene: req.Scene}
	for _, item := range req.CardList {
		cd, err := c.liveCard(item.CardID)
		if err != nil {
			return nil, err
		}
		if !cd.approved() {
			return nil, wxErr(ErrcodeInvalidCardStatus, "card "+cd.ID+" has not passed review")
		}
		if item.ThumbURL == "" {
			return nil, missing("card_list.thumb_url")
		}
		p.CardIDs = append(p.CardIDs, cd.ID)
		p.Thumbs = append(p.Thumbs, item.ThumbURL)
	}
	c.app.LandingPages = append(c.app.LandingPages, p)
	u := c.base() + "/bizmall/cardlandingpage?biz=" + url.QueryEscape(c.app.AppID) +
		"&page_id=" + strconv.FormatInt(p.PageID, 10) + "&scene=" + p.Scene + "#wechat_redirect"
	return struct {
		envelope
		URL    string `json:"url"`
		PageID int64  `json:"page_id"`
	}{success(), u, p.PageID}, nil
}

// GET bizmall/cardlandingpage?biz={appid}&page_id=N: the landing page.
func (e *Emulator) serveLandingPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("page_id"), 10, 64)
	var (
		data  pageData
		found bool
	)
	e.locked(func() {
		if a := e.st.Apps[q.Get("biz")]; a != nil && err == nil && id >= 1 && id <= int64(len(a.LandingPages)) {
			p := a.LandingPages[id-1]
			data = pageData{Title: p.Title, Banner: p.Banner, Cards: a.pageCards(p.CardIDs)}
			found = true
		}
	})
	if !found {
		e.writePage(w, http.StatusNotFound, pageData{Title: "页面不存在"})
		return
	}
	e.writePage(w, http.StatusOK, data)
}
