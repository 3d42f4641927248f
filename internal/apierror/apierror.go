// Package apierror words the errors WeChat reports as a non-zero errcode in
// a response body, so every client package (admin, oauth) prints them the
// same way and a log search for "errcode=40001" finds them all.
package apierror

import (
	"strconv"
	"strings"
)

// Message returns "<prefix>: <op>: errcode=<code> errmsg=<msg>", leaving out
// the op and the errmsg parts when they are empty. msg is printed as given:
// the caller scrubs secrets from upstream text before it gets here.
func Message(prefix, op string, code int, msg string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString(": ")
	if op != "" {
		b.WriteString(op)
		b.WriteString(": ")
	}
	b.WriteString("errcode=")
	b.WriteString(strconv.Itoa(code))
	if msg != "" {
		b.WriteString(" errmsg=")
		b.WriteString(msg)
	}
	return b.String()
}
