package edge

import (
	"io"
	"net/http"
	"strconv"
)

// maxDrain bounds how much of a rejected body is read and thrown away.
const maxDrain = 1 << 20

// drainBody reads what is left of a rejected request body, up to maxDrain,
// before the error is answered. A server that answers while the client is
// still sending makes some hosts (workerd among them) reset the connection,
// and the client then sees "connection reset" instead of the 413 or 400.
func drainBody(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, maxDrain)
}

// decodeBody reads a JSON object from the request into dst, rejecting
// anything the API does not define: unknown fields, wrong types, trailing
// data, bodies over the limit.
func decodeBody(s *settings, w http.ResponseWriter, r *http.Request, dst requestBody) (failed *apiError) {
	defer func() {
		if failed != nil {
			drainBody(r.Body)
		}
	}()
	if e := checkContentType(r); e != nil {
		return e
	}
	if r.ContentLength > s.maxBody {
		return tooLarge(s)
	}
	return readJSONBody(s, w, r, dst)
}

func tooLarge(s *settings) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: CodeBodyTooLarge,
		message: "the body is larger than " + strconv.FormatInt(s.maxBody, 10) + " bytes"}
}
