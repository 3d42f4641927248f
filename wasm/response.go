package main

import (
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/signer"
)

// appendValues writes ,"sorted_values":[…],"preimage":"…".
func appendValues(out []byte, sorted []string) []byte {
	out = append(out, `,"sorted_values":[`...)
	for i, v := range sorted {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, v)
	}
	out = append(out, `],"preimage":`...)
	return appendString(out, strings.Join(sorted, ""))
}

func appendProblem(out []byte, code, field, message string, cause bool) []byte {
	out = append(out, `{"code":`...)
	out = appendString(out, code)
	if field != "" {
		out = append(out, `,"field":`...)
		out = appendString(out, field)
	}
	out = append(out, `,"message":`...)
	out = appendString(out, message)
	if cause {
		out = append(out, `,"cause":true`...)
	}
	return append(out, '}')
}

// appendVerdict opens a verification result: {"valid":…,"signature":…,"expected":….
func appendVerdict(out []byte, valid bool, signature, expected string) []byte {
	out = append(out, `{"valid":`...)
	out = strconv.AppendBool(out, valid)
	out = append(out, `,"signature":`...)
	out = appendString(out, signature)
	out = append(out, `,"expected":`...)
	return appendString(out, expected)
}

// appendProblems writes ,"problems":[…] and closes the result object.
func appendProblems(out []byte, problems []signer.Problem) []byte {
	out = append(out, `,"problems":[`...)
	for i, pr := range problems {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendProblem(out, pr.Code, pr.Field, pr.Message, pr.Cause)
	}
	return append(out, "]}"...)
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

// appendString writes s as a JSON string with the signer's encoder, the one
// every payload of the toolkit is written with.
func appendString(out []byte, s string) []byte {
	return signer.AppendJSONString(out, s)
}
