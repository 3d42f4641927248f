package emulator

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Control routes for event pushes and the wallet actions that cause them.

// pushView is GET /emulator/v1/push's answer: the app's server URL (never
// its token or key), its push log and how many pushes are still on their
// way.
type pushView struct {
	AppID  string       `json:"appid"`
	Target *PushTarget  `json:"target"`
	Faults PushFaults   `json:"faults"`
	Pushes []PushRecord `json:"pushes"`
}

// maxPushWait bounds GET /emulator/v1/push?wait=.
const maxPushWait = time.Minute

// GET  /emulator/v1/push?appid&wait=5s → pushView, once every push queued
// so far has been delivered or has given up (wait: at most that long, else
// 504 pushes_pending) — how a test waits for a push without polling.
// POST /emulator/v1/push {"appid"?,"url","token","encoding_aes_key","mode","original_id"?}
// sets the server URL; {"url":""} removes it.
func (e *Emulator) pushRoute(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID string `json:"appid"`
		PushConfig
	}
	if r.Method == http.MethodPost && !decodeControl(w, r, &req) {
		return
	}
	a, unlock, ok := e.lockControlApp(w, r, req.AppID)
	if !ok {
		return
	}
	unlock()
	if r.Method == http.MethodGet {
		if raw := r.URL.Query().Get("wait"); raw != "" {
			d, err := time.ParseDuration(raw)
			if err != nil || d <= 0 || d > maxPushWait {
				controlError(w, http.StatusBadRequest, "invalid_request", "wait must be a duration up to 1m, such as \"5s\"")
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			err = e.WaitPushes(ctx)
			cancel()
			if err != nil {
				controlError(w, http.StatusGatewayTimeout, "pushes_pending", "pushes were still on their way when the wait ended")
				return
			}
		}
	}
	if r.Method == http.MethodPost {
		if req.URL == "" {
			e.ClearPushConfig(a.AppID)
		} else if err := e.SetPushConfig(r.Context(), a.AppID, req.PushConfig); err != nil {
			e.controlFailure(w, err)
			return
		}
	}
	v := pushView{AppID: a.AppID, Pushes: e.Pushes(a.AppID)}
	if t, ok := e.PushTargetOf(a.AppID); ok {
		v.Target = &t
	}
	e.push.mu.Lock()
	v.Faults = e.push.faults
	e.push.mu.Unlock()
	writeControl(w, http.StatusOK, v)
}

// POST /emulator/v1/push/faults {"lose_answers"} → the push faults.
func (e *Emulator) pushFaultsRoute(w http.ResponseWriter, r *http.Request) {
	var f PushFaults
	if !decodeControl(w, r, &f) {
		return
	}
	if err := e.SetPushFaults(f); err != nil {
		e.controlFailure(w, err)
		return
	}
	writeControl(w, http.StatusOK, f)
}

// POST /emulator/v1/wallet/delete {"appid"?,"card_id","code"}: the user
// deletes the card from the wallet (user_del_card).
// POST /emulator/v1/wallet/gift {"appid"?,"card_id","code","friend_openid"}:
// the user gives it to a friend (user_gifting_card, user_get_card).
func (e *Emulator) walletActionRoute(w http.ResponseWriter, r *http.Request, action string) {
	var req struct {
		AppID        string `json:"appid"`
		CardID       string `json:"card_id"`
		Code         string `json:"code"`
		FriendOpenID string `json:"friend_openid"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if req.CardID == "" || req.Code == "" {
		controlError(w, http.StatusBadRequest, "invalid_request", "card_id and code are required")
		return
	}
	a, unlock, ok := e.lockControlApp(w, r, req.AppID)
	if !ok {
		return
	}
	unlock()
	var err error
	if action == "gift" {
		err = e.GiveCard(r.Context(), a.AppID, req.CardID, req.Code, req.FriendOpenID)
	} else {
		err = e.RemoveFromWallet(r.Context(), a.AppID, req.CardID, req.Code)
	}
	if err != nil {
		e.controlFailure(w, err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"card_id": req.CardID, "code": req.Code})
}

// controlFailure answers an error of a Go-side helper with its stable code.
func (e *Emulator) controlFailure(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrInvalidArgument):
		controlError(w, http.StatusBadRequest, "invalid_request", err.Error())
	case errors.Is(err, ErrNotFound):
		controlError(w, http.StatusNotFound, "not_found", "no such card or code in this app")
	case errors.Is(err, ErrUnknownApp):
		controlError(w, http.StatusNotFound, "unknown_app", "no app with that appid is registered")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		controlError(w, http.StatusServiceUnavailable, "canceled", "the request was canceled")
	default:
		controlError(w, http.StatusInternalServerError, "snapshot_failed", "the snapshot file could not be written")
	}
}
