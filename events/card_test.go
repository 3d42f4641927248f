package events

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", name+".xml"))
	require.NoError(t, err)
	return raw
}

func TestCardEventsDecodeEveryDocumentedField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event string
		want  CardEvent
	}{
		{EventCardPassCheck, &CardPassCheck{CardID: "pZI8Fj1Y6uMg8VL9G0dDl-9eKmzA"}},
		{EventCardNotPassCheck, &CardNotPassCheck{CardID: "pZI8Fj1Y6uMg8VL9G0dDl-9eKmzA", RefuseReason: "logo is not clear"}},
		{EventUserGetCard, &UserGetCard{CardID: "pZI8Fjwsy5fVPRBeD78J4RmqVvBc", UserCardCode: "226009850808", OuterStr: "12b", UnionID: "o6_bmasdasdsad6_2sgVt7hMZOPfL"}},
		{EventUserGiftingCard, &UserGiftingCard{CardID: "pbLatjhU-3pik3d4PsbVzvBxZvJc", UserCardCode: "297466945104", FriendUserName: "obLatjlNerkb62HtSdQUx66C4NTU"}},
		{EventUserDelCard, &UserDelCard{CardID: "cardid", UserCardCode: "12312312"}},
		{EventUserConsumeCard, &UserConsumeCard{CardID: "pZI8Fj8y-E8hpvho2d1ZvpGwQBvA", UserCardCode: "452998530302", ConsumeSource: "FROM_API", StaffOpenID: "oZ********nJ3bPJu_Rtjkw4c", OuterStr: "xxxxx", LocationID: "0"}},
		{EventUserPayFromPayCell, &UserPayFromPayCell{CardID: "po2VNuCuRo-8sxxxxxxxxxxx", UserCardCode: "38050000000", TransID: "10022403432015000000000", LocationID: "291710000", Fee: 10000, OriginalFee: 10000}},
		{EventUserViewCard, &UserViewCard{CardID: "cardid", UserCardCode: "12312312", OuterStr: "12b"}},
		{EventUserEnterSessionFromCard, &UserEnterSessionFromCard{CardID: "cardid", UserCardCode: "12312312"}},
		{EventUpdateMemberCard, &UpdateMemberCard{CardID: "pjZ8Ytx-nwvpCRyQneH3Ncmh6N94", UserCardCode: "485027611252", ModifyBonus: 3, ModifyBalance: -3}},
		{EventCardSkuRemind, &CardSkuRemind{CardID: "pa3LFuAh2P65**********", Detail: "the card's stock is below 100"}},
		{EventCardPayOrder, &CardPayOrder{OrderID: "404091456", Status: "ORDER_STATUS_FINANCE_SUCC", CreateOrderTime: 1453295737, FreeCoinCount: "200", PayCoinCount: "0", RefundFreeCoinCount: "0", RefundPayCoinCount: "0", OrderType: "ORDER_TYPE_SYS_ADD"}},
		{EventSubmitMemberCardUserInfo, &SubmitMemberCardUserInfo{CardID: "pbLatjtZ7v1BG_ZnTjbW85GYc_E8", UserCardCode: "018255396048"}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(readEvent(t, tt.event))
			require.NoError(t, err)
			got, err := msg.CardEvent()
			require.NoError(t, err)
			assert.Equal(t, tt.event, got.EventType())
			// The header is checked once here; the table lists the rest.
			header := *headerOf(t, got)
			assert.Equal(t, msg.ToUserName, header.ToUserName)
			assert.Equal(t, msg.FromUserName, header.FromUserName)
			assert.Equal(t, msg.CreateTime, header.CreateTime)
			assert.Equal(t, "event", header.MsgType)
			*headerOf(t, got) = Header{}
			assert.Equal(t, tt.want, got)
		})
	}
}

func headerOf(t *testing.T, ev CardEvent) *Header {
	t.Helper()
	type hasHeader interface{ header() *Header }
	h, ok := ev.(hasHeader)
	require.True(t, ok, "%T embeds Header", ev)
	return h.header()
}

func TestCardEventCoversEveryEventConstant(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.xml"))
	require.NoError(t, err)
	assert.Len(t, files, 13, "one fixture per card event")
	for _, f := range files {
		name := filepath.Base(f[:len(f)-len(".xml")])
		assert.NotNil(t, newCardEvent(name), name)
	}
}

func TestCardEventRefusals(t *testing.T) {
	t.Parallel()
	text := []byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>42</MsgId></xml>`)
	unknown := []byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>user_authorize_invoice</Event></xml>`)
	badNumber := []byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>update_member_card</Event><ModifyBonus>lots</ModifyBonus></xml>`)
	for name, tt := range map[string]struct {
		raw  []byte
		want error
	}{
		"a text message":   {text, ErrNotCardEvent},
		"an unknown event": {unknown, ErrNotCardEvent},
		"a bad number":     {badNumber, ErrXML},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(tt.raw)
			require.NoError(t, err)
			_, err = msg.CardEvent()
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// header lets the tests reach the embedded Header of any typed event.
func (h *Header) header() *Header { return h }
