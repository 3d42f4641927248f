package edge

import (
	"errors"
	"io"
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
func decodeBody(s *settings, r *Request, dst requestBody) (failed *apiError) {
	body := r.Body
	if body == nil {
		body = eofReader{}
	}
	defer func() {
		if failed != nil {
			drainBody(body)
		}
	}()
	if e := checkContentType(r.ContentType); e != nil {
		return e
	}
	if r.ContentLength > s.maxBody {
		return tooLarge(s)
	}
	limited := r.limited
	if limited == nil {
		limited = &limitReader{r: body, n: s.maxBody}
	}
	return readJSONBody(s, limited, dst)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// errBodyTooLarge is what limitReader fails with past its limit.
var errBodyTooLarge = errors.New("request body too large")

// limitReader reads up to n bytes of r and fails with errBodyTooLarge if
// r has more, as net/http's MaxBytesReader does (without its hold on the
// connection, which only the net/http adapter has).
type limitReader struct {
	r io.Reader
	n int64 // bytes left
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	if int64(n) <= l.n {
		l.n -= int64(n)
		return n, err
	}
	n = int(l.n)
	l.n = 0
	return n, errBodyTooLarge
}

func tooLarge(s *settings) *apiError {
	return &apiError{status: statusRequestEntityTooLarge, code: CodeBodyTooLarge,
		message: "the body is larger than " + strconv.FormatInt(s.maxBody, 10) + " bytes"}
}
