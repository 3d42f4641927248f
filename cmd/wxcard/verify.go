package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wxcard/wxcard/signer"
)

// maxVerifyInput bounds a document read from stdin by the verify commands.
const maxVerifyInput = 64 << 10

// tickets are the two api tickets a verification needs: given on the
// command line (offline), or the app's current ones.
type tickets struct {
	card, jsapi string
	from        string
	// appID is the app's, when the tickets came from it.
	appID string
}

// verifyFlags are the flags every verify command has: the tickets to verify
// with and whether to print them unmasked.
type verifyFlags struct {
	card, jsapi *string
	show        *bool
}

// addVerifyFlags adds --ticket, --jsapi-ticket and --show to fs; shown
// says where --show prints the ticket.
func addVerifyFlags(fs *flag.FlagSet, shown string) verifyFlags {
	return verifyFlags{
		card:  fs.String("ticket", "", "the card api_ticket (wx_card) to verify with; default: the app's current one (given, nothing is fetched)"),
		jsapi: fs.String("jsapi-ticket", "", "the jsapi ticket; default: the app's current one when --ticket is not given"),
		show:  fs.Bool("show", false, "print the ticket in full in "+shown),
	}
}

// load returns the tickets to verify with (see loadTickets) and the
// shower that masks both in what is printed.
func (f verifyFlags) load(ctx context.Context, inv *invocation, primary string) (tickets, secretShower, error) {
	t, err := inv.loadTickets(ctx, *f.card, *f.jsapi, primary)
	if err != nil {
		return tickets{}, secretShower{}, err
	}
	return t, secretShower{show: *f.show, secrets: []string{t.card, t.jsapi}}, nil
}

// loadTickets returns the given tickets, or fetches the app's: the one the
// verification is about (primary: "card" or "jsapi") must be there, the
// other only helps name a wrong-ticket mistake.
func (inv *invocation) loadTickets(ctx context.Context, card, jsapi, primary string) (tickets, error) {
	given := card
	if primary == "jsapi" {
		given = jsapi
	}
	if given != "" {
		return tickets{card: card, jsapi: jsapi, from: "given"}, nil
	}
	a, err := inv.open(ctx)
	if err != nil {
		return tickets{}, err
	}
	defer a.close()
	t := tickets{card: card, jsapi: jsapi, from: "the app's current ticket", appID: a.client.AppID()}
	if t.card == "" {
		if t.card, err = a.client.CardTicket(ctx); err != nil {
			return t, err
		}
	}
	if t.jsapi == "" {
		if t.jsapi, err = a.client.JSAPITicket(ctx); err != nil {
			return t, err
		}
	}
	return t, nil
}

// readArg returns v, or standard input when v is "-".
func (inv *invocation) readArg(name, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	data, err := io.ReadAll(io.LimitReader(inv.env.stdin, maxVerifyInput+1))
	if err != nil {
		return "", fmt.Errorf("reading %s from stdin: %w", name, err)
	}
	if len(data) > maxVerifyInput {
		return "", usagef("%s on stdin is larger than 64 KiB", name)
	}
	return strings.TrimSpace(string(data)), nil
}

// secretShower replaces a ticket in text with its mask unless show.
type secretShower struct {
	show    bool
	secrets []string
}

func (s secretShower) hide(text string) string {
	if s.show {
		return text
	}
	for _, sec := range s.secrets {
		if len(sec) >= 4 {
			text = strings.ReplaceAll(text, sec, "<"+mask(sec)+">")
		}
	}
	return text
}

func (s secretShower) hideAll(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = s.hide(v)
	}
	return out
}

const verifyAbout = `
Checks a signature the way the WeChat client does and explains a mismatch:
the problems found, and the classic mistake that reproduces the signature
when there is one (the text "null" signed, milliseconds, the wrong ticket,
the URL's #fragment…). It verifies against the app's current tickets, or
offline against --ticket / --jsapi-ticket. The ticket is masked in the
sorted values and the hashed string unless --show.

Exit status: 0 it verifies, 6 it does not.`

