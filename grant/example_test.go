package grant_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/wxcard/wxcard/grant"
)

// The merchant's backend mints a grant for one user and one card; the edge
// verifies it with the same key.
func ExampleMint() {
	key := grant.Key{ID: "k2025a", Secret: []byte("0123456789abcdef0123456789abcdef")} // 32 random bytes in production
	now := time.Unix(1750000000, 0)
	tok, err := grant.Mint(key, grant.Claims{
		AppID:  "wx1234567890abcdef",
		CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc",
		OpenID: "oUser-1",
		ID:     "example", // leave empty: Mint draws 128 random bits
	}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := grant.NewVerifier("wx1234567890abcdef", key)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := v.Verify(tok, now.Add(time.Minute))
	fmt.Println(c.CardID, c.OpenID, c.ExpiresAt-now.Unix(), err)

	_, err = v.Verify(tok, now.Add(time.Hour))
	fmt.Println(errors.Is(err, grant.ErrExpired))
	// Output:
	// pFS7Fjg8kV1IdDz01r4SQwMkuCKc oUser-1 300 <nil>
	// true
}

// Keys come from configuration as "id:secret" with a base64url secret; two
// during a rotation.
func ExampleParseKeys() {
	keys, err := grant.ParseKeys("k2025b:ZGtyeYCHjpWco6qxuL_GzdTb4unw9_4FDBMaISgvNj0, k2025a:AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o")
	fmt.Println(len(keys), keys[0], err)

	_, err = grant.ParseKeys("k1:c2hvcnQ")
	fmt.Println(err)
	// Output:
	// 2 grant.Key{ID:"k2025b", Secret:(hidden)} <nil>
	// grant: invalid key: key "k1": the secret has 5 bytes, at least 32 are needed
}
