package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/devhttp"
	"github.com/wxcard/wxcard/internal/errorbody"
)

// Errors of the Go-side helpers, matched with errors.Is.
var (
	ErrUnknownApp      = errors.New("emulator: unknown appid")
	ErrNotFound        = errors.New("emulator: not found")
	ErrInvalidArgument = errors.New("emulator: invalid argument")
	ErrCardDeleted     = errors.New("emulator: card deleted")
)

// controlError writes {"error":{"code","message"}}.
func controlError(w http.ResponseWriter, status int, code, msg string) {
	writeControl(w, status, errorbody.New(code, msg))
}

func writeControl(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"response could not be encoded"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// decodeControl reads a JSON body; an empty body decodes as {}.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBody))
	if err != nil {
		controlError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is larger than 1 MiB")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil || dec.More() {
		controlError(w, http.StatusBadRequest, "invalid_json", "the body must be one JSON object of the documented shape")
		return false
	}
	return true
}

// controlApp picks the app a control route acts on: the appid field or
// query parameter, else the dev app. Callers hold mu.
func (e *Emulator) controlApp(w http.ResponseWriter, r *http.Request, bodyAppID string) (*appState, bool) {
	id := bodyAppID
	if id == "" {
		id = r.URL.Query().Get("appid")
	}
	if id == "" {
		id = e.st.DevApp
	}
	a := e.st.Apps[id]
	if a == nil {
		controlError(w, http.StatusNotFound, "unknown_app", "no app with that appid is registered")
		return nil, false
	}
	return a, true
}

// lockControlApp is controlApp for a route that does not hold mu yet, as
// lockApp is for the Go-side helpers: on success mu is held until unlock.
func (e *Emulator) lockControlApp(w http.ResponseWriter, r *http.Request, bodyAppID string) (*appState, func(), bool) {
	e.mu.Lock()
	a, ok := e.controlApp(w, r, bodyAppID)
	if !ok {
		e.mu.Unlock()
		return nil, nil, false
	}
	return a, e.mu.Unlock, true
}

// loopbackOrigin accepts the origins of pages served from this machine.
func loopbackOrigin(origin string) bool { return devhttp.IsLoopbackOrigin(origin) }

