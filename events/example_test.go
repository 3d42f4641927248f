package events_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/kv"
)

// A merchant's server URL in safe mode. In production the store is the
// Redis store the tickets use, so that a cluster runs each push once.
func ExampleNewHandler() {
	const (
		token  = "the token set beside the server URL"
		aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		appID  = "wx2c2769f8efd9abc2"
	)
	h, err := events.NewHandler(token, func(ctx context.Context, msg *events.Message) error {
		ev, err := msg.CardEvent()
		if err != nil {
			return nil // not a card event; msg.Fields and msg.Raw still have it all
		}
		switch ev := ev.(type) {
		case *events.UserGetCard:
			fmt.Printf("%s got card %s, code %s, via %q\n", ev.FromUserName, ev.CardID, ev.UserCardCode, ev.OuterStr)
		case *events.UserConsumeCard:
			fmt.Printf("code %s redeemed (%s)\n", ev.UserCardCode, ev.ConsumeSource)
		}
		return nil
	}, events.WithSafeMode(aesKey, appID), events.WithStore(kv.NewMemory()))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/wechat", h)

	// WeChat's side: the emulator seals pushes the same way.
	crypter, err := events.NewCrypter(token, aesKey, appID)
	if err != nil {
		log.Fatal(err)
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	push := `<xml><ToUserName>gh_1</ToUserName><FromUserName>oUser</FromUserName><CreateTime>` + now +
		`</CreateTime><MsgType>event</MsgType><Event>user_get_card</Event><CardId>pCard</CardId>` +
		`<UserCardCode>226009850808</UserCardCode><OuterStr>spring-mail</OuterStr></xml>`
	for range 2 { // the push and a retry
		sealed, err := crypter.Seal([]byte(push), "gh_1", now, "n1")
		if err != nil {
			log.Fatal(err)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/wechat?"+sealed.Query.Encode(), strings.NewReader(string(sealed.Body))))
		fmt.Println(w.Body.String())
	}
	// Output:
	// oUser got card pCard, code 226009850808, via "spring-mail"
	// success
	// success
}

// Opening WeChat's published safe-mode sample.
func ExampleCrypter_Open() {
	c, err := events.NewCrypter("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2")
	if err != nil {
		log.Fatal(err)
	}
	msg, err := c.Open("5d197aaffba7e9b25a30732f161a50dee96bd5fa", "1409735669", "1320562132",
		"hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")
	if err != nil {
		log.Fatal(err)
	}
	parsed, err := events.Parse(msg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(parsed.MsgType, parsed.MsgID, parsed.Field("Content"))
	// Output: text 6054768590064713728 abcdteT
}
