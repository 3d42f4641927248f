package main

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/signer"
)

// diffCase is one request of the differential set shared by the wazero test
// and js/test (through the file TestDifferential writes).
type diffCase struct {
	Op       string          `json:"op"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// opNames maps the export suffixes to ops; the JS package uses the same names.
var opNames = map[string]op{
	"card_ext":           opCardExt,
	"add_card":           opAddCard,
	"choose_card":        opChooseCard,
	"js_config":          opJSConfig,
	"sorted_sha1":        opSortedSHA1,
	"verify_card_ext":    opVerifyCardExt,
	"verify_js_config":   opVerifyJSConfig,
	"verify_choose_card": opVerifyChooseCard,
}

// caseGen makes random requests from a fixed seed. Most are valid; about
// one in eight breaks a rule (a ms timestamp, a control character, a text
// "null", an empty card id) so error answers are compared as well.
type caseGen struct{ r *rand.Rand }

func newCaseGen(seed uint64) *caseGen {
	return &caseGen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *caseGen) word(minLen, maxLen int) string {
	n := minLen + g.r.IntN(maxLen-minLen+1)
	var b strings.Builder
	for range n {
		switch g.r.IntN(40) {
		case 0:
			b.WriteString("卡券")
		case 1:
			b.WriteString("-_")
		case 2:
			b.WriteString("é")
		default:
			b.WriteByte(alnum[g.r.IntN(len(alnum))])
		}
	}
	return b.String()
}

func (g *caseGen) nonce() string {
	n := 1 + g.r.IntN(32)
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.r.IntN(len(alnum))]
	}
	return string(b)
}

func (g *caseGen) timestamp() any {
	ts := int64(1_000_000_000 + g.r.IntN(900_000_000))
	if g.r.IntN(16) == 0 {
		ts *= 1000 // milliseconds: rejected
	}
	if g.r.IntN(2) == 0 {
		return strconv.FormatInt(ts, 10)
	}
	return ts
}

// optional returns "" (left out) half of the time.
func (g *caseGen) optional(minLen, maxLen int) string {
	if g.r.IntN(2) == 0 {
		return ""
	}
	return g.word(minLen, maxLen)
}

func (g *caseGen) breakOne(m map[string]any, keys ...string) {
	if g.r.IntN(8) != 0 {
		return
	}
	k := keys[g.r.IntN(len(keys))]
	switch g.r.IntN(4) {
	case 0:
		m[k] = ""
	case 1:
		m[k] = "bad\x01value"
	case 2:
		m[k] = nil
	default:
		m[k] = 42
	}
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func (g *caseGen) card() map[string]any {
	c := map[string]any{"card_id": "p" + g.word(10, 40)}
	setIf(c, "code", g.optional(1, 30))
	setIf(c, "openid", g.optional(10, 40))
	setIf(c, "outer_str", g.optional(1, 20))
	if g.r.IntN(5) == 0 {
		c["balance"] = g.r.IntN(100000)
	}
	if g.r.IntN(5) == 0 {
		c["fixed_begintimestamp"] = 1_500_000_000 + g.r.IntN(100_000_000)
	}
	return c
}

// next returns one random request.
func (g *caseGen) next() (string, []byte) {
	ticket := g.word(20, 100)
	var name string
	var req map[string]any
	switch g.r.IntN(9) {
	case 0, 1:
		name = "card_ext"
		req = g.card()
		req["api_ticket"] = ticket
		req["timestamp"] = g.timestamp()
		req["nonce_str"] = g.nonce()
		g.breakOne(req, "card_id", "api_ticket", "code", "nonce_str")
	case 2:
		name = "add_card"
		n := 1 + g.r.IntN(4)
		cards := make([]any, n)
		nonces := make([]any, n)
		for i := range cards {
			cards[i] = g.card()
			nonces[i] = g.nonce()
		}
		req = map[string]any{"api_ticket": ticket, "cards": cards, "timestamp": g.timestamp(), "nonces": nonces}
		g.breakOne(cards[0].(map[string]any), "card_id", "openid")
	case 3:
		name = "choose_card"
		req = map[string]any{"api_ticket": ticket, "app_id": "wx" + g.word(16, 16), "timestamp": g.timestamp(), "nonce_str": g.nonce()}
		setIf(req, "shop_id", g.optional(1, 10))
		setIf(req, "card_type", g.optional(5, 12))
		setIf(req, "card_id", g.optional(20, 30))
		g.breakOne(req, "app_id", "shop_id")
	case 4:
		name = "js_config"
		url := "https://" + g.word(3, 12) + ".example.com/" + g.word(0, 20) + "?q=" + g.word(0, 10)
		if g.r.IntN(3) == 0 {
			url += "#" + g.word(0, 10)
		}
		req = map[string]any{"jsapi_ticket": ticket, "app_id": "wx" + g.word(16, 16), "url": url, "timestamp": g.timestamp(), "nonce_str": g.nonce()}
		if g.r.IntN(3) == 0 {
			req["page_url"] = "https://" + g.word(3, 12) + ".example.com/"
		}
		if g.r.IntN(2) == 0 {
			req["jsApiList"] = []string{"addCard", "chooseCard"}
		}
		g.breakOne(req, "url", "app_id")
	case 5:
		name = "verify_card_ext"
		cardID := "p" + g.word(10, 30)
		ts := int64(1_000_000_000 + g.r.IntN(900_000_000))
		signed := signer.SignCardExt(ticket, ts, g.nonce(), signer.Card{CardID: cardID, Code: g.optional(1, 20), OpenID: g.optional(5, 30)})
		ext := signed.String()
		switch g.r.IntN(6) {
		case 0:
			ext = strings.Replace(ext, `"timestamp":"`, `"timestamp":"9`, 1)
		case 1:
			ext = strings.Replace(ext, `{`, `{"openid":"null",`, 1)
		case 2:
			cardID += "x"
		}
		req = map[string]any{"api_ticket": ticket, "card_id": cardID, "card_ext": ext}
	case 6:
		name = "verify_js_config"
		page := "https://" + g.word(3, 12) + ".example.com/" + g.word(0, 20)
		ts := int64(1_000_000_000 + g.r.IntN(900_000_000))
		nonce := g.nonce()
		signed := page
		switch g.r.IntN(4) {
		case 0:
			page += "#" + g.word(0, 10)
			signed = page // the fragment signed
		case 1:
			ts *= 1000
		}
		sig := signer.JSSDKSignature(ticket, nonce, ts, signed)
		if signed != signer.StripFragment(signed) {
			sig = signer.SortedSHA1("jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + signed)
		}
		req = map[string]any{"jsapi_ticket": ticket, "url": page, "timestamp": ts, "nonce_str": nonce, "signature": sig}
	case 7:
		name = "verify_choose_card"
		appID := "wx" + g.word(16, 16)
		ts := int64(1_000_000_000 + g.r.IntN(900_000_000))
		nonce, cardType := g.nonce(), g.optional(5, 12)
		req = map[string]any{"api_ticket": ticket, "app_id": appID, "card_type": cardType, "timestamp": strconv.FormatInt(ts, 10), "nonce_str": nonce,
			"sign_type": "SHA1", "card_sign": signer.ChooseCardSignature(ticket, appID, "", ts, nonce, "", cardType)}
		g.breakOne(req, "card_type", "nonce_str", "app_id")
	default:
		name = "sorted_sha1"
		n := g.r.IntN(9)
		values := make([]string, n)
		for i := range values {
			values[i] = g.optional(0, 60)
		}
		req = map[string]any{"values": values}
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err) // only maps of strings, numbers and slices: cannot fail
	}
	return name, b
}