func runVerifyCardExt(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("verify cardext", "wxcard verify cardext --card ID --card-ext JSON|-", verifyAbout)
	cardID := fs.String("card", "", "the cardList item's cardId (required)")
	cardExt := fs.String("card-ext", "", "the item's cardExt JSON string, or - to read it from stdin (required)")
	vf := addVerifyFlags(fs, "the sorted values and the hashed string")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if *cardID == "" || *cardExt == "" {
		return usagef("verify cardext: --card and --card-ext are required")
	}
	ext, err := inv.readArg("--card-ext", *cardExt)
	if err != nil {
		return err
	}
	t, s, err := vf.load(ctx, inv, "card")
	if err != nil {
		return err
	}
	v, err := signer.VerifyCardExtWithJSAPITicket(t.card, t.jsapi, *cardID, ext)
	if err != nil {
		return err
	}
	v.SortedValues = s.hideAll(v.SortedValues)
	v.Preimage = s.hide(v.Preimage)
	inv.output(v, func() {
		inv.printf("cardExt of card %s: %s\n\n", *cardID, verdict(v.Valid))
		where := func(field, value string) string {
			if value == "" {
				return "absent from cardExt"
			}
			return "cardExt"
		}
		rows := [][3]string{
			{"api_ticket", mask(t.card), t.from},
			{"card_id", *cardID, "argument"},
			{"timestamp", v.CardExt.Timestamp, where("timestamp", v.CardExt.Timestamp)},
			{"code", v.CardExt.Code, where("code", v.CardExt.Code)},
			{"openid", v.CardExt.OpenID, where("openid", v.CardExt.OpenID)},
			{"nonce_str", v.CardExt.NonceStr, where("nonce_str", v.CardExt.NonceStr)},
			{"signature", v.Signature, "cardExt"},
		}
		for _, r := range rows {
			inv.printf("  %-11s %-44s %s\n", r[0], orEmpty(r[1]), r[2])
		}
		inv.printExplanation(v.Valid, v.Signature, v.Expected, v.Problems,
			"The usual causes: the ticket is the jsapi ticket or an expired card api_ticket (type wx_card); the timestamp or nonce signed are not the ones in cardExt; code or openid were signed but left out of cardExt (or the reverse); a missing value was signed as \"null\".")
		inv.printSortedValues("Sorted values, hashed in this order (SHA-1 of their concatenation):", v.SortedValues)
	})
	return verifyOutcome(v.Valid)
}

func runVerifyChooseCard(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("verify choosecard", "wxcard verify choosecard --params JSON|-", verifyAbout+`

--params is the object the page passed to wx.chooseCard:
{"shopId","cardType","cardId","timestamp","nonceStr","signType","cardSign"},
with "appId" (the app's by default).`)
	params := fs.String("params", "", "the wx.chooseCard arguments as JSON, or - for stdin (required)")
	vf := addVerifyFlags(fs, "the sorted values and the hashed string")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if *params == "" {
		return usagef("verify choosecard: --params is required")
	}
	text, err := inv.readArg("--params", *params)
	if err != nil {
		return err
	}
	fields, err := textFields(text, "appId", "shopId", "cardType", "cardId", "timestamp", "nonceStr", "signType", "cardSign")
	if err != nil {
		return usagef("verify choosecard: --params: %w", err)
	}
	check := signer.ChooseCardCheck{AppID: fields["appId"], ShopID: fields["shopId"], CardType: fields["cardType"], CardID: fields["cardId"],
		Timestamp: fields["timestamp"], NonceStr: fields["nonceStr"], SignType: fields["signType"], CardSign: fields["cardSign"]}
	t, s, err := vf.load(ctx, inv, "card")
	if err != nil {
		return err
	}
	if check.AppID == "" {
		if t.appID == "" {
			return usagef("verify choosecard: --params needs appId when the tickets are given")
		}
		check.AppID = t.appID
	}
	v, err := signer.VerifyChooseCard(t.card, t.jsapi, check)
	if err != nil {
		return err
	}
	v.SortedValues = s.hideAll(v.SortedValues)
	v.Preimage = s.hide(v.Preimage)
	inv.output(v, func() {
		inv.printf("wx.chooseCard cardSign: %s\n", verdict(v.Valid))
		inv.printExplanation(v.Valid, v.Signature, v.Expected, v.Problems,
			"The usual causes: the ticket is the jsapi ticket or an expired card api_ticket; the app id, shopId, cardType, cardId, timestamp or nonceStr signed differ from the ones passed to wx.chooseCard.")
		inv.printSortedValues("Sorted values, hashed in this order:", v.SortedValues)
	})
	return verifyOutcome(v.Valid)
}

