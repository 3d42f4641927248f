package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// offline starts the emulator in place of api.weixin.qq.com, so these
// examples run without WeChat. Production code calls admin.NewClient with
// the real app id and secret and no WithBaseURL.
func offline() (*admin.Client, *httptest.Server) {
	emu, err := emulator.New(emulator.WithApp("wx0123456789abcdef", "app-secret-0123456789"),
		emulator.WithAutoApprove(true), emulator.WithRandSeed(7))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(emu)
	client, err := admin.NewClient("wx0123456789abcdef", "app-secret-0123456789", admin.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	return client, srv
}

// phoneAddsCards plays the user's phone running wx.addCard(cardList).
func phoneAddsCards(srv *httptest.Server, openID string, list signer.CardList) emulator.WalletResponse {
	body, _ := json.Marshal(map[string]any{"openid": openID, "cardList": list})
	res, err := http.Post(srv.URL+"/emulator/v1/wallet/add", "application/json", bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var out emulator.WalletResponse
	_ = json.NewDecoder(res.Body).Decode(&out)
	return out
}

func couponBaseInfo() admin.BaseInfo {
	return admin.BaseInfo{
		LogoURL:     "http://mmbiz.qpic.cn/mmbiz/logo/0",
		BrandName:   "微信餐厅",
		CodeType:    admin.CodeTypeQRCode,
		Title:       "10元代金券",
		Color:       "Color010",
		Notice:      "使用时向服务员出示此券",
		Description: "不可与其他优惠同享",
		SKU:         &admin.SKU{Quantity: 1000},
		DateInfo:    &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
		GetLimit:    3,
	}
}

// Create a coupon from a typed definition and read it back.
func ExampleCardService_Create() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	cardID, err := client.Card.Create(ctx, admin.CardTypeCash, &admin.Cash{
		BaseInfo:   couponBaseInfo(),
		LeastCost:  10000, // 满 100 元
		ReduceCost: 1000,  // 减 10 元
	})
	if err != nil {
		fmt.Println("create:", err)
		return
	}
	card, err := client.Card.Get(ctx, cardID)
	if err != nil {
		fmt.Println("get:", err)
		return
	}
	var cash admin.Cash
	_ = card.Decode(&cash)
	fmt.Println(card.Type, card.BaseInfo.Title, card.BaseInfo.SKU.Quantity, cash.ReduceCost)
	// Output: CASH 10元代金券 1000 1000
}

// Import custom codes: 250 codes go to WeChat in three calls of at most
// 100, and the answers are merged.
func ExampleCodeService_Deposit() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	bi := couponBaseInfo()
	bi.UseCustomCode = true
	bi.GetCustomCodeMode = "GET_CUSTOM_CODE_MODE_DEPOSIT"
	bi.SKU = &admin.SKU{Quantity: 0} // deposit mode starts empty
	cardID, _ := client.Card.Create(ctx, admin.CardTypeGeneralCoupon, &admin.GeneralCoupon{BaseInfo: bi, DefaultDetail: "满100减10"})

	codes := make([]string, 250)
	for i := range codes {
		codes[i] = fmt.Sprintf("SHOP%06d", i)
	}
	res, err := client.Code.Deposit(ctx, cardID, codes)
	var batchErr *admin.BatchError
	if errors.As(err, &batchErr) {
		// Part went in. Nothing is lost: deposit res.Unconfirmed again later.
		fmt.Println("stopped at call", batchErr.Batch+1, "unconfirmed:", len(res.Unconfirmed))
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	// Depositing does not add stock; do it for what went in.
	if err := client.Card.IncreaseStock(ctx, cardID, len(res.Succeeded)); err != nil {
		fmt.Println(err)
		return
	}
	n, _ := client.Code.DepositedCount(ctx, cardID)
	fmt.Println("stored:", len(res.Succeeded), "duplicates:", len(res.Duplicate), "deposited:", n)
	// Output: stored: 250 duplicates: 0 deposited: 250
}

// Put a card into a user's wallet: the server signs the cardList with
// JSSDK.AddCard and the page passes it to wx.addCard.
func ExampleJSSDKService_AddCard_wallet() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	cardID, _ := client.Card.Create(ctx, admin.CardTypeGeneralCoupon,
		&admin.GeneralCoupon{BaseInfo: couponBaseInfo(), DefaultDetail: "满100减10"})

	cardList, err := client.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID, OpenID: "oUser123"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a browser: wx.addCard({cardList: cardList, success: …}).
	added := phoneAddsCards(srv, "oUser123", cardList)
	fmt.Println(added.ErrMsg)

	wallet, _ := client.Card.UserCards(ctx, admin.UserCardsRequest{OpenID: "oUser123", CardID: cardID})
	fmt.Println("cards in wallet:", len(wallet.Cards))
	// Output:
	// addCard:ok
	// cards in wallet: 1
}

