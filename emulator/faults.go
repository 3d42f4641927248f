package emulator

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/ctxsleep"
)

// Faults configures failure injection on WeChat paths (never on control
// routes). It is what GET /emulator/v1/faults shows and POST replaces.
type Faults struct {
	// LatencyMS delays every WeChat-path response.
	LatencyMS int64 `json:"latency_ms"`
	// HTTP5xxRate answers that fraction of calls with HTTP 503 and an HTML
	// body, before the call runs.
	HTTP5xxRate float64 `json:"http_5xx_rate"`
	// BusyRate answers that fraction of calls with errcode -1, before the
	// call runs.
	BusyRate float64 `json:"busy_rate"`
	// DisconnectRate cuts the connection half-way through the response for
	// that fraction of calls. The call has run; only its answer is lost.
	DisconnectRate float64 `json:"disconnect_rate"`
	// Rules fail the next calls of a path; the first matching rule with
	// calls left applies, and is used up one call at a time.
	Rules []FaultRule `json:"rules"`
}

// FaultRule fails the next Count calls of Path (e.g. "card/code/consume")
// in exactly one way: an errcode, an HTTP status (5xx) or a disconnect.
type FaultRule struct {
	Path       string `json:"path"`
	Count      int    `json:"count"`
	Errcode    int    `json:"errcode,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Disconnect bool   `json:"disconnect,omitempty"`
}

// maxLatency bounds LatencyMS so a typo cannot hang a test suite.
const maxLatency = time.Minute

func (f Faults) clone() Faults {
	f.Rules = append([]FaultRule(nil), f.Rules...)
	return f
}

func (f Faults) validate() error {
	if f.LatencyMS < 0 || time.Duration(f.LatencyMS)*time.Millisecond > maxLatency {
		return errors.New("latency_ms must be 0..60000")
	}
	rates := []struct {
		name string
		v    float64
	}{{"http_5xx_rate", f.HTTP5xxRate}, {"busy_rate", f.BusyRate}, {"disconnect_rate", f.DisconnectRate}}
	for _, r := range rates {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("%s must be 0..1", r.name)
		}
	}
	for i, r := range f.Rules {
		at := "rules[" + strconv.Itoa(i) + "]"
		if strings.TrimPrefix(r.Path, "/") == "" {
			return errors.New(at + ".path is required")
		}
		if r.Count < 1 {
			return errors.New(at + ".count must be at least 1")
		}
		kinds := 0
		if r.Errcode != 0 {
			kinds++
		}
		if r.HTTPStatus != 0 {
			kinds++
			if r.HTTPStatus < 500 || r.HTTPStatus > 599 {
				return errors.New(at + ".http_status must be 500..599")
			}
		}
		if r.Disconnect {
			kinds++
		}
		if kinds != 1 {
			return errors.New(at + " needs exactly one of errcode, http_status or disconnect")
		}
	}
	return nil
}

// fault is what happens to one call.
type fault struct {
	latency    time.Duration
	status     int
	errcode    int
	disconnect bool
}

// pickFault decides the fault for one call of path and uses up rules.
func (e *Emulator) pickFault(path string) fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := fault{latency: time.Duration(e.faults.LatencyMS) * time.Millisecond}
	for i := range e.faults.Rules {
		r := &e.faults.Rules[i]
		if strings.TrimPrefix(r.Path, "/") != path || r.Count < 1 {
			continue
		}
		r.Count--
		f.errcode, f.status, f.disconnect = r.Errcode, r.HTTPStatus, r.Disconnect
		if r.Count == 0 {
			e.faults.Rules = append(e.faults.Rules[:i], e.faults.Rules[i+1:]...)
		}
		return f
	}
	switch {
	case e.chance(e.faults.HTTP5xxRate):
		f.status = http.StatusServiceUnavailable
	case e.chance(e.faults.BusyRate):
		f.errcode = ErrcodeSystemBusy
	case e.chance(e.faults.DisconnectRate):
		f.disconnect = true
	}
	return f
}

// sleep waits out the latency; false means the client gave up first.
func (f fault) sleep(r *http.Request) bool {
	return f.latency <= 0 || ctxsleep.Sleep(r.Context(), f.latency) == nil
}

// disconnect sends the status line, headers announcing the full length and
// half of the body, then closes the connection: the client sees an
// unexpected EOF. Without a Hijacker (HTTP/2, recorders) it panics with
// http.ErrAbortHandler, which net/http turns into a reset stream.
func disconnect(w http.ResponseWriter, status int, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	writeHalf(rw.Writer, status, body)
}

func writeHalf(w *bufio.Writer, status int, body []byte) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		status, http.StatusText(status), len(body))
	w.Write(body[:len(body)/2])
	w.Flush()
}
