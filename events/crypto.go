package events

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// EncodingAESKeyLen is the length of the EncodingAESKey WeChat's console
// shows: 43 base64 characters, 32 bytes once decoded.
const EncodingAESKeyLen = 43

// blockPad is the block size WeChat pads to: 32 bytes, not AES's 16, so a
// PKCS#7 pad byte runs from 1 to 32.
const blockPad = 32

// randomPrefixLen and lengthLen frame the plaintext: 16 random bytes, a
// 4-byte big-endian message length, the message, then the app id.
const (
	randomPrefixLen = 16
	lengthLen       = 4
)

// Signature is WeChat's push signature: the lowercase hex SHA-1 of the
// values sorted as byte strings and joined with nothing between them. The
// server URL check and plaintext pushes sign (token, timestamp, nonce); safe
// mode's msg_signature adds the Encrypt text as a fourth value.
func Signature(values ...string) string {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	h := sha1.New()
	for _, v := range sorted {
		io.WriteString(h, v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// signatureEqual compares in constant time, so that a forger learns nothing
// from how long a refusal takes.
func signatureEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// Crypter encrypts, decrypts and signs safe-mode messages for one account.
// It is immutable and safe for concurrent use.
type Crypter struct {
	token string
	appID string
	key   []byte
	block cipher.Block
}

// NewCrypter checks the account's token, 43-character EncodingAESKey and
// app id, and returns the Crypter that seals and opens its messages.
func NewCrypter(token, encodingAESKey, appID string) (*Crypter, error) {
	if token == "" {
		return nil, invalidArg("token is empty")
	}
	if appID == "" {
		return nil, invalidArg("app id is empty")
	}
	key, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil { // unreachable with a 32-byte key; kept so nothing panics
		return nil, fmt.Errorf("events: aes: %w", err)
	}
	return &Crypter{token: token, appID: appID, key: key, block: block}, nil
}

func decodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != EncodingAESKeyLen {
		// The key's length is not secret; the key is.
		return nil, invalidArg(fmt.Sprintf("EncodingAESKey must be %d characters, got %d", EncodingAESKeyLen, len(encodingAESKey)))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, invalidArg("EncodingAESKey is not base64")
	}
	return key, nil
}

// AppID returns the app id the Crypter seals with and expects.
func (c *Crypter) AppID() string { return c.appID }

// MsgSignature returns safe mode's msg_signature for an Encrypt text.
func (c *Crypter) MsgSignature(timestamp, nonce, encrypted string) string {
	return Signature(c.token, timestamp, nonce, encrypted)
}

// Encrypt seals msg as WeChat does, with 16 bytes from crypto/rand in front,
// and returns the base64 text that goes in the <Encrypt> element.
func (c *Crypter) Encrypt(msg []byte) (string, error) {
	var random [randomPrefixLen]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("events: random prefix: %w", err)
	}
	return c.EncryptWithPrefix(random, msg), nil
}

// EncryptWithPrefix is Encrypt with the 16 "random" bytes given, so that
// tests and golden files can reproduce a ciphertext exactly.
func (c *Crypter) EncryptWithPrefix(random [randomPrefixLen]byte, msg []byte) string {
	n := randomPrefixLen + lengthLen + len(msg) + len(c.appID)
	pad := blockPad - n%blockPad
	plain := make([]byte, 0, n+pad)
	plain = append(plain, random[:]...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.appID...)
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain)
}

// Decrypt opens an <Encrypt> text and returns the message and the app id it
// was sealed for. It does not compare the app id: Open does. Every failure
// matches [ErrDecrypt]; none says which byte was wrong.
func (c *Crypter) Decrypt(encrypted string) (msg []byte, appID string, err error) {
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, "", decryptErr("not base64")
	}
	if len(data) < blockPad || len(data)%aes.BlockSize != 0 {
		return nil, "", decryptErr("ciphertext length is not a whole number of blocks")
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(data, data)
	pad := int(data[len(data)-1])
	if pad < 1 || pad > blockPad || pad > len(data) {
		return nil, "", decryptErr("bad padding")
	}
	for _, b := range data[len(data)-pad:] {
		if int(b) != pad {
			return nil, "", decryptErr("bad padding")
		}
	}
	data = data[:len(data)-pad]
	if len(data) < randomPrefixLen+lengthLen {
		return nil, "", decryptErr("too short")
	}
	msgLen := binary.BigEndian.Uint32(data[randomPrefixLen:])
	rest := data[randomPrefixLen+lengthLen:]
	if uint64(msgLen) > uint64(len(rest)) {
		return nil, "", decryptErr("length prefix runs past the end")
	}
	return rest[:msgLen], string(rest[msgLen:]), nil
}

// Open checks msg_signature over (token, timestamp, nonce, encrypted),
// decrypts, and checks that the message was sealed for this Crypter's app
// id. The errors match [ErrSignature], [ErrDecrypt] or [ErrAppID].
func (c *Crypter) Open(msgSignature, timestamp, nonce, encrypted string) ([]byte, error) {
	if !signatureEqual(msgSignature, c.MsgSignature(timestamp, nonce, encrypted)) {
		return nil, &Error{Code: CodeBadSignature, Msg: "msg_signature does not match", err: ErrSignature}
	}
	msg, appID, err := c.Decrypt(encrypted)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(appID), []byte(c.appID)) != 1 {
		return nil, &Error{Code: CodeWrongAppID, Msg: "message was sealed for another app id", err: ErrAppID}
	}
	return msg, nil
}

// Sealed is a safe-mode push as WeChat sends it: the XML body and the query
// parameters of the POST to the server URL.
type Sealed struct {
	Body  []byte
	Query url.Values
}

// Seal encrypts msg and signs it the way WeChat pushes to a server URL in
// safe mode: the body is <xml><ToUserName/><Encrypt/></xml> and the query
// carries signature, timestamp, nonce, encrypt_type=aes and msg_signature.
// toUserName is the account's original id (gh_…); it may be empty.
func (c *Crypter) Seal(msg []byte, toUserName, timestamp, nonce string) (*Sealed, error) {
	encrypted, err := c.Encrypt(msg)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<xml><ToUserName>")
	writeCDATA(&b, toUserName)
	b.WriteString("</ToUserName><Encrypt>")
	writeCDATA(&b, encrypted)
	b.WriteString("</Encrypt></xml>")
	q := url.Values{}
	q.Set("signature", Signature(c.token, timestamp, nonce))
	q.Set("timestamp", timestamp)
	q.Set("nonce", nonce)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", c.MsgSignature(timestamp, nonce, encrypted))
	return &Sealed{Body: b.Bytes(), Query: q}, nil
}

// PlainQuery returns the query parameters of a plaintext push (or of the
// server URL check, with echostr added): signature, timestamp and nonce.
func PlainQuery(token, timestamp, nonce string) url.Values {
	q := url.Values{}
	q.Set("signature", Signature(token, timestamp, nonce))
	q.Set("timestamp", timestamp)
	q.Set("nonce", nonce)
	return q
}

// writeCDATA writes s as CDATA, splitting any "]]>" inside it across two
// sections so that no value can end the section early.
func writeCDATA(b *bytes.Buffer, s string) {
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}
