package app_test

import (
	"fmt"

	"github.com/wxcard/wxcard/edge/worker/app"
)

func ExampleLoadSettings() {
	vars := map[string]string{
		"WXCARD_APPID":           "wx1234567890abcdef",
		"WXCARD_SECRET":          "from wrangler secret put",
		"WXCARD_ALLOWED_ORIGINS": "https://shop.example.com, https://m.shop.example.com",
		"WXCARD_PUBLIC_CARD_IDS": "pFS7Fjg8kV1IdDz01r4SQwMkuCKc",
	}
	s, err := app.LoadSettings(func(name string) string { return vars[name] })
	fmt.Println(s.AppID, s.AllowedOrigins, err)

	_, err = app.LoadSettings(func(name string) string { return "" })
	fmt.Println(err)
	// Output:
	// wx1234567890abcdef [https://shop.example.com https://m.shop.example.com] <nil>
	// worker misconfigured: WXCARD_APPID is not set
}
