package signer_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/wxcard/wxcard/signer"
)

// The verifier fuzz targets check that nothing panics on any input, that a
// rejected input is a *ValidationError, and that Valid never disagrees with
// recomputing the signature directly.

func FuzzVerifyJSConfig(f *testing.F) {
	f.Add(testTicket, "", testPage+"#x", strconv.Itoa(testTime), "nonce", signer.JSSDKSignature(testTicket, "nonce", testTime, testPage))
	f.Add("t", "c", "http://h/%zz", "+1", "null", "ABC")
	f.Add("t", "", "https://h/卡", "1414587457000", "", "")
	f.Fuzz(func(t *testing.T, ticket, cardTicket, pageURL, ts, nonce, sig string) {
		res, err := signer.VerifyJSConfig(ticket, cardTicket, signer.JSConfigCheck{URL: pageURL, Timestamp: ts, NonceStr: nonce, Signature: sig})
		if err != nil {
			requireValidationError(t, err)
			return
		}
		if res.Valid {
			n, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || signer.JSSDKSignature(ticket, nonce, n, pageURL) != sig {
				t.Fatalf("valid but the signature does not recompute: %+v", res)
			}
		}
	})
}

func FuzzVerifyChooseCard(f *testing.F) {
	f.Add(testTicket, "", testAppID, "", "GROUPON", "", strconv.Itoa(testTime), "nonce", "SHA1",
		signer.ChooseCardSignature(testTicket, testAppID, "", testTime, "nonce", "", "GROUPON"))
	f.Add("t", "j", "a", "null", "undefined", "None", "007", "n", "md5", "X")
	f.Fuzz(func(t *testing.T, ticket, jsapiTicket, appID, shopID, cardType, cardID, ts, nonce, signType, sign string) {
		res, err := signer.VerifyChooseCard(ticket, jsapiTicket, signer.ChooseCardCheck{
			AppID: appID, ShopID: shopID, CardType: cardType, CardID: cardID, Timestamp: ts, NonceStr: nonce, SignType: signType, CardSign: sign,
		})
		if err != nil {
			requireValidationError(t, err)
			return
		}
		if res.Valid {
			n, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || signer.ChooseCardSignature(ticket, appID, shopID, n, nonce, cardID, cardType) != sign {
				t.Fatalf("valid but the signature does not recompute: %+v", res)
			}
		}
	})
}

func requireValidationError(t *testing.T, err error) {
	t.Helper()
	var ve *signer.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is not a *ValidationError: %v", err)
	}
}
