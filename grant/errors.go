package grant

import "errors"

// Every error Mint, Verifier.Verify, NewVerifier and ParseKeys return matches
// exactly one of these with errors.Is. Messages name the rule that failed,
// never a key's secret or a grant's MAC.
var (
	// ErrMalformed: not a grant (length, shape, base64, JSON, canonical form).
	ErrMalformed = errors.New("grant: malformed")
	// ErrInvalidClaims: a claim is missing, too long, out of range, or the
	// grant lives longer than MaxLifetime.
	ErrInvalidClaims = errors.New("grant: invalid claims")
	// ErrUnknownKey: the grant names a key the verifier does not hold.
	ErrUnknownKey = errors.New("grant: unknown key")
	// ErrBadMAC: the MAC does not match; the grant was altered or signed with
	// another secret.
	ErrBadMAC = errors.New("grant: bad MAC")
	// ErrExpired: the grant's exp has passed.
	ErrExpired = errors.New("grant: expired")
	// ErrNotYetValid: the grant's nbf or iat is in the future.
	ErrNotYetValid = errors.New("grant: not yet valid")
	// ErrWrongApp: the grant is for another official account.
	ErrWrongApp = errors.New("grant: for another app")
	// ErrInvalidKey: a Key that cannot sign (short secret, bad id), or a
	// key list that cannot be parsed.
	ErrInvalidKey = errors.New("grant: invalid key")
)
