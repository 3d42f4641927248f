package emulator

import "net/http"

// wechatRoutes maps every WeChat path the emulator serves to its handler.
func (e *Emulator) wechatRoutes() map[string]route {
	get := []string{http.MethodGet}
	post := []string{http.MethodPost}
	// WeChat's samples call these two with GET; some SDKs POST them.
	either := []string{http.MethodGet, http.MethodPost}
	h := func(f func(*call) (any, error)) func(*call) (any, error) { return f }
	return map[string]route{
		"cgi-bin/token":                        {methods: get, writes: true, handle: h((*call).token)},
		"cgi-bin/stable_token":                 {methods: post, writes: true, handle: h((*call).stableToken)},
		"cgi-bin/ticket/getticket":             {methods: get, auth: true, writes: true, handle: h((*call).getTicket)},
		"card/getcolors":                       {methods: either, auth: true, handle: h((*call).getColors)},
		"card/getapplyprotocol":                {methods: either, auth: true, handle: h((*call).getApplyProtocol)},
		"card/create":                          {methods: post, auth: true, writes: true, handle: h((*call).createCard)},
		"card/get":                             {methods: post, auth: true, handle: h((*call).getCard)},
		"card/batchget":                        {methods: post, auth: true, handle: h((*call).batchGetCards)},
		"card/update":                          {methods: post, auth: true, writes: true, handle: h((*call).updateCard)},
		"card/delete":                          {methods: post, auth: true, writes: true, handle: h((*call).deleteCard)},
		"card/qrcode/create":                   {methods: post, auth: true, writes: true, handle: h((*call).createQRCode)},
		"card/landingpage/create":              {methods: post, auth: true, writes: true, handle: h((*call).createLandingPage)},
		"card/mpnews/gethtml":                  {methods: post, auth: true, handle: h((*call).getMPNewsHTML)},
		"card/testwhitelist/set":               {methods: post, auth: true, writes: true, handle: h((*call).setTestWhitelist)},
		"card/user/getcardlist":                {methods: post, auth: true, handle: h((*call).userCards)},
		"card/paycell/set":                     {methods: post, auth: true, writes: true, handle: h((*call).setPayCell)},
		"card/selfconsumecell/set":             {methods: post, auth: true, writes: true, handle: h((*call).setSelfConsumeCell)},
		"card/modifystock":                     {methods: post, auth: true, writes: true, handle: h((*call).modifyStock)},
		"card/code/deposit":                    {methods: post, auth: true, writes: true, handle: h((*call).depositCodes)},
		"card/code/getdepositcount":            {methods: post, auth: true, handle: h((*call).depositCount)},
		"card/code/checkcode":                  {methods: post, auth: true, handle: h((*call).checkCodes)},
		"card/code/get":                        {methods: post, auth: true, handle: h((*call).getCode)},
		"card/code/consume":                    {methods: post, auth: true, writes: true, handle: h((*call).consumeCode)},
		"card/code/decrypt":                    {methods: post, auth: true, handle: h((*call).decryptCode)},
		"card/code/update":                     {methods: post, auth: true, writes: true, handle: h((*call).updateCode)},
		"card/code/unavailable":                {methods: post, auth: true, writes: true, handle: h((*call).disableCode)},
		"card/generalcard/activate":            {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) { return c.activate("GENERAL_CARD") }},
		"card/generalcard/unactivate":          {methods: post, auth: true, writes: true, handle: h((*call).deactivateGeneral)},
		"card/generalcard/updateuser":          {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) { return c.updateUser("GENERAL_CARD") }},
		"card/membercard/activate":             {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) { return c.activate("MEMBER_CARD") }},
		"card/membercard/activateuserform/set": {methods: post, auth: true, writes: true, handle: h((*call).setActivationForm)},
		"card/membercard/userinfo/get":         {methods: post, auth: true, handle: h((*call).memberUserInfo)},
		"card/membercard/updateuser":           {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) { return c.updateUser("MEMBER_CARD") }},
		"card/membercard/activatetempinfo/get": {methods: post, auth: true, handle: h((*call).activateTempInfo)},
		"card/membercard/activate/geturl":      {methods: post, auth: true, handle: h((*call).activateURL)},
		"card/submerchant/submit":              {methods: post, auth: true, writes: true, handle: h((*call).submitSubMerchant)},
		"card/submerchant/update":              {methods: post, auth: true, writes: true, handle: h((*call).updateSubMerchant)},
		"card/submerchant/get":                 {methods: post, auth: true, handle: h((*call).getSubMerchant)},
		"card/submerchant/batchget":            {methods: post, auth: true, handle: h((*call).listSubMerchants)},
		// Web authorization (webauth.go); the consent page is served apart.
		"sns/oauth2/access_token":  {methods: get, handle: h((*call).oauthAccessToken)},
		"sns/oauth2/refresh_token": {methods: get, handle: h((*call).oauthRefresh)},
		"sns/userinfo":             {methods: get, handle: h((*call).oauthUserInfo)},
		"sns/auth":                 {methods: get, handle: h((*call).oauthCheck)},
		"card/boardingpass/checkin": {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) {
			return c.ticketUpdate("BOARDING_PASS", "passenger_name", "class", "etkt_bnr")
		}},
		"card/meetingticket/updateuser": {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) {
			return c.ticketUpdate("MEETING_TICKET")
		}},
		"card/movieticket/updateuser": {methods: post, auth: true, writes: true, handle: func(c *call) (any, error) {
			return c.ticketUpdate("MOVIE_TICKET", "ticket_class", "show_time", "duration")
		}},
	}
}
