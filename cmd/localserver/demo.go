package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/grant"
)

// The demo merchant's backend: what a merchant's own server would do with
// the admin client. The demo page (web/demo) calls these; /standin/v1/cards
// gives the wx stand-in the same card faces, as the WeChat client knows them.

// cardFace is what a page needs to draw a card.
type cardFace struct {
	CardID        string `json:"card_id"`
	CardType      string `json:"card_type"`
	Status        string `json:"status"`
	BrandName     string `json:"brand_name"`
	Title         string `json:"title"`
	SubTitle      string `json:"sub_title,omitempty"`
	Color         string `json:"color"` // #rrggbb
	ColorName     string `json:"color_name,omitempty"`
	LogoURL       string `json:"logo_url,omitempty"`
	Notice        string `json:"notice,omitempty"`
	Description   string `json:"description,omitempty"`
	CodeType      string `json:"code_type,omitempty"`
	Quantity      int64  `json:"quantity"`
	TotalQuantity int64  `json:"total_quantity"`
	GetLimit      int64  `json:"get_limit,omitempty"`
	Validity      string `json:"validity,omitempty"`
}

// maxDemoCards bounds how many cards the demo lists (card/batchget pages).
const maxDemoCards = 200

func (s *server) demoRoutes(mux *http.ServeMux) {
	mux.Handle("/demo/api/cards", s.guarded(http.MethodGet, s.serveCards))
	mux.Handle("/demo/api/decrypt", s.guarded(http.MethodPost, s.serveDecrypt))
	mux.Handle("/demo/api/consume", s.guarded(http.MethodPost, s.serveConsume))
	mux.Handle("/demo/api/grant", s.guarded(http.MethodPost, s.serveGrant))
}

// POST /demo/api/grant {"card_id","openid"} → {"grant"}: the merchant's
// backend entitling this page's user to one card, as a real backend would
// after authenticating the user. The first of -grant-keys mints. Without
// keys the grant is "" and the page asks for the card directly, which the
// emulator's open policy signs (a 200, so the page's console stays clean).
func (s *server) serveGrant(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CardID string `json:"card_id"`
		OpenID string `json:"openid"`
	}
	if !decodeDemo(w, r, &req) {
		return
	}
	if len(s.cfg.grantKeys) == 0 {
		writeJSON(w, http.StatusOK, map[string]string{"grant": ""})
		return
	}
	tok, err := grant.Mint(s.cfg.grantKeys[0], grant.Claims{AppID: s.appID, CardID: req.CardID, OpenID: req.OpenID}, time.Now())
	if err != nil {
		// Mint's errors name the claim and the rule, never the key.
		writeJSONError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"grant": tok})
}