func runVerifyJSConfig(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("verify jsconfig", "wxcard verify jsconfig --url URL --config JSON|-", verifyAbout+`

--url is the page the config was used on (location.href, #fragment and
all); --config the object passed to wx.config: {"timestamp","nonceStr","signature"}.`)
	pageURL := fs.String("url", "", "the page `URL` (required)")
	config := fs.String("config", "", "the wx.config argument as JSON, or - for stdin (required)")
	vf := addVerifyFlags(fs, "the hashed string")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if *pageURL == "" || *config == "" {
		return usagef("verify jsconfig: --url and --config are required")
	}
	text, err := inv.readArg("--config", *config)
	if err != nil {
		return err
	}
	fields, err := textFields(text, "timestamp", "nonceStr", "signature")
	if err != nil {
		return usagef("verify jsconfig: --config: %w", err)
	}
	t, s, err := vf.load(ctx, inv, "jsapi")
	if err != nil {
		return err
	}
	v, err := signer.VerifyJSConfig(t.jsapi, t.card, signer.JSConfigCheck{URL: *pageURL, Timestamp: fields["timestamp"], NonceStr: fields["nonceStr"], Signature: fields["signature"]})
	if err != nil {
		return err
	}
	v.Preimage = s.hide(v.Preimage)
	inv.output(v, func() {
		inv.printf("wx.config signature: %s\n  signed URL  %s\n", verdict(v.Valid), v.SignedURL)
		inv.printExplanation(v.Valid, v.Signature, v.Expected, v.Problems,
			"The usual causes: the ticket is the card api_ticket or an expired jsapi ticket; the URL signed is not this page's URL without #fragment; the timestamp or nonceStr signed differ from the ones passed to wx.config.")
		inv.printf("\nHashed string (SHA-1):\n  %s\n", v.Preimage)
	})
	return verifyOutcome(v.Valid)
}

func verdict(valid bool) string {
	if valid {
		return "VALID, the signature verifies"
	}
	return "DOES NOT VERIFY"
}

// printExplanation prints the signatures, the cause found and the other
// problems, as the preview tool shows them.
func (inv *invocation) printExplanation(valid bool, found, expected string, problems []signer.Problem, usual string) {
	if found != expected {
		inv.printf("\n  found     %s\n  expected  %s\n", orEmpty(found), expected)
	}
	cause := false
	for _, p := range problems {
		if p.Cause {
			inv.printf("\nFound it: %s.\n", p.Message)
			cause = true
		}
	}
	var rest []signer.Problem
	for _, p := range problems {
		if !p.Cause {
			rest = append(rest, p)
		}
	}
	if len(rest) > 0 {
		inv.printf("\nProblems:\n")
		for _, p := range rest {
			kind := "error"
			if p.Warning {
				kind = "warning"
			}
			field := ""
			if p.Field != "" {
				field = p.Field + ": "
			}
			inv.printf("  - %s [%s] %s%s\n", kind, p.Code, field, p.Message)
		}
	}
	if !valid && !cause && found != "" && found != expected {
		inv.printf("\n%s\n", usual)
	}
}

// printSortedValues prints the values a signature hashes, numbered in the
// order they are concatenated, under heading.
func (inv *invocation) printSortedValues(heading string, values []string) {
	inv.printf("\n%s\n", heading)
	for i, val := range values {
		inv.printf("  %d. %s\n", i+1, orEmpty(val))
	}
}

func orEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

func verifyOutcome(valid bool) error {
	if valid {
		return nil
	}
	return &reported{errMismatch}
}

// textFields reads the named fields of a JSON object as text: strings as
// they are, numbers as written (WeChat pages pass timestamps as either).
func textFields(doc string, names ...string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	out := map[string]string{}
	for _, name := range names {
		v, ok := raw[name]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[name] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			out[name] = n.String()
			continue
		}
		if string(v) == "null" {
			out[name] = "null"
			continue
		}
		return nil, fmt.Errorf("%s must be a string or a number", name)
	}
	return out, nil
}
