package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const tMemberNumber = "658635413253"

func testActivateInfo() ActivateInfo {
	return ActivateInfo{
		MembershipNumber: tMemberNumber, Code: tCode, CardID: tCardID,
		BackgroundPicURL:  "https://mmbiz.qlogo.cn/mmbiz/0",
		ActivateBeginTime: 1397577600, ActivateEndTime: 1422724261,
		InitBonus: 100, InitBonusRecord: "旧积分同步", InitBalance: 200,
		InitCustomFieldValue1: "白金",
	}
}

const testActivateJSON = `{"membership_number":"658635413253","code":"110201201245","card_id":"` + tCardID + `","background_pic_url":"https://mmbiz.qlogo.cn/mmbiz/0","activate_begin_time":1397577600,"activate_end_time":1422724261,"init_bonus":100,"init_bonus_record":"旧积分同步","init_balance":200,"init_custom_field_value1":"白金"}`

func testUpdateUserInfo() UpdateUserInfo {
	return UpdateUserInfo{
		Code: tCode, CardID: tCardID, AddBonus: ptr(int64(-20)), RecordBonus: "消费抵扣",
		Balance: ptr(int64(0)), CustomFieldValue2: "3张",
		NotifyOptional: &NotifyOptional{IsNotifyBonus: true},
	}
}

// Balance 0 is sent (a pointer): setting a balance to zero is a real change.
const testUpdateUserJSON = `{"code":"110201201245","card_id":"` + tCardID + `","add_bonus":-20,"record_bonus":"消费抵扣","balance":0,"custom_field_value2":"3张","notify_optional":{"is_notify_bonus":true,"is_notify_balance":false,"is_notify_custom_field1":false,"is_notify_custom_field2":false,"is_notify_custom_field3":false}}`

// activator is what member and general cards share: the same Activate and
// UpdateUser, sent alike under card/membercard/ and card/generalcard/.
type activator interface {
	Activate(context.Context, ActivateInfo) error
	UpdateUser(context.Context, UpdateUserInfo) (*UpdateUserResult, error)
}

// activationCases are the full Activate and UpdateUser calls of the card
// kind ("membercard", "generalcard"), answered with the given errcodes.
func activationCases(kind string, svc func(*Client) activator, activateErr, updateErr int) []opCase {
	return []opCase{
		{
			name: "Activate", method: http.MethodPost, path: "card/" + kind + "/activate", fixture: "ok.json",
			body: testActivateJSON,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, svc(c).Activate(ctx, testActivateInfo())
			},
			errcode: activateErr,
		},
		{
			name: "UpdateUser", method: http.MethodPost, path: "card/" + kind + "/updateuser", fixture: "card_membercard_updateuser.json",
			body: testUpdateUserJSON,
			call: func(ctx context.Context, c *Client) (any, error) {
				return svc(c).UpdateUser(ctx, testUpdateUserInfo())
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &UpdateUserResult{ResultBonus: 420, ResultBalance: 2500, OpenID: tOpenID}, got)
			},
			errcode: updateErr,
		},
	}
}