// Consume (核销) a code at the counter. A consume is never retried by the
// client: after a network error, ask Code.Get whether it went through.
func ExampleCodeService_Consume() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	cardID, _ := client.Card.Create(ctx, admin.CardTypeGeneralCoupon,
		&admin.GeneralCoupon{BaseInfo: couponBaseInfo(), DefaultDetail: "满100减10"})
	list, _ := client.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
	code := phoneAddsCards(srv, "oUser123", list).CardList[0].Code

	consume := func() {
		res, err := client.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: code, CardID: cardID})
		var apiErr *admin.APIError
		switch {
		case err == nil:
			fmt.Println("consumed, owner:", res.OpenID)
		case errors.As(err, &apiErr) && apiErr.Code == 40099:
			fmt.Println("already consumed")
		case errors.As(err, &apiErr):
			fmt.Println("refused:", apiErr.Code)
		default: // network: the code may or may not be consumed
			info, gerr := client.Code.Get(ctx, admin.GetCodeRequest{Code: code, CardID: cardID})
			if gerr == nil && info.UserCardStatus == admin.UserCardConsumed {
				fmt.Println("consumed (answer was lost)")
			}
		}
	}
	consume()
	consume()
	// Output:
	// consumed, owner: oUser123
	// already consumed
}

// Activate a member card the user has just received, then add points.
func ExampleMemberCardService_Activate() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	cardID, _ := client.Card.Create(ctx, admin.CardTypeMemberCard, &admin.MemberCard{
		BaseInfo:    couponBaseInfo(),
		Prerogative: "会员享受九折",
		SupplyBonus: true, SupplyBalance: false,
	})
	list, _ := client.JSSDK.AddCard(ctx, []signer.Card{{CardID: cardID}})
	code := phoneAddsCards(srv, "oMember1", list).CardList[0].Code

	err := client.MemberCard.Activate(ctx, admin.ActivateInfo{
		MembershipNumber: "VIP000001",
		Code:             code,
		CardID:           cardID,
		InitBonus:        100,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	add := int64(50)
	res, _ := client.MemberCard.UpdateUser(ctx, admin.UpdateUserInfo{Code: code, CardID: cardID, AddBonus: &add, RecordBonus: "消费送积分"})
	user, _ := client.MemberCard.User(ctx, admin.MemberUserRequest{CardID: cardID, Code: code})
	fmt.Println(user.MembershipNumber, user.HasActive, res.ResultBonus)
	// Output: VIP000001 true 150
}

// A QR code that adds a card when scanned, and the URL of its image.
func ExampleCardService_CreateQRCode() {
	client, srv := offline()
	defer srv.Close()
	ctx := context.Background()

	cardID, _ := client.Card.Create(ctx, admin.CardTypeGeneralCoupon,
		&admin.GeneralCoupon{BaseInfo: couponBaseInfo(), DefaultDetail: "满100减10"})
	qr, err := client.Card.CreateQRCode(ctx, admin.CreateQRCodeRequest{
		Card:          &admin.QRCodeCard{CardID: cardID, OuterStr: "store-door"},
		ExpireSeconds: 1800,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	img, contentType, _ := client.Card.QRCode(ctx, qr.Ticket)
	fmt.Println(qr.ExpireSeconds, contentType, len(img) > 0)
	// Output: 1800 image/png true
}
