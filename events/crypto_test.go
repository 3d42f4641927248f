package events

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type msgcryptCase struct {
	EncodingAESKey string `json:"encodingAESKey"`
	Token          string `json:"token"`
	AppID          string `json:"appid"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Encrypt        string `json:"encrypt"`
	MsgSignature   string `json:"msg_signature"`
	Msg            string `json:"msg"`
}

// loadVectors reads WeChat's published WXBizMsgCrypt sample values.
func loadVectors(t testing.TB) []msgcryptCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/msgcrypt.json")
	require.NoError(t, err)
	var file struct {
		Cases []msgcryptCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

func TestCrypterMatchesWeChatSample(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		c, err := NewCrypter(v.Token, v.EncodingAESKey, v.AppID)
		require.NoError(t, err)
		assert.Equal(t, v.MsgSignature, c.MsgSignature(v.Timestamp, v.Nonce, v.Encrypt))

		msg, appID, err := c.Decrypt(v.Encrypt)
		require.NoError(t, err)
		assert.Equal(t, v.Msg, string(msg))
		assert.Equal(t, v.AppID, appID)

		opened, err := c.Open(v.MsgSignature, v.Timestamp, v.Nonce, v.Encrypt)
		require.NoError(t, err)
		assert.Equal(t, v.Msg, string(opened))

		// The sample's ciphertext is reproduced from its own random prefix.
		plain := decryptRaw(t, c, v.Encrypt)
		var prefix [16]byte
		copy(prefix[:], plain)
		assert.Equal(t, v.Encrypt, c.EncryptWithPrefix(prefix, []byte(v.Msg)))
	}
}

// decryptRaw returns the whole CBC plaintext, random prefix included.
func decryptRaw(t *testing.T, c *Crypter, encrypted string) []byte {
	t.Helper()
	data := mustB64(t, encrypted)
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(data, data)
	return data
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestCrypterRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := NewCrypter("tok", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx0123456789abcdef")
	require.NoError(t, err)
	for _, n := range []int{0, 1, 11, 12, 31, 32, 33, 1000} {
		msg := []byte(strings.Repeat("x", n))
		enc, err := c.Encrypt(msg)
		require.NoError(t, err)
		got, appID, err := c.Decrypt(enc)
		require.NoError(t, err, n)
		assert.Equal(t, msg, got)
		assert.Equal(t, "wx0123456789abcdef", appID)
		assert.Zero(t, len(mustB64(t, enc))%32, "padded to 32-byte blocks")
	}
	a, _ := c.Encrypt([]byte("same"))
	b, _ := c.Encrypt([]byte("same"))
	assert.NotEqual(t, a, b, "a fresh random prefix each time")
}

func TestNewCrypterRefusesBadKeys(t *testing.T) {
	t.Parallel()
	const good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tests := map[string][3]string{
		"short key":    {"tok", good[:42], "wx1"},
		"long key":     {"tok", good + "H", "wx1"},
		"not base64":   {"tok", "!" + good[1:], "wx1"},
		"empty token":  {"", good, "wx1"},
		"empty app id": {"tok", good, ""},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewCrypter(args[0], args[1], args[2])
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.NotContains(t, err.Error(), args[1][1:10], "the key is never echoed")
		})
	}
}

func TestOpenRefusals(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)[0]
	c, err := NewCrypter(v.Token, v.EncodingAESKey, v.AppID)
	require.NoError(t, err)
	other, err := NewCrypter(v.Token, v.EncodingAESKey, "wxsomeoneelse")
	require.NoError(t, err)
	sealedForOther, err := other.Encrypt([]byte(v.Msg))
	require.NoError(t, err)
	flipped := []byte(v.Encrypt)
	flipped[10] ^= 1

	tests := []struct {
		name                 string
		sig, ts, nonce, text string
		want                 error
	}{
		{"wrong signature", strings.Repeat("0", 40), v.Timestamp, v.Nonce, v.Encrypt, ErrSignature},
		{"other timestamp", v.MsgSignature, "1409735670", v.Nonce, v.Encrypt, ErrSignature},
		{"tampered ciphertext", v.MsgSignature, v.Timestamp, v.Nonce, string(flipped), ErrSignature},
		{"not base64", c.MsgSignature(v.Timestamp, v.Nonce, "%%%"), v.Timestamp, v.Nonce, "%%%", ErrDecrypt},
		{"short", c.MsgSignature(v.Timestamp, v.Nonce, "AAAA"), v.Timestamp, v.Nonce, "AAAA", ErrDecrypt},
		{"other app id", c.MsgSignature(v.Timestamp, v.Nonce, sealedForOther), v.Timestamp, v.Nonce, sealedForOther, ErrAppID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Open(tt.sig, tt.ts, tt.nonce, tt.text)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	upper := strings.ToUpper(v.MsgSignature)
	_, err = c.Open(upper, v.Timestamp, v.Nonce, v.Encrypt)
	assert.NoError(t, err, "hex case does not matter")
}

func TestSealIsWhatTheHandlerOpens(t *testing.T) {
	t.Parallel()
	c, err := NewCrypter("tok", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")
	require.NoError(t, err)
	sealed, err := c.Seal([]byte("<xml/>"), "gh_]]>x", "1700000000", "n1")
	require.NoError(t, err)
	fields, err := parseFields(sealed.Body)
	require.NoError(t, err)
	assert.Equal(t, "gh_]]>x", fields["ToUserName"], "CDATA cannot be ended early")
	got, err := c.Open(sealed.Query.Get("msg_signature"), "1700000000", "n1", fields["Encrypt"])
	require.NoError(t, err)
	assert.Equal(t, "<xml/>", string(got))
	assert.Equal(t, Signature("tok", "1700000000", "n1"), sealed.Query.Get("signature"))
	assert.Equal(t, "aes", sealed.Query.Get("encrypt_type"))
}

func TestSignatureSortsItsValues(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)[0]
	assert.Equal(t, v.MsgSignature, Signature(v.Encrypt, v.Nonce, v.Timestamp, v.Token))
	assert.Equal(t, Signature("a", "b"), Signature("b", "a"))
}
