package emulator

import (
	"context"
	"encoding/json"
	"fmt"
)

// StateJSON is the whole state, secrets included, as JSON with sorted map
// keys: tests compare it before a restart and after.
func (e *Emulator) StateJSON() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return json.Marshal(&e.st)
}

// DepositBulk deposits codes for a use_custom_code card in one commit, as
// many card/code/deposit calls would: benchmark setup for a large state.
func (e *Emulator) DepositBulk(ctx context.Context, appID, cardID string, codes []string) error {
	a, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return err
	}
	defer unlock()
	cd := a.Cards[cardID]
	if cd == nil || !cd.UseCustomCode {
		return fmt.Errorf("%w: no custom-code card %s", ErrNotFound, cardID)
	}
	for _, code := range codes {
		if _, dup := cd.Deposited[code]; !dup {
			cd.Deposited[code] = false
			e.touchCode(appID, cd, code)
		}
	}
	return e.saveLocked()
}

// Closed reports whether Close has run.
func (e *Emulator) Closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}
