package signer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

func TestValidateCardsRejectsWithFieldAndReason(t *testing.T) {
	t.Parallel()
	negative := int64(-1)
	tooMany := make([]signer.Card, signer.MaxCardsPerAddCard+1)
	for i := range tooMany {
		tooMany[i] = signer.Card{CardID: testCardID}
	}
	for _, tc := range []struct {
		name   string
		cards  []signer.Card
		field  string
		reason string
	}{
		{"nil", nil, "cards", "is empty"},
		{"empty", []signer.Card{}, "cards", "is empty"},
		{"too many", tooMany, "cards", "has more than 50 cards"},
		{"missing card id", []signer.Card{{CardID: testCardID}, {Code: "1"}}, "cards[1].card_id", signer.ReasonRequired},
		{"long card id", []signer.Card{{CardID: strings.Repeat("c", signer.MaxCardIDLen+1)}}, "cards[0].card_id", "is longer than 64 bytes"},
		{"control character", []signer.Card{{CardID: testCardID, Code: "a\x01"}}, "cards[0].code", "contains a control character"},
		{"negative balance", []signer.Card{{CardID: testCardID, Balance: &negative}}, "cards[0].balance", "is negative"},
		{"millisecond begin", []signer.Card{{CardID: testCardID, FixedBeginTimestamp: 1750000000000}}, "cards[0].fixed_begintimestamp", "looks like milliseconds; WeChat signs seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			valid, err := signer.ValidateCards(tc.cards)
			var ve *signer.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.Equal(t, tc.reason, ve.Reason)
			assert.True(t, errors.Is(err, signer.ErrInvalidInput))
			assert.Zero(t, valid.Len())

			// AddCard rejects the same list with the same error: there is one validation.
			_, addErr := newTestSigner(t, "n1").AddCard(testTicket, tc.cards)
			assert.Equal(t, err, addErr)
		})
	}
}

func TestAddValidCardsSignsWhatWasValidated(t *testing.T) {
	t.Parallel()
	cards := []signer.Card{{CardID: testCardID, Code: "1434008071"}, {CardID: "p2"}}
	valid, err := signer.ValidateCards(cards)
	require.NoError(t, err)
	assert.Equal(t, 2, valid.Len())

	// Changing the caller's slice after validation changes nothing signed.
	cards[0].Code = "bad\x00code"

	got, err := newTestSigner(t, "nA", "nB").AddValidCards(testTicket, valid)
	require.NoError(t, err)
	want, err := newTestSigner(t, "nA", "nB").AddCard(testTicket, []signer.Card{{CardID: testCardID, Code: "1434008071"}, {CardID: "p2"}})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestAddValidCardsChecksTheTicketAndRefusesTheZeroValue(t *testing.T) {
	t.Parallel()
	valid, err := signer.ValidateCards([]signer.Card{{CardID: testCardID}})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		ticket string
		cards  signer.ValidCards
		field  string
	}{
		{"empty ticket", "", valid, "api_ticket"},
		{"ticket with newline", "t\n", valid, "api_ticket"},
		{"zero ValidCards", testTicket, signer.ValidCards{}, "cards"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := newTestSigner(t, "n").AddValidCards(tc.ticket, tc.cards)
			var ve *signer.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
}
