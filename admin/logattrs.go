package admin

// The attributes the client logs, for either logger (log.go, log_js.go).

func attrOp(op string) attr   { return attrString("op", op) }
func attrCode(code int) attr  { return attrInt("errcode", code) }
func attrURL(raw string) attr { return attrString("url", redactURL(raw)) }
func attrErr(err error) attr  { return attrString("error", err.Error()) }
func attrKey(key string) attr { return attrString("key", key) }

// withLogger is WithLogger's option for either logger type.
func withLogger(l logger) Option {
	return func(c *Client) error {
		if l == nil {
			return invalidArg("logger", "is nil")
		}
		c.log = l
		return nil
	}
}
