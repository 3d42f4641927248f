package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wxcard/wxcard/admin"
)

// maxCardFile bounds a card definition read by cards create.
const maxCardFile = 1 << 20

func runCardsList(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("cards list", "wxcard cards list [--offset N] [--count N] [--status CARD_STATUS_…[,…]]",
		"Lists the account's card ids (card/batchget), one page of up to 50.")
	offset := fs.Int("offset", 0, "skip this many cards")
	count := fs.Int("count", admin.MaxBatchGetCount, "cards per page (1..50)")
	status := fs.String("status", "", "only cards in these comma-separated statuses, e.g. CARD_STATUS_VERIFY_OK")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	var statuses []admin.CardStatus
	for _, s := range strings.Split(*status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			statuses = append(statuses, admin.CardStatus(s))
		}
	}
	list, err := withClient(ctx, inv, func(c *admin.Client) (*admin.CardIDList, error) {
		return c.Card.List(ctx, *offset, *count, statuses...)
	})
	if err != nil {
		return err
	}
	inv.output(map[string]any{"card_ids": list.CardIDs, "total": list.Total, "offset": *offset}, func() {
		for _, id := range list.CardIDs {
			inv.printf("%s\n", id)
		}
		inv.note("%d of %d cards from offset %d\n", len(list.CardIDs), list.Total, *offset)
	})
	return nil
}

func runCardsGet(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("cards get", "wxcard cards get CARD_ID", "Prints a card's definition (card/get) as JSON.")
	rest, err := parseCommand(fs, args, 1, 1)
	if err != nil {
		return err
	}
	card, err := withClient(ctx, inv, func(c *admin.Client) (*admin.Card, error) { return c.Card.Get(ctx, rest[0]) })
	if err != nil {
		return err
	}
	// The definition is JSON either way: the same document for people and
	// scripts.
	inv.writeJSON(map[string]any{"card_id": rest[0], "card_type": card.Type, strings.ToLower(string(card.Type)): card.Attributes})
	return nil
}

func runCardsCreate(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("cards create", "wxcard cards create -f card.json",
		`Creates a card (card/create) and prints its card_id. The file holds
WeChat's request body, {"card":{"card_type":"GROUPON","groupon":{…}}}, or
just the "card" object inside it. "-f -" reads standard input.`)
	file := fs.String("f", "", "the card definition `file` (required; - for stdin)")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if *file == "" {
		return usagef("cards create: -f card.json is required")
	}
	cardType, attrs, err := readCardFile(inv.env.stdin, *file)
	if err != nil {
		return err
	}
	id, err := withClient(ctx, inv, func(c *admin.Client) (string, error) { return c.Card.Create(ctx, cardType, attrs) })
	if err != nil {
		return err
	}
	inv.output(map[string]any{"card_id": id, "card_type": cardType}, func() { inv.printf("%s\n", id) })
	return nil
}

// readCardFile reads a card definition and returns its type and the
// attributes under the type's key.
func readCardFile(stdin io.Reader, path string) (admin.CardType, json.RawMessage, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", nil, usagef("cards create: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCardFile+1))
	if err != nil {
		return "", nil, fmt.Errorf("cards create: reading %s: %w", path, err)
	}
	if len(data) > maxCardFile {
		return "", nil, usagef("cards create: %s is larger than 1 MiB", path)
	}
	return parseCardDefinition(data)
}

// parseCardDefinition accepts {"card":{…}} or the inner {…}: "card_type"
// and the object under the type's lower-case key.
func parseCardDefinition(data []byte) (admin.CardType, json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", nil, usagef("cards create: the file is not a JSON object: %w", err)
	}
	if inner, ok := doc["card"]; ok {
		doc = nil
		if err := json.Unmarshal(inner, &doc); err != nil {
			return "", nil, usagef(`cards create: "card" is not a JSON object`)
		}
	}
	var cardType string
	if err := json.Unmarshal(doc["card_type"], &cardType); err != nil || cardType == "" {
		return "", nil, usagef(`cards create: "card_type" is missing (GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON, MEMBER_CARD…)`)
	}
	attrs, ok := doc[strings.ToLower(cardType)]
	if !ok {
		return "", nil, usagef("cards create: the attributes of a %s card belong under %q", cardType, strings.ToLower(cardType))
	}
	return admin.CardType(strings.ToUpper(cardType)), attrs, nil
}
