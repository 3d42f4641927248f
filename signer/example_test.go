package signer_test

import (
	"fmt"
	"time"

	"github.com/wxcard/wxcard/signer"
)

// A fixed clock and nonce make the examples reproducible; in production
// leave both out and the Signer uses time.Now and crypto/rand.
func exampleSigner() *signer.Signer {
	s, err := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(1414587457, 0) }),
		signer.WithNonceSource(func() (string, error) { return "Wm3WZYTPz0wzccnW", nil }),
	)
	if err != nil {
		panic(err)
	}
	return s
}

func ExampleCardExtSignature() {
	// WeChat's own example (JS-SDK documentation, appendix 4); openid is absent.
	fmt.Println(signer.CardExtSignature("ojZ8YtyVyr30HheH3CM73y7h4jJE", 1404896688, "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1434008071", "", "123"))
	// Output: f137ab68b7f8112d20ee528ab6074564e2796250
}

func ExampleJSSDKSignature() {
	// The #fragment is not signed.
	fmt.Println(signer.JSSDKSignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#xxxx"))
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

func ExampleSigner_AddCard() {
	s := exampleSigner()
	apiTicket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg" // getticket?type=wx_card
	list, err := s.AddCard(apiTicket, []signer.Card{{CardID: "random_card_id", Code: "random_code"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The JSON to hand to wx.addCard({cardList: …}).
	fmt.Println(string(list.AppendJSON(nil)))
	// Output: [{"cardId":"random_card_id","cardExt":"{\"code\":\"random_code\",\"timestamp\":\"1414587457\",\"nonce_str\":\"Wm3WZYTPz0wzccnW\",\"signature\":\"2e9c6d12952246e071717d7baeab20c30420b5cd\"}"}]
}

func ExampleSigner_AddCard_validation() {
	_, err := exampleSigner().AddCard("ticket", []signer.Card{{CardID: "p1"}, {Code: "123"}})
	fmt.Println(err)
	// Output: signer: invalid cards[1].card_id: is required
}

func ExampleSigner_ChooseCard() {
	p, err := exampleSigner().ChooseCard("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		signer.ChooseCardRequest{AppID: "123456", CardType: "GROUPON"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(p.AppendJSON(nil)))
	// Output: {"shopId":"","cardType":"GROUPON","cardId":"","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signType":"SHA1","cardSign":"c47b1fb500eb35d8f2f9b9375b4491089df953e2"}
}

func ExampleSigner_JSConfig() {
	cfg, err := exampleSigner().JSConfig("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", // getticket?type=jsapi
		signer.JSConfigRequest{AppID: "wx0123456789abcdef", URL: "http://mp.weixin.qq.com?params=value", JSAPIList: []string{"addCard"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(cfg.AppendJSON(nil)))
	// Output: {"appId":"wx0123456789abcdef","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed","jsApiList":["addCard"]}
}

func ExampleVerifyCardExt() {
	ticket := "ojZ8YtyVyr30HheH3CM73y7h4jJE"
	// A cardExt signed with a millisecond timestamp by mistake.
	ext := signer.SignCardExt(ticket, 1404896688000, "123", signer.Card{CardID: "pjZ8Yt1XGILfi-FUsewpnnolGgZk"})
	v, err := signer.VerifyCardExt(ticket, "pjZ8Yt1XGILfi-FUsewpnnolGgZk", ext.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range v.Problems {
		fmt.Println(p.Code+":", p.Message)
	}
	// Output: timestamp_milliseconds: the timestamp is in milliseconds; WeChat signs seconds
}

func ExampleParsedCardExt_SignedBy() {
	ticket := "ojZ8YtyVyr30HheH3CM73y7h4jJE"
	cardID := "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
	ext := signer.SignCardExt(ticket, 1404896688, "123", signer.Card{CardID: cardID})
	parsed, err := signer.ParseCardExt(ext.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parsed.SignedBy(ticket, cardID), parsed.SignedBy("a-jsapi-ticket-by-mistake", cardID))
	// Output: true false
}

func ExampleValidateCards() {
	// Check the cards before fetching the api_ticket: a bad request then
	// costs no call to WeChat, and the cards are not checked a second time.
	_, err := signer.ValidateCards([]signer.Card{{CardID: "p1"}, {Code: "1434008071"}})
	fmt.Println(err)

	valid, err := signer.ValidateCards([]signer.Card{{CardID: "random_card_id"}})
	if err != nil {
		panic(err)
	}
	apiTicket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg" // getticket?type=wx_card
	list, err := exampleSigner().AddValidCards(apiTicket, valid)
	if err != nil {
		panic(err)
	}
	fmt.Println(list[0].CardID, len(list))
	// Output:
	// signer: invalid cards[1].card_id: is required
	// random_card_id 1
}

func ExampleVerifyJSConfig() {
	jsapiTicket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg" // getticket?type=jsapi
	// The server signed the page URL with its #fragment.
	res, err := signer.VerifyJSConfig(jsapiTicket, "", signer.JSConfigCheck{
		URL:       "http://mp.weixin.qq.com?params=value#xxxx",
		Timestamp: "1414587457",
		NonceStr:  "Wm3WZYTPz0wzccnW",
		Signature: signer.SortedSHA1("jsapi_ticket=" + jsapiTicket + "&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value#xxxx"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Valid, res.Problems[0].Code)
	// Output: false url_fragment
}

func ExampleVerifyChooseCard() {
	apiTicket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg" // getticket?type=wx_card
	res, err := signer.VerifyChooseCard(apiTicket, "", signer.ChooseCardCheck{
		AppID: "123456", CardType: "GROUPON", Timestamp: "1414587457", NonceStr: "Wm3WZYTPz0wzccnW",
		SignType: "SHA1", CardSign: "c47b1fb500eb35d8f2f9b9375b4491089df953e2",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Valid, len(res.Problems))
	// Output: true 0
}
