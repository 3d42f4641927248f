package events

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeepsUnknownEventsAndFields(t *testing.T) {
	t.Parallel()
	raw := []byte(`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[brand_new_event]]></Event>` +
		`<CardId>p1</CardId><NewField><![CDATA[a]]>&amp;b</NewField><Info><Inner>x</Inner><Inner>second</Inner></Info></xml>`)
	msg, err := Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "gh_1", msg.ToUserName)
	assert.Equal(t, "o1", msg.FromUserName)
	assert.Equal(t, int64(1700000000), msg.CreateTime)
	assert.Equal(t, "brand_new_event", msg.Event)
	assert.Equal(t, "a&b", msg.Field("NewField"), "CDATA and entities join into one value")
	assert.Equal(t, "x", msg.Field("Info/Inner"), "nested elements keyed by path, first value kept")
	assert.Equal(t, "p1", msg.Field("CardId"))
	assert.Empty(t, msg.Field("Missing"))
	assert.Equal(t, raw, msg.Raw)
}

func TestParseRefusesWhatCannotBeDeduplicated(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"empty":             ``,
		"not xml":           `{"json":true}`,
		"wrong root":        `<msg><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></msg>`,
		"unclosed":          `<xml><FromUserName>o</FromUserName>`,
		"mismatched":        `<xml><FromUserName>o</MsgType></xml>`,
		"two roots":         `<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>t</MsgType></xml><xml></xml>`,
		"text after root":   `<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>t</MsgType></xml>junk`,
		"no sender":         `<xml><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>`,
		"no type":           `<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime></xml>`,
		"no time":           `<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>`,
		"time not a number": `<xml><FromUserName>o</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>`,
		"too deep":          "<xml>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</xml>",
		"undefined entity":  `<xml><FromUserName>&secret;</FromUserName><CreateTime>1</CreateTime><MsgType>t</MsgType></xml>`,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(raw))
			require.ErrorIs(t, err, ErrXML)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, CodeBadXML, e.Code)
		})
	}
}

func TestDedupKey(t *testing.T) {
	t.Parallel()
	base := func(extra string) *Message {
		msg, err := Parse([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>100</CreateTime>` +
			`<MsgType>event</MsgType><Event>user_get_card</Event>` + extra + `</xml>`))
		require.NoError(t, err)
		return msg
	}
	a := base(`<CardId>p1</CardId><UserCardCode>1</UserCardCode>`)
	assert.Equal(t, a.DedupKey(), base(`<CardId>p1</CardId><UserCardCode>1</UserCardCode><IsGiveByFriend>0</IsGiveByFriend>`).DedupKey(),
		"a retry is the same push")
	assert.NotEqual(t, a.DedupKey(), base(`<CardId>p1</CardId><UserCardCode>2</UserCardCode>`).DedupKey(),
		"two cards claimed in the same second are two pushes")
	assert.LessOrEqual(t, len(a.DedupKey()), 128)

	m1, err := Parse([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>100</CreateTime><MsgType>text</MsgType><MsgId>7</MsgId></xml>`))
	require.NoError(t, err)
	m2, err := Parse([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>101</CreateTime><MsgType>text</MsgType><MsgId>7</MsgId></xml>`))
	require.NoError(t, err)
	assert.Equal(t, m1.DedupKey(), m2.DedupKey(), "messages deduplicate on MsgId")
}
