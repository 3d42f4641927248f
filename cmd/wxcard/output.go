package main

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// writeJSON prints v as one indented JSON document on stdout.
func (inv *invocation) writeJSON(v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Every value printed is built by this package from plain data.
		fmt.Fprintf(inv.env.stdout, "{\"error\":{\"code\":\"failure\",\"message\":%q}}\n", err.Error())
		return
	}
	fmt.Fprintf(inv.env.stdout, "%s\n", b)
}

// printf writes human-readable output on stdout.
func (inv *invocation) printf(format string, args ...any) {
	fmt.Fprintf(inv.env.stdout, format, args...)
}

// note writes a message for the operator on stderr, so stdout stays the
// command's result.
func (inv *invocation) note(format string, args ...any) {
	fmt.Fprintf(inv.env.stderr, format, args...)
}

// output prints v as JSON with --json, else calls text.
func (inv *invocation) output(v any, text func()) {
	if inv.g.json {
		inv.writeJSON(v)
		return
	}
	text()
}

// mask shows enough of a secret to tell two apart, never enough to use it:
// the first and last four characters of a long value, nothing of a short one.
func mask(secret string) string {
	if len(secret) < 16 {
		return "****** (" + strconv.Itoa(len(secret)) + " chars)"
	}
	return secret[:4] + "…" + secret[len(secret)-4:] + " (" + strconv.Itoa(len(secret)) + " chars)"
}
