package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/signer"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	batch := func(err error) error {
		return fmt.Errorf("chunk 3: %w", &admin.BatchError{Op: "card/code/deposit", Batches: 1, Err: err})
	}
	for name, tc := range map[string]struct {
		err    error
		status int
		code   string
	}{
		"usage":                {usagef("bad flag"), exitUsage, "usage"},
		"admin invalid input":  {&admin.ValidationError{Field: "code", Reason: "is required"}, exitUsage, "usage"},
		"signer invalid input": {fmt.Errorf("x: %w", signer.ErrInvalidInput), exitUsage, "usage"},
		"config wrapping invalid input": {configf("env: %w", &admin.ValidationError{Field: "app_id", Reason: "is required"}),
			exitConfig, "config"},
		"secret refused":  {&admin.APIError{Op: "cgi-bin/stable_token", Code: 40125}, exitConfig, "credentials_refused"},
		"ip refused":      {batch(&admin.APIError{Code: 40164}), exitConfig, "credentials_refused"},
		"unknown card":    {batch(&admin.APIError{Code: 40073}), exitWeChat, "wechat_error"},
		"busy":            {batch(&admin.APIError{Code: -1}), exitUnavailable, "unavailable"},
		"http 503":        {&admin.HTTPError{Op: "x", StatusCode: 503}, exitUnavailable, "unavailable"},
		"html page":       {&admin.DecodeError{Op: "x"}, exitUnavailable, "unavailable"},
		"cut off":         {batch(fmt.Errorf("reading response: %w", io.ErrUnexpectedEOF)), exitUnavailable, "unavailable"},
		"reset":           {fmt.Errorf("x: %w", syscall.ECONNRESET), exitUnavailable, "unavailable"},
		"dial":            {&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, exitUnavailable, "unavailable"},
		"deadline":        {context.DeadlineExceeded, exitUnavailable, "unavailable"},
		"refresh timeout": {admin.ErrRefreshTimeout, exitUnavailable, "unavailable"},
		"mismatch":        {&reported{errMismatch}, exitMismatch, "mismatch"},
		"incomplete":      {&reported{fmt.Errorf("%w: 3", errIncomplete)}, exitIncomplete, "incomplete"},
		"interrupted":     {errInterrupted, exitInterrupted, "interrupted"},
		"canceled":        {context.Canceled, exitInterrupted, "interrupted"},
		"anything else":   {errors.New("disk full"), exitFailure, "failure"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, code := classify(tc.err)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.status == exitUnavailable, transient(tc.err))
		})
	}
}
