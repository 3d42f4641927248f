package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

// NewServer builds the config API for s: an admin client that caches
// tickets in store, behind edge.NewServer. opts are passed on to
// admin.NewClient after the store and base URL; in js/wasm builds the
// client fetches through the runtime's fetch, natively through an
// *http.Client (NewHandler gives one with admin.WithHTTPClient).
// Warnings and errors are written to logOutput as key=value lines; nil
// discards them.
func NewServer(s Settings, store kv.Store, logOutput io.Writer, opts ...admin.Option) (*edge.Server, error) {
	return wire(s, store, logOutput, opts, edge.NewServer)
}

// wire is what NewServer and NewHandler share: the admin client, the
// edge.Config, and newAPI (edge.NewServer or edge.NewHandler) on it.
func wire[T any](s Settings, store kv.Store, logOutput io.Writer, extra []admin.Option, newAPI func(edge.Config) (T, error)) (T, error) {
	var zero T
	cfg, err := edgeConfig(s, store, logOutput, extra)
	if err != nil {
		return zero, err
	}
	api, err := newAPI(cfg)
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrMisconfigured, err)
	}
	return api, nil
}

func edgeConfig(s Settings, store kv.Store, logOutput io.Writer, extra []admin.Option) (edge.Config, error) {
	if store == nil {
		return edge.Config{}, errors.New("app: nil store")
	}
	opts := []admin.Option{admin.WithStore(store)}
	if s.BaseURL != "" {
		opts = append(opts, admin.WithBaseURL(s.BaseURL))
	}
	logger := newLogger(logOutput)
	if logger != nil {
		opts = append(opts, admin.WithLogger(logger))
	}
	client, err := admin.NewClient(s.AppID, s.Secret, append(opts, extra...)...)
	if err != nil {
		return edge.Config{}, fmt.Errorf("%w: %w", ErrMisconfigured, err)
	}
	return edge.Config{
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
	}, nil
}

// MisconfiguredResponse is the answer to every request of a Worker that
// could not start: 500 and the code "worker_misconfigured", so a
// deployment missing a variable says which one instead of failing
// obscurely. err must not carry secret values (LoadSettings' and
// NewServer's errors do not).
func MisconfiguredResponse(err error) *edge.Response {
	body := []byte(`{"error":{"code":"worker_misconfigured","message":`)
	body = signer.AppendJSONString(body, err.Error())
	body = append(body, "}}\n"...)
	return &edge.Response{
		Status: 500,
		Header: []edge.HeaderField{
			{Name: "Content-Type", Value: "application/json; charset=utf-8"},
			{Name: "Cache-Control", Value: "no-store"},
		},
		Body: body,
	}
}
