package main

// appendValues writes ,"sorted_values":[…],"preimage":"…".
func appendValues(out []byte, sorted []string) []byte {
	out = append(out, `,"sorted_values":[`...)
	for i, v := range sorted {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, v)
	}
	out = append(out, `],"preimage":"`...)
	for _, v := range sorted {
		out = appendStringBody(out, v)
	}
	return append(out, '"')
}

func appendProblem(out []byte, code, field, message string) []byte {
	out = append(out, `{"code":`...)
	out = appendString(out, code)
	if field != "" {
		out = append(out, `,"field":`...)
		out = appendString(out, field)
	}
	out = append(out, `,"message":`...)
	out = appendString(out, message)
	return append(out, '}')
}

func appendError(out []byte, e *requestError) []byte {
	out = append(out, `{"error":{"code":`...)
	out = appendString(out, e.code)
	out = append(out, `,"message":`...)
	out = appendString(out, e.message)
	if e.field != "" {
		out = append(out, `,"field":`...)
		out = appendString(out, e.field)
	}
	return append(out, "}}"...)
}

func appendString(out []byte, s string) []byte {
	out = append(out, '"')
	out = appendStringBody(out, s)
	return append(out, '"')
}

// appendStringBody escapes s for a JSON string without HTML escaping; s is
// valid UTF-8 (requests are checked), so bytes ≥ 0x80 are copied as they are.
func appendStringBody(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	return append(out, s[start:]...)
}
