package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Message is one push from WeChat: an event (MsgType "event") or a user's
// message. The header is parsed; everything else is kept in Fields and Raw,
// so an event type or field this package does not know is never lost.
type Message struct {
	ToUserName   string // the account's original id, gh_…
	FromUserName string // the user's openid (or WeChat's, for review events)
	CreateTime   int64  // Unix seconds
	MsgType      string // "event" for card events
	Event        string // the event type, such as "user_get_card"; empty for messages
	MsgID        string // set on messages, absent on most events

	// Fields holds the text of every element under <xml>, keyed by element
	// name; nested elements are keyed by their path ("Parent/Child"). When a
	// name repeats, the first value is kept (Raw has them all).
	Fields map[string]string
	// Raw is the message's plaintext XML, decrypted in safe mode.
	Raw []byte
}

// Field returns the text of the element name, or "" if it is absent.
func (m *Message) Field(name string) string { return m.Fields[name] }

// Parse reads a plaintext message. It needs an <xml> root with FromUserName,
// MsgType and a numeric CreateTime, which is what deduplication keys on;
// every failure matches [ErrXML]. The returned Message keeps raw as Raw.
func Parse(raw []byte) (*Message, error) {
	fields, err := parseFields(raw)
	if err != nil {
		return nil, err
	}
	m := &Message{
		ToUserName:   fields["ToUserName"],
		FromUserName: fields["FromUserName"],
		MsgType:      fields["MsgType"],
		Event:        fields["Event"],
		MsgID:        fields["MsgId"],
		Fields:       fields,
		Raw:          raw,
	}
	if m.FromUserName == "" || m.MsgType == "" {
		return nil, xmlErr("FromUserName and MsgType are required", nil)
	}
	created, ok := fields["CreateTime"]
	if !ok {
		return nil, xmlErr("CreateTime is required", nil)
	}
	m.CreateTime, err = strconv.ParseInt(strings.TrimSpace(created), 10, 64)
	if err != nil {
		return nil, xmlErr("CreateTime is not a number", nil)
	}
	return m, nil
}

// maxDepth bounds nesting: WeChat's pushes are two or three levels deep.
const maxDepth = 16

// parseFields collects the text of the elements under an <xml> root.
func parseFields(raw []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	fields := make(map[string]string)
	var path []string
	var text strings.Builder
	leaf := false
	rootSeen, rootClosed := false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, xmlErr("not well-formed", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootClosed {
				return nil, xmlErr("content after </xml>", nil)
			}
			if len(path) == 0 {
				if rootSeen || t.Name.Local != "xml" {
					return nil, xmlErr("the root element must be <xml>", nil)
				}
				rootSeen = true
			}
			if len(path) >= maxDepth {
				return nil, xmlErr("nested too deep", nil)
			}
			path = append(path, t.Name.Local)
			text.Reset()
			leaf = true
		case xml.CharData:
			if len(path) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, xmlErr("text outside <xml>", nil)
			}
			if leaf {
				text.Write(t)
			}
		case xml.EndElement:
			if leaf && len(path) > 1 {
				key := strings.Join(path[1:], "/")
				if _, dup := fields[key]; !dup {
					fields[key] = text.String()
				}
			}
			leaf = false
			path = path[:len(path)-1]
			if len(path) == 0 {
				rootClosed = true
			}
		}
	}
	if !rootClosed {
		return nil, xmlErr("no <xml> element", nil)
	}
	return fields, nil
}

// DedupKey identifies the push across WeChat's retries: MsgId for a
// message; for an event, WeChat's documented FromUserName and CreateTime,
// plus the event type, card id, code and order id, because one user can
// get several cards in the same second (a batch wx.addCard) and each of
// those is a push of its own. The key is hashed to a fixed length.
func (m *Message) DedupKey() string {
	h := sha256.New()
	if m.MsgID != "" {
		io.WriteString(h, "msg\x00"+m.ToUserName+"\x00"+m.MsgID)
	} else {
		for _, part := range []string{"event", m.ToUserName, m.FromUserName, strconv.FormatInt(m.CreateTime, 10),
			m.Event, m.Fields["CardId"], m.Fields["UserCardCode"], m.Fields["OrderId"]} {
			io.WriteString(h, part)
			h.Write([]byte{0})
		}
	}
	return "wxcard:events:" + hex.EncodeToString(h.Sum(nil))
}
