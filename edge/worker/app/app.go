package app

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

// NewHandler builds the config API for s: an admin client that fetches
// tickets through hc and caches them in store, behind edge.NewHandler.
// Warnings and errors are written to logOutput as key=value lines; nil
// discards them.
func NewHandler(s Settings, hc *http.Client, store kv.Store, logOutput io.Writer) (http.Handler, error) {
	if hc == nil || store == nil {
		return nil, errors.New("app: nil HTTP client or store")
	}
	opts := []admin.Option{admin.WithHTTPClient(hc), admin.WithStore(store)}
	if s.BaseURL != "" {
		opts = append(opts, admin.WithBaseURL(s.BaseURL))
	}
	logger := newLogger(logOutput)
	if logger != nil {
		opts = append(opts, admin.WithLogger(logger))
	}
	client, err := admin.NewClient(s.AppID, s.Secret, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMisconfigured, err)
	}
	h, err := edge.NewHandler(edge.Config{
		AppID:          s.AppID,
		Tickets:        client,
		AllowedOrigins: s.AllowedOrigins,
		AllowedCardIDs: s.AllowedCardIDs,
		Logger:         logger,
		Policy: edge.Policy{
			GrantKeys:           s.GrantKeys,
			PublicCardIDs:       s.PublicCardIDs,
			JSConfigURLPrefixes: s.JSConfigURLPrefixes,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMisconfigured, err)
	}
	return h, nil
}

// MisconfiguredHandler answers every request with 500 and the code
// "worker_misconfigured", so a deployment missing a variable says which one
// instead of failing obscurely. err must not carry secret values
// (LoadSettings' and NewHandler's errors do not).
func MisconfiguredHandler(err error) http.Handler {
	body := []byte(`{"error":{"code":"worker_misconfigured","message":`)
	body = signer.AppendJSONString(body, err.Error())
	body = append(body, "}}\n"...)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(body)
	})
}
