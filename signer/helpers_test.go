package signer_test

import "time"

func fixedClock(unix int64) func() time.Time {
	return func() time.Time { return time.Unix(unix, 0) }
}

// sequenceNonces returns the given nonces in turn, then fails the call.
func sequenceNonces(nonces ...string) func() (string, error) {
	i := 0
	return func() (string, error) {
		if i >= len(nonces) {
			return "", errNoMoreNonces
		}
		i++
		return nonces[i-1], nil
	}
}

type sentinel string

func (s sentinel) Error() string { return string(s) }

const errNoMoreNonces = sentinel("test: no more nonces")
