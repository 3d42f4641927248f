package emulator

import "strconv"

// Errcodes the emulator answers on WeChat paths. The package documentation
// lists them with their meaning and says which ones WeChat documents.
const (
	ErrcodeSystemBusy           = -1
	ErrcodeInvalidCredential    = 40001
	ErrcodeInvalidGrantType     = 40002
	ErrcodeInvalidOpenID        = 40003
	ErrcodeInvalidAppID         = 40013
	ErrcodeInvalidAccessToken   = 40014
	ErrcodeInvalidActionInfo    = 40053
	ErrcodeInvalidSerialCode    = 40056
	ErrcodeInvalidURL           = 40066
	ErrcodeInvalidCardType      = 40071
	ErrcodeInvalidCodeType      = 40072
	ErrcodeInvalidCardID        = 40073
	ErrcodeInvalidCardStatus    = 40078
	ErrcodeInvalidTime          = 40079
	ErrcodeInvalidCardExt       = 40080
	ErrcodeInvalidArgs          = 40097
	ErrcodeCodeConsumed         = 40099
	ErrcodeInvalidTimeRange     = 40100
	ErrcodeTooManyCodes         = 40109
	ErrcodeInvalidCode          = 40116
	ErrcodeInvalidQuantity      = 40122
	ErrcodeTooManyCustomFields  = 40124
	ErrcodeInvalidAppSecret     = 40125
	ErrcodeInvalidUserCardState = 40127
	ErrcodeMissingAccessToken   = 41001
	ErrcodeMissingAppID         = 41002
	ErrcodeMissingSecret        = 41004
	ErrcodeMissingField         = 41011
	ErrcodeMissingCardID        = 41012
	ErrcodeAccessTokenExpired   = 42001
	ErrcodeRequireGET           = 43001
	ErrcodeRequirePOST          = 43002
	ErrcodeEmptyPostData        = 44002
	ErrcodeDailyQuota           = 45009
	ErrcodeFieldTooLong         = 45021
	ErrcodeStockEmpty           = 45031
	ErrcodeGetLimit             = 45033
	ErrcodeDataFormat           = 47001
)

// errmsg returns WeChat's errmsg wording for code; handlers add a hint
// saying which field or value was wrong.
func errmsg(code int) string {
	switch code {
	case ErrcodeSystemBusy:
		return "system error"
	case ErrcodeInvalidCredential:
		return "invalid credential, access_token is invalid or not latest"
	case ErrcodeInvalidGrantType:
		return "invalid grant_type"
	case ErrcodeInvalidOpenID:
		return "invalid openid"
	case ErrcodeInvalidAppID:
		return "invalid appid"
	case ErrcodeInvalidAccessToken:
		return "invalid access_token"
	case ErrcodeInvalidActionInfo:
		return "invalid action info"
	case ErrcodeInvalidSerialCode:
		return "invalid serial code"
	case ErrcodeInvalidURL:
		return "invalid url"
	case ErrcodeInvalidCardType:
		return "invalid card type"
	case ErrcodeInvalidCodeType:
		return "invalid code type"
	case ErrcodeInvalidCardID:
		return "invalid card id"
	case ErrcodeInvalidCardStatus:
		return "invalid card status"
	case ErrcodeInvalidTime:
		return "invalid time"
	case ErrcodeInvalidCardExt:
		return "invalid card ext"
	case ErrcodeInvalidArgs:
		return "invalid args"
	case ErrcodeCodeConsumed:
		return "invalid code, this code has consumed"
	case ErrcodeInvalidTimeRange:
		return "invalid time range"
	case ErrcodeTooManyCodes:
		return "code count exceeds limit"
	case ErrcodeInvalidCode:
		return "invalid code"
	case ErrcodeInvalidQuantity:
		return "invalid quantity"
	case ErrcodeTooManyCustomFields:
		return "too many custom fields"
	case ErrcodeInvalidAppSecret:
		return "invalid appsecret"
	case ErrcodeInvalidUserCardState:
		return "invalid user-card status"
	case ErrcodeMissingAccessToken:
		return "access_token missing"
	case ErrcodeMissingAppID:
		return "appid missing"
	case ErrcodeMissingSecret:
		return "appsecret missing"
	case ErrcodeMissingField:
		return "missing required field"
	case ErrcodeMissingCardID:
		return "missing card_id"
	case ErrcodeAccessTokenExpired:
		return "access_token expired"
	case ErrcodeRequireGET:
		return "require GET method"
	case ErrcodeRequirePOST:
		return "require POST method"
	case ErrcodeEmptyPostData:
		return "empty post data"
	case ErrcodeDailyQuota:
		return "reach max api daily quota limit"
	case ErrcodeFieldTooLong:
		return "field too long"
	case ErrcodeStockEmpty:
		return "card stock is empty"
	case ErrcodeGetLimit:
		return "user get card count exceeds get_limit"
	case ErrcodeDataFormat:
		return "data format error"
	}
	return "error " + strconv.Itoa(code)
}

// wxError is an errcode answer on a WeChat path.
type wxError struct {
	Code int
	Hint string
}

func (e *wxError) Error() string {
	msg := errmsg(e.Code)
	if e.Hint != "" {
		msg += " hint: [" + e.Hint + "]"
	}
	return msg
}

func wxErr(code int, hint string) *wxError { return &wxError{Code: code, Hint: hint} }

// missing is the answer for an absent required field.
func missing(field string) *wxError { return wxErr(ErrcodeMissingField, field+" is required") }