// GET /demo/api/cards → {"cards":[cardFace…]}
func (s *server) serveCards(w http.ResponseWriter, r *http.Request) {
	faces, err := s.cardFaces(r.Context())
	if err != nil {
		s.upstreamError(w, r, "listing cards", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cards": faces})
}

func (s *server) cardFaces(ctx context.Context) ([]cardFace, error) {
	colors := map[string]string{}
	if list, err := s.admin.Card.Colors(ctx); err == nil {
		for _, c := range list {
			colors[c.Name] = c.Value
		}
	}
	var ids []string
	for offset := 0; offset < maxDemoCards; offset += 50 {
		page, err := s.admin.Card.List(ctx, offset, 50)
		if err != nil {
			return nil, err
		}
		ids = append(ids, page.CardIDs...)
		if len(page.CardIDs) < 50 || len(ids) >= page.Total {
			break
		}
	}
	faces := make([]cardFace, 0, len(ids))
	for _, id := range ids {
		c, err := s.admin.Card.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		f := faceFromCard(c, colors)
		if f.CardID == "" {
			f.CardID = id
		}
		if f.Status == "CARD_STATUS_DELETE" {
			continue
		}
		faces = append(faces, f)
	}
	return faces, nil
}

// faceFromCard reads what a page draws from card/get's definition.
func faceFromCard(c *admin.Card, colors map[string]string) cardFace {
	bi := c.BaseInfo
	f := cardFace{
		CardID: bi.ID, CardType: string(c.Type), Status: string(bi.Status), BrandName: bi.BrandName, Title: bi.Title,
		SubTitle: bi.SubTitle, Color: bi.Color, LogoURL: bi.LogoURL, Notice: bi.Notice, Description: bi.Description,
		CodeType: string(bi.CodeType), GetLimit: int64(bi.GetLimit),
	}
	if bi.SKU != nil {
		f.Quantity, f.TotalQuantity = bi.SKU.Quantity, bi.SKU.TotalQuantity
	}
	if hex, ok := colors[bi.Color]; ok {
		f.ColorName, f.Color = bi.Color, hex
	} else if !strings.HasPrefix(f.Color, "#") {
		f.ColorName, f.Color = bi.Color, "#5E6671"
	}
	if d := bi.DateInfo; d != nil {
		switch d.Type {
		case "DATE_TYPE_FIX_TIME_RANGE":
			f.Validity = "Valid " + time.Unix(d.BeginTimestamp, 0).Format("2006-01-02") + " – " + time.Unix(d.EndTimestamp, 0).Format("2006-01-02")
		case "DATE_TYPE_FIX_TERM":
			if d.FixedBeginTerm > 0 {
				f.Validity = fmt.Sprintf("Valid %d days, from %d days after adding", d.FixedTerm, d.FixedBeginTerm)
			} else {
				f.Validity = fmt.Sprintf("Valid %d days after adding", d.FixedTerm)
			}
		case "DATE_TYPE_PERMANENT":
			f.Validity = "No expiry"
		}
	}
	return f
}

// POST /demo/api/decrypt {"encrypt_code"} → {"code"}: what wx.chooseCard and
// the card redirect hand a page is encrypted; the merchant's server decrypts.
func (s *server) serveDecrypt(w http.ResponseWriter, r *http.Request) {
	var req struct {
		EncryptCode string `json:"encrypt_code"`
	}
	if !decodeDemo(w, r, &req) {
		return
	}
	if req.EncryptCode == "" {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "encrypt_code is required")
		return
	}
	code, err := s.admin.Code.Decrypt(r.Context(), req.EncryptCode)
	if err != nil {
		s.upstreamError(w, r, "card/code/decrypt", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"code": code})
}

// POST /demo/api/consume {"code","card_id"} → {"card_id","openid"}: the till
// redeeming a code.
func (s *server) serveConsume(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code   string `json:"code"`
		CardID string `json:"card_id"`
	}
	if !decodeDemo(w, r, &req) {
		return
	}
	if req.Code == "" {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "code is required")
		return
	}
	res, err := s.admin.Code.Consume(r.Context(), admin.ConsumeCodeRequest{Code: req.Code, CardID: req.CardID})
	if err != nil {
		s.upstreamError(w, r, "card/code/consume", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"card_id": res.CardID, "openid": res.OpenID})
}

// decodeDemo reads a small JSON body of exactly v's shape; it answers the
// error itself.
func decodeDemo(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, standinMaxBody))
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than 8 KiB")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		writeJSONError(w, http.StatusBadRequest, "invalid_json", "the body must be one JSON object of the documented shape")
		return false
	}
	return true
}

// upstreamError answers a failed admin call: WeChat's errcode and errmsg
// when WeChat answered (the admin client keeps secrets out of them), a
// generic message otherwise.
func (s *server) upstreamError(w http.ResponseWriter, r *http.Request, op string, err error) {
	var apiErr *admin.APIError
	if errors.As(err, &apiErr) {
		writeJSONError(w, http.StatusBadGateway, "wechat_error", fmt.Sprintf("%s: WeChat answered errcode %d (%s)", op, apiErr.Code, apiErr.Msg))
		return
	}
	var v *admin.ValidationError
	if errors.As(err, &v) {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	s.log.WarnContext(r.Context(), "upstream call failed", "op", op, "error", err.Error())
	writeJSONError(w, http.StatusBadGateway, "upstream_unavailable", op+": WeChat could not be reached")
}
