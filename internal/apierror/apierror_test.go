package apierror_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/internal/apierror"
)

func TestMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		op     string
		code   int
		msg    string
		want   string
	}{
		{"all parts", "wxcard", "card/code/consume", 40127, "invalid user-card status", "wxcard: card/code/consume: errcode=40127 errmsg=invalid user-card status"},
		{"no op", "oauth", "", 40029, "invalid code", "oauth: errcode=40029 errmsg=invalid code"},
		{"no message", "wxcard", "card/get", -1, "", "wxcard: card/get: errcode=-1"},
		{"code alone", "oauth", "", 0, "", "oauth: errcode=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, apierror.Message(tt.prefix, tt.op, tt.code, tt.msg))
		})
	}
}

func ExampleMessage() {
	fmt.Println(apierror.Message("wxcard", "cgi-bin/stable_token", 40125, "invalid appsecret"))
	// Output: wxcard: cgi-bin/stable_token: errcode=40125 errmsg=invalid appsecret
}