func TestMemberCardOperations(t *testing.T) {
	t.Parallel()
	runOps(t, append(activationCases("membercard", func(c *Client) activator { return c.MemberCard }, 40056, 40127), []opCase{
		{
			name: "Activate/minimal", method: http.MethodPost, path: "card/membercard/activate", fixture: "ok.json",
			body: `{"membership_number":"658635413253","code":"110201201245"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MemberCard.Activate(ctx, ActivateInfo{MembershipNumber: tMemberNumber, Code: tCode})
			},
		},
		{
			// A field the struct does not name travels in Extra; Extra never
			// overrides a named one.
			name: "Activate/extra", method: http.MethodPost, path: "card/membercard/activate", fixture: "ok.json",
			body: `{"code":"110201201245","membership_number":"658635413253","new_field":{"x":1}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MemberCard.Activate(ctx, ActivateInfo{MembershipNumber: tMemberNumber, Code: tCode,
					Extra: map[string]any{"new_field": map[string]int{"x": 1}, "code": "ignored"}})
			},
		},
		{
			name: "UpdateUser/extra", method: http.MethodPost, path: "card/membercard/updateuser", fixture: "card_membercard_updateuser.json",
			body: `{"card_id":"` + tCardID + `","code":"110201201245","level_tag":"gold"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.MemberCard.UpdateUser(ctx, UpdateUserInfo{Code: tCode, CardID: tCardID, Extra: map[string]any{"level_tag": "gold"}})
			},
		},
		{
			name: "SetActivationForm/typed", method: http.MethodPost, path: "card/membercard/activateuserform/set", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","service_statement":{"name":"会员守则","url":"https://www.qq.com"},"required_form":{"can_modify":false,"common_field_id_list":["USER_FORM_INFO_FLAG_MOBILE","USER_FORM_INFO_FLAG_NAME"],"rich_field_list":[{"type":"FORM_FIELD_RADIO","name":"兴趣","values":["钢琴","舞蹈"]}]},"optional_form":{"can_modify":true,"custom_field_list":["喜欢的电影"]}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MemberCard.SetActivationForm(ctx, tCardID, ActivationForm{
					ServiceStatement: &FormLink{Name: "会员守则", URL: "https://www.qq.com"},
					RequiredForm: &FormFields{CommonFieldIDList: []string{"USER_FORM_INFO_FLAG_MOBILE", "USER_FORM_INFO_FLAG_NAME"},
						RichFieldList: []RichField{{Type: "FORM_FIELD_RADIO", Name: "兴趣", Values: []string{"钢琴", "舞蹈"}}}},
					OptionalForm: &FormFields{CanModify: true, CustomFieldList: []string{"喜欢的电影"}},
				})
			},
			errcode: 40071,
		},
		{
			name: "SetActivationForm/raw", method: http.MethodPost, path: "card/membercard/activateuserform/set", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","required_form":{"common_field_id_list":["USER_FORM_INFO_FLAG_MOBILE"]}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MemberCard.SetActivationForm(ctx, tCardID, json.RawMessage(` {"required_form": {"common_field_id_list":["USER_FORM_INFO_FLAG_MOBILE"]}} `))
			},
		},
		{
			name: "User", method: http.MethodPost, path: "card/membercard/userinfo/get", fixture: "card_membercard_userinfo_get.json",
			body: `{"card_id":"` + tCardID + `","code":"110201201245"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.MemberCard.User(ctx, MemberUserRequest{CardID: tCardID, Code: tCode})
			},
			check: func(t *testing.T, got any) {
				u := got.(*MemberUser)
				assert.Equal(t, "obLatjjwDolFjRRd3doGIdwNqRXw", u.OpenID)
				assert.Equal(t, "小明", u.Nickname)
				assert.Equal(t, tMemberNumber, u.MembershipNumber)
				assert.Equal(t, int64(300), u.Bonus)
				assert.Equal(t, int64(1500), u.Balance)
				assert.Equal(t, UserCardNormal, u.UserCardStatus)
				assert.True(t, u.HasActive)
				assert.Equal(t, []FormValue{
					{Name: "USER_FORM_INFO_FLAG_MOBILE", Value: "15278544444"},
					{Name: "USER_FORM_INFO_FLAG_NAME", Value: "王小明"},
					{Name: "USER_FORM_INFO_FLAG_EDUCATION_BACKGROUND", ValueList: []string{"本科"}},
				}, u.UserInfo.CommonFields)
				assert.Equal(t, []FormValue{
					{Name: "喜欢的食物", ValueList: []string{"蛋糕", "饼干"}},
					{Name: "兴趣次数", Value: "3"},
				}, u.UserInfo.CustomFields)
			},
			errcode: 40056,
		},
		{
			name: "ActivationTempInfo", method: http.MethodPost, path: "card/membercard/activatetempinfo/get", fixture: "card_membercard_activatetempinfo_get.json",
			body: `{"activate_ticket":"fDZv9eMQAFfrNr3XBoqhb%2F%2BMT8RoZ"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.MemberCard.ActivationTempInfo(ctx, "fDZv9eMQAFfrNr3XBoqhb%2F%2BMT8RoZ")
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &UserFormInfo{
					CommonFields: []FormValue{{Name: "USER_FORM_INFO_FLAG_MOBILE", Value: "15279140000"}, {Name: "USER_FORM_INFO_FLAG_SEX", Value: "MALE"}},
					CustomFields: []FormValue{{Name: "会员等级", Value: "黄金"}},
				}, got)
			},
			errcode: 40097,
		},
		{
			name: "ActivateURL", method: http.MethodPost, path: "card/membercard/activate/geturl", fixture: "card_membercard_activate_geturl.json",
			body: `{"card_id":"` + tCardID + `","outer_str":"123"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.MemberCard.ActivateURL(ctx, ActivateURLRequest{CardID: tCardID, OuterStr: "123"})
			},
			check: func(t *testing.T, got any) {
				assert.True(t, strings.HasPrefix(got.(string), "https://mp.weixin.qq.com/bizmall/activatemembercard?action=preshow"))
				assert.True(t, strings.HasSuffix(got.(string), "#wechat_redirect"))
			},
			errcode: 40071,
		},
		{
			name: "ActivateURL/no outer_str", method: http.MethodPost, path: "card/membercard/activate/geturl", fixture: "card_membercard_activate_geturl.json",
			body: `{"card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.MemberCard.ActivateURL(ctx, ActivateURLRequest{CardID: tCardID})
			},
		},
	}...))
}

func TestMemberCardValidation(t *testing.T) {
	t.Parallel()
	runValidation(t, []validationCase{
		{"Activate/no number", "membership_number", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.MembershipNumber = "" }))
		}},
		{"Activate/card_number", "card_number", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.CardNumber = "1" }))
		}},
		{"Activate/no code", "code", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.Code = "" }))
		}},
		{"Activate/negative bonus", "init_bonus", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.InitBonus = -1 }))
		}},
		{"Activate/negative balance", "init_balance", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.InitBalance = -1 }))
		}},
		{"Activate/end before begin", "activate_end_time", func(ctx context.Context, c *Client) error {
			return c.MemberCard.Activate(ctx, changed(testActivateInfo(), func(a *ActivateInfo) { a.ActivateEndTime = a.ActivateBeginTime }))
		}},
		{"SetActivationForm/empty card", "card_id", func(ctx context.Context, c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, "", ActivationForm{})
		}},
		{"SetActivationForm/empty form", "settings", func(ctx context.Context, c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, tCardID, ActivationForm{})
		}},
		{"SetActivationForm/array", "settings", func(ctx context.Context, c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, tCardID, []int{1})
		}},
		{"SetActivationForm/nil", "settings", func(ctx context.Context, c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, tCardID, nil)
		}},
		{"SetActivationForm/card_id inside", "settings", func(ctx context.Context, c *Client) error {
			return c.MemberCard.SetActivationForm(ctx, tCardID, map[string]any{"card_id": "other", "required_form": map[string]any{}})
		}},
		{"User/empty card", "card_id", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.User(ctx, MemberUserRequest{Code: tCode}))
		}},
		{"User/empty code", "code", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.User(ctx, MemberUserRequest{CardID: tCardID}))
		}},
		{"UpdateUser/no card", "card_id", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.UpdateUser(ctx, changed(testUpdateUserInfo(), func(u *UpdateUserInfo) { u.CardID = "" })))
		}},
		{"UpdateUser/no code", "code", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.UpdateUser(ctx, changed(testUpdateUserInfo(), func(u *UpdateUserInfo) { u.Code = "" })))
		}},
		{"UpdateUser/bonus and add_bonus", "bonus", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.UpdateUser(ctx, changed(testUpdateUserInfo(), func(u *UpdateUserInfo) { u.Bonus = ptr(int64(5)) })))
		}},
		{"UpdateUser/balance and add_balance", "balance", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.UpdateUser(ctx, changed(testUpdateUserInfo(), func(u *UpdateUserInfo) { u.AddBalance = ptr(int64(5)) })))
		}},
		{"UpdateUser/negative balance", "balance", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.UpdateUser(ctx, changed(testUpdateUserInfo(), func(u *UpdateUserInfo) { u.Balance = ptr(int64(-1)) })))
		}},
		{"ActivationTempInfo/empty", "activate_ticket", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.ActivationTempInfo(ctx, ""))
		}},
		{"ActivateURL/empty card", "card_id", func(ctx context.Context, c *Client) error {
			return errOf(c.MemberCard.ActivateURL(ctx, ActivateURLRequest{}))
		}},
	})
}
