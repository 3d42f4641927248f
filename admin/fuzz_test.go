package admin

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// FuzzDecodeResponse feeds arbitrary bodies to the response decoder: it
// must never panic, and it must classify every body as success, an
// *APIError, an *HTTPError or a *DecodeError.
func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		`{"errcode":0,"errmsg":"ok","card":{"card_type":"GROUPON"}}`,
		`{"errcode":"40001","errmsg":"invalid credential"}`,
		`{"errcode":-1}`, `{"errcode":1e3}`, `{"errcode":"  7 "}`, `{"errcode":null}`,
		`{"errcode":99999999999999999999}`, `<html>`, ``, `[]`, `"x"`, `{"card":[1]}`,
		`{"errcode":0,"card":{"card_type":5}}`, "\xff\xfe",
	} {
		f.Add(seed, 200)
		f.Add(seed, 502)
	}
	c, err := NewClient("wx1234", "secret")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		if status < 100 || status > 999 {
			status = 200
		}
		resp := &wireResponse{statusCode: status, contentType: "application/json"}
		var out cardGetResult
		err := c.decode("card/get", resp, []byte(body), jsonInto(&out))
		if err == nil {
			return
		}
		var (
			ae *APIError
			he *HTTPError
			de *DecodeError
		)
		if !errors.As(err, &ae) && !errors.As(err, &he) && !errors.As(err, &de) {
			t.Fatalf("unclassified error %T: %v", err, err)
		}
		if ae != nil && ae.Code == 0 {
			t.Fatalf("APIError with code 0 for %q", body)
		}
	})
}

// FuzzRedactURL: whatever the input, no sensitive parameter survives
// redaction with its value.
func FuzzRedactURL(f *testing.F) {
	for _, seed := range []string{
		"https://api.weixin.qq.com/card/get?access_token=abc",
		"https://x/cgi-bin/token?appid=a&secret=s&grant_type=client_credential",
		"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQ%3D%3D",
		"http://[::1%zz/p?access_token=abc", "?ticket=1;secret=2", "https://x/?ACCESS_TOKEN=1&access_token=2&access_token=3",
		"https://u:p@x/#access_token=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := redactURL(raw)
		u, err := url.Parse(out)
		if err != nil {
			return
		}
		if _, hasPassword := u.User.Password(); hasPassword {
			t.Fatalf("password kept: %q", out)
		}
		for _, seg := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
			k, v, _ := strings.Cut(seg, "=")
			if isSensitiveParam(k) && v != "REDACTED" {
				t.Fatalf("%s=%q survived in %q (from %q)", k, v, out, raw)
			}
		}
	})
}
