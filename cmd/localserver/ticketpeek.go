package main

import (
	"context"
	"net"
	"net/http"
	"time"
)

// GET /dev/v1/card-ticket → {"ticket","type":"wx_card"}: the emulator's
// current card api_ticket, for the preview tool's "fill in" button. In
// emulator mode that ticket is a dev ticket of an offline, fake WeChat, and
// it is what /v1/addcard signs with, so a developer on this machine may see
// it. Even so it is handed out only to this machine: the request must come
// from a loopback address, name a loopback host (a DNS-rebinding page has
// its own name in Host) and not be a cross-site browser request; there are
// no CORS headers, so other origins' pages cannot read it. The route exists
// only in emulator mode: a real WeChat ticket is never served.
const cardTicketPath = "/dev/v1/card-ticket"

// cardTicketTimeout bounds the emulator round trip when the admin client's
// cached ticket has expired.
const cardTicketTimeout = 5 * time.Second

func (s *server) serveCardTicket(w http.ResponseWriter, r *http.Request) {
	if s.emu == nil {
		// Registered only in emulator mode; this guards a future miswiring.
		writeJSONError(w, http.StatusNotFound, "not_found", "no route "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use GET")
		return
	}
	if code, msg := loopbackOnly(r); code != "" {
		writeJSONError(w, http.StatusForbidden, code, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), cardTicketTimeout)
	defer cancel()
	ticket, err := s.admin.CardTicket(ctx)
	if err != nil {
		// The error may name upstream details but never the ticket; the
		// log keeps it, the answer does not.
		s.log.Warn("the emulator's card ticket could not be read", "error", err.Error())
		writeJSONError(w, http.StatusBadGateway, "upstream_unavailable", "the emulator did not give a card ticket; see the server log")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"ticket": ticket, "type": "wx_card"})
}

// loopbackOnly returns an error code and message unless r comes from this
// machine, for this machine, and not from another site's page.
func loopbackOnly(r *http.Request) (code, message string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "not_loopback", "this route answers requests from this machine only"
	}
	reqHost := r.Host
	if h, _, err := net.SplitHostPort(reqHost); err == nil {
		reqHost = h
	}
	if !isLoopbackHost(trimBrackets(reqHost)) {
		return "forbidden_host", "this route answers only requests for a loopback host (127.0.0.1, localhost, [::1])"
	}
	// Browsers say where a request comes from; another site's page (or a
	// page of another port) gets nothing, even without reading the answer.
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return "cross_site", "this route answers the local server's own pages only"
	}
	return "", ""
}

func trimBrackets(host string) string {
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		return host[1 : len(host)-1]
	}
	return host
}
