package signer_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/vectors"
	"github.com/wxcard/wxcard/signer"
)

func loadVectors(t *testing.T) vectors.File {
	t.Helper()
	v, err := vectors.Load("testdata/signatures.json")
	require.NoError(t, err)
	return v
}

func TestVectorsCardExt(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).CardExt {
		t.Run(v.Source, func(t *testing.T) {
			// The generic rule covers every vector, including the one whose
			// "timestamp" is not a number.
			got := signer.SortedSHA1(v.APITicket, v.Timestamp, v.CardID, v.Code, v.OpenID, v.NonceStr)
			assert.Equal(t, v.Signature, got)

			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			if err != nil {
				return
			}
			assert.Equal(t, v.Signature, signer.CardExtSignature(v.APITicket, ts, v.CardID, v.Code, v.OpenID, v.NonceStr))
			assert.Equal(t, v.Signature, string(signer.AppendCardExtSignature(nil, v.APITicket, ts, v.CardID, v.Code, v.OpenID, v.NonceStr)))

			ext := signer.SignCardExt(v.APITicket, ts, v.NonceStr, signer.Card{CardID: v.CardID, Code: v.Code, OpenID: v.OpenID})
			check, err := signer.VerifyCardExt(v.APITicket, v.CardID, ext.String())
			require.NoError(t, err)
			assert.True(t, check.Valid, "%+v", check.Problems)
			assert.Equal(t, v.Signature, check.Expected)
		})
	}
}

func TestVectorsChooseCard(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).ChooseCard {
		t.Run(v.Source, func(t *testing.T) {
			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			require.NoError(t, err)
			assert.Equal(t, v.CardSign, signer.ChooseCardSignature(v.APITicket, v.AppID, v.LocationID, ts, v.NonceStr, v.CardID, v.CardType))
			assert.Equal(t, v.CardSign, signer.SortedSHA1(v.APITicket, v.AppID, v.LocationID, v.Timestamp, v.NonceStr, v.CardID, v.CardType))
		})
	}
}

func TestVectorsJSSDK(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).JSSDK {
		t.Run(v.Source, func(t *testing.T) {
			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			require.NoError(t, err)
			assert.Equal(t, v.Signature, signer.JSSDKSignature(v.JSAPITicket, v.NonceStr, ts, v.URL))
		})
	}
}

// TestVectorsNegative feeds the classic mistakes through every entry point
// and asserts the known wrong digests never come out.
func TestVectorsNegative(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t)
	wrong := map[string]map[string]bool{}
	for _, n := range vs.Negative {
		if wrong[n.Kind] == nil {
			wrong[n.Kind] = map[string]bool{}
		}
		wrong[n.Kind][n.WrongSignature] = true
	}
	require.Len(t, wrong, 2)

	doc := vs.CardExt[0] // the documentation example; its openid is absent
	ts, err := strconv.ParseInt(doc.Timestamp, 10, 64)
	require.NoError(t, err)
	s, err := signer.New(signer.WithClock(fixedClock(ts)), signer.WithNonceSource(func() (string, error) { return doc.NonceStr, nil }))
	require.NoError(t, err)
	list, err := s.AddCard(doc.APITicket, []signer.Card{{CardID: doc.CardID, Code: doc.Code}})
	require.NoError(t, err)
	check, err := signer.VerifyCardExt(doc.APITicket, doc.CardID, list[0].CardExt)
	require.NoError(t, err)
	for _, sig := range []string{
		check.Signature,
		signer.CardExtSignature(doc.APITicket, ts, doc.CardID, doc.Code, "", doc.NonceStr),
	} {
		assert.Equal(t, doc.Signature, sig)
		assert.False(t, wrong["card_ext"][sig], "produced the known-wrong digest %s", sig)
	}
	assert.NotContains(t, list[0].CardExt, "null")
	assert.NotContains(t, list[0].CardExt, "openid")

	// The mistake itself, reproduced, must be caught by the verifier.
	bad := signer.SortedSHA1(doc.APITicket, doc.Timestamp, doc.CardID, doc.Code, "null", doc.NonceStr)
	require.True(t, wrong["card_ext"][bad], "the negative vector describes the text-null mistake")
	tampered := `{"code":"` + doc.Code + `","openid":"null","timestamp":"` + doc.Timestamp + `","nonce_str":"` + doc.NonceStr + `","signature":"` + bad + `"}`
	check, err = signer.VerifyCardExt(doc.APITicket, doc.CardID, tampered)
	require.NoError(t, err)
	assert.True(t, check.Valid, "the verifier recomputes with the fields as written")
	assert.Contains(t, problemCodes(check.Problems), signer.ProblemLiteralNull)

	for _, v := range vs.JSSDK {
		ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
		require.NoError(t, err)
		sig := signer.JSSDKSignature(v.JSAPITicket, v.NonceStr, ts, v.URL)
		assert.False(t, wrong["jssdk"][sig], "%s produced the fragment-included digest", v.URL)

		s, err := signer.New(signer.WithClock(fixedClock(ts)), signer.WithNonceSource(func() (string, error) { return v.NonceStr, nil }))
		require.NoError(t, err)
		cfg, err := s.JSConfig(v.JSAPITicket, signer.JSConfigRequest{AppID: "wx0123456789abcdef", URL: v.URL})
		require.NoError(t, err)
		assert.Equal(t, v.Signature, cfg.Signature)
		assert.False(t, wrong["jssdk"][cfg.Signature])
	}
}

func problemCodes(ps []signer.Problem) []string {
	codes := make([]string, len(ps))
	for i, p := range ps {
		codes[i] = p.Code
	}
	return codes
}