func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request, rest string) {
	if !e.cfg.controlRoutes {
		controlError(w, http.StatusNotFound, "not_found", "control routes are disabled")
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !loopbackOrigin(origin) {
			controlError(w, http.StatusForbidden, "forbidden_origin", "control routes answer pages from loopback origins only")
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	// A cross-site page may POST text/plain, a form or multipart without a
	// preflight; application/json needs one, which the check above answers
	// for loopback origins only. Empty bodies too: approve needs none.
	if r.Method == http.MethodPost && !devhttp.IsJSON(r) {
		controlError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send control requests as application/json, even with an empty body")
		return
	}
	method := func(allowed ...string) bool {
		for _, m := range allowed {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		controlError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+strings.Join(allowed, " or "))
		return false
	}
	switch {
	case rest == "/v1/wallet/add":
		if method(http.MethodPost) {
			e.walletAdd(w, r)
		}
	case rest == "/v1/encrypt":
		if method(http.MethodPost) {
			e.encryptRoute(w, r)
		}
	case rest == "/v1/state":
		if method(http.MethodGet) {
			e.stateRoute(w, r)
		}
	case rest == "/v1/clock":
		if method(http.MethodGet, http.MethodPost) {
			e.clockRoute(w, r)
		}
	case rest == "/v1/faults":
		if method(http.MethodGet, http.MethodPost) {
			e.faultsRoute(w, r)
		}
	case rest == "/v1/push":
		if method(http.MethodGet, http.MethodPost) {
			e.pushRoute(w, r)
		}
	case rest == "/v1/push/faults":
		if method(http.MethodPost) {
			e.pushFaultsRoute(w, r)
		}
	case rest == "/v1/wallet/delete", rest == "/v1/wallet/gift":
		if method(http.MethodPost) {
			e.walletActionRoute(w, r, strings.TrimPrefix(rest, "/v1/wallet/"))
		}
	case strings.HasPrefix(rest, "/v1/cards/") && strings.HasSuffix(rest, "/approve"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "/v1/cards/"), "/approve")
		if method(http.MethodPost) {
			e.approveRoute(w, r, id)
		}
	default:
		controlError(w, http.StatusNotFound, "not_found", "no such control route")
	}
}

// POST /emulator/v1/encrypt {"code","card_id"?,"appid"?} → {"encrypt_code"}
func (e *Emulator) encryptRoute(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID  string `json:"appid"`
		Code   string `json:"code"`
		CardID string `json:"card_id"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Code == "" {
		controlError(w, http.StatusBadRequest, "invalid_request", "code is required")
		return
	}
	a, unlock, ok := e.lockControlApp(w, r, req.AppID)
	if !ok {
		return
	}
	defer unlock()
	var found *userCard
	for _, id := range a.CardOrder {
		if req.CardID != "" && id != req.CardID {
			continue
		}
		if u := a.Cards[id].UserCards[req.Code]; u != nil {
			if found != nil {
				controlError(w, http.StatusConflict, "ambiguous_code", "the code exists in several cards; give card_id")
				return
			}
			found = u
		}
	}
	if found == nil {
		controlError(w, http.StatusNotFound, "unknown_code", "no user card has that code")
		return
	}
	enc := e.encrypt(a, found)
	if err := e.saveLocked(); err != nil {
		controlError(w, http.StatusInternalServerError, "snapshot_failed", "the snapshot file could not be written")
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"encrypt_code": enc, "card_id": found.CardID})
}

// POST /emulator/v1/cards/{id}/approve {"appid"?,"reject"?,"reason"?}
func (e *Emulator) approveRoute(w http.ResponseWriter, r *http.Request, cardID string) {
	var req struct {
		AppID  string `json:"appid"`
		Reject bool   `json:"reject"`
		Reason string `json:"reason"` // card_not_pass_check's RefuseReason
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if len(req.Reason) > maxRefuseReason || (req.Reason != "" && !req.Reject) {
		controlError(w, http.StatusBadRequest, "invalid_request", "reason goes with reject, at most 256 bytes")
		return
	}
	a, unlock, ok := e.lockControlApp(w, r, req.AppID)
	if !ok {
		return
	}
	defer unlock()
	cd, err := e.reviewLocked(a, cardID, req.Reject, req.Reason)
	switch {
	case errors.Is(err, ErrNotFound):
		controlError(w, http.StatusNotFound, "unknown_card", "no card with that id in this app")
		return
	case errors.Is(err, ErrCardDeleted):
		controlError(w, http.StatusConflict, "card_deleted", "a deleted card cannot be reviewed")
		return
	case err != nil:
		controlError(w, http.StatusInternalServerError, "snapshot_failed", "the snapshot file could not be written")
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"card_id": cd.ID, "status": cd.Status})
}

// Approve passes cardID's review, as POST /emulator/v1/cards/{id}/approve
// does: the card becomes CARD_STATUS_VERIFY_OK. Errors: ErrUnknownApp,
// ErrNotFound (no such card), ErrCardDeleted.
func (e *Emulator) Approve(ctx context.Context, appID, cardID string) error {
	return e.review(ctx, appID, cardID, false)
}

// Reject fails cardID's review (CARD_STATUS_VERIFY_FAIL), as the approve
// route does with {"reject":true}. Errors as Approve.
func (e *Emulator) Reject(ctx context.Context, appID, cardID string) error {
	return e.review(ctx, appID, cardID, true)
}

func (e *Emulator) review(ctx context.Context, appID, cardID string, reject bool) error {
	a, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = e.reviewLocked(a, cardID, reject, "")
	return err
}

// reviewLocked sets a card's review outcome and saves the snapshot; callers
// hold mu.
func (e *Emulator) reviewLocked(a *appState, cardID string, reject bool, reason string) (*card, error) {
	cd := a.Cards[cardID]
	if cd == nil {
		return nil, ErrNotFound
	}
	if cd.Status == StatusDelete {
		return nil, ErrCardDeleted
	}
	cd.Status = StatusVerifyOK
	if reject {
		cd.Status = StatusVerifyFail
	}
	cd.UpdateTime = e.now().Unix()
	e.touchCard(a.AppID, cd)
	if err := e.saveLocked(); err != nil {
		return nil, err
	}
	if reason == "" {
		reason = defaultRefuseReason
	}
	e.pushReview(a, cd, reject, reason)
	return cd, nil
}

type clockView struct {
	Now    string `json:"now"`
	Unix   int64  `json:"unix"`
	Offset string `json:"offset"`
}

func (e *Emulator) clockView() clockView {
	now := e.now()
	return clockView{now.UTC().Format(time.RFC3339), now.Unix(), e.st.ClockOffset.String()}
}

// GET /emulator/v1/clock → the emulated time.
// POST /emulator/v1/clock {"advance":"2h"} or {"advance_seconds":7200}.
func (e *Emulator) clockRoute(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		var v clockView
		e.locked(func() { v = e.clockView() })
		writeControl(w, http.StatusOK, v)
		return
	}
	var req struct {
		Advance        string `json:"advance"`
		AdvanceSeconds int64  `json:"advance_seconds"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	const maxStep = 10 * 365 * 24 * time.Hour
	if req.AdvanceSeconds < 0 || req.AdvanceSeconds > int64(maxStep/time.Second) {
		controlError(w, http.StatusBadRequest, "invalid_request", "give a positive advance (at most 10 years); the clock only moves forward")
		return
	}
	d := time.Duration(req.AdvanceSeconds) * time.Second
	if req.Advance != "" {
		parsed, err := time.ParseDuration(req.Advance)
		if err != nil {
			controlError(w, http.StatusBadRequest, "invalid_request", "advance must be a Go duration such as \"90s\" or \"2h\"")
			return
		}
		d += parsed
	}
	if d <= 0 || d > maxStep {
		controlError(w, http.StatusBadRequest, "invalid_request", "give a positive advance (at most 10 years); the clock only moves forward")
		return
	}
	var (
		v        clockView
		err      error
		boundErr error
		ahead    time.Duration
	)
	e.locked(func() {
		if boundErr = e.advanceLocked(d); boundErr != nil {
			ahead = e.st.ClockOffset
			return
		}
		err = e.saveLocked()
		v = e.clockView()
	})
	if boundErr != nil {
		controlError(w, http.StatusBadRequest, "clock_bound", "the clock is already "+ahead.String()+" ahead; it may move at most "+MaxClockOffset.String()+" in all")
		return
	}
	if err != nil {
		controlError(w, http.StatusInternalServerError, "snapshot_failed", "the snapshot file could not be written")
		return
	}
	writeControl(w, http.StatusOK, v)
}

// GET /emulator/v1/faults → the current Faults; POST replaces them.
func (e *Emulator) faultsRoute(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var f Faults
		if !decodeControl(w, r, &f) {
			return
		}
		if err := f.validate(); err != nil {
			controlError(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		e.locked(func() { e.faults = f.clone() })
	}
	var f Faults
	e.locked(func() { f = e.faults.clone() })
	if f.Rules == nil {
		f.Rules = []FaultRule{}
	}
	writeControl(w, http.StatusOK, f)
}

// SetTicketLifetime sets the expires_in of api_tickets issued from now on,
// as WithTicketLifetime does; tickets already issued keep theirs. It fails
// with ErrInvalidArgument outside 1s..TokenLifetime.
func (e *Emulator) SetTicketLifetime(d time.Duration) error {
	if err := checkTicketLifetime(d); err != nil {
		return errors.Join(ErrInvalidArgument, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ticketLifetime = d
	return nil
}

// SetFaults replaces the fault configuration, as POST /emulator/v1/faults does.
func (e *Emulator) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return errors.Join(ErrInvalidArgument, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = f.clone()
	return nil
}
