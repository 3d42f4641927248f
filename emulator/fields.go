package emulator

import (
	"encoding/json"
	"strconv"
)

// object is a decoded JSON object whose numbers are json.Number.
type object = map[string]any

func getObject(m object, key string) (object, bool) {
	v, ok := m[key].(map[string]any)
	return v, ok
}

// getString returns m[key] when it is a string; present says whether the
// key exists at all, so a wrong type can be told from an absent field.
func getString(m object, key string) (s string, present bool, err error) {
	v, present := m[key]
	if !present || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", true, wxErr(ErrcodeDataFormat, key+" must be a string")
	}
	return s, true, nil
}

// requireString is getString for a field that must be present and non-empty.
func requireString(m object, key, path string) (string, error) {
	s, _, err := getString(m, key)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", missing(path + key)
	}
	return s, nil
}

func getInt(m object, key string) (n int64, present bool, err error) {
	v, present := m[key]
	if !present || v == nil {
		return 0, false, nil
	}
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return 0, true, wxErr(ErrcodeDataFormat, key+" must be an integer")
		}
		return n, true, nil
	case string:
		// WeChat's own samples quote some numbers; accept digits in a string.
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, true, wxErr(ErrcodeDataFormat, key+" must be an integer")
		}
		return n, true, nil
	}
	return 0, true, wxErr(ErrcodeDataFormat, key+" must be an integer")
}

func getBool(m object, key string) (b, present bool, err error) {
	v, present := m[key]
	if !present || v == nil {
		return false, false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, true, wxErr(ErrcodeDataFormat, key+" must be true or false")
	}
	return b, true, nil
}

// deepCopy copies a decoded JSON value so a stored card never aliases a
// request or a response.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = deepCopy(v)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = deepCopy(v)
		}
		return out
	}
	return v
}

// validCode is a user-card code as WeChat takes it: 1..20 visible ASCII.
func validCode(code string) bool {
	if code == "" || len(code) > 20 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] <= ' ' || code[i] >= 0x7f {
			return false
		}
	}
	return true
}
