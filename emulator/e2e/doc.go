// Package e2e holds end-to-end tests of the emulator driven by the real
// admin client and signer: the ways a wx.addCard cardList is rejected, the
// faults the emulator injects as the client meets them, and a browser page
// calling wallet/add across origins. Every admin operation against the
// emulator is run once, in admin's e2e_emulator_test.go. It has no non-test
// code; it is a separate package so that the emulator's own tests do not
// depend on admin.
package e2e
