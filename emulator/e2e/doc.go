// Package e2e holds end-to-end tests of the emulator driven by the real
// admin client and signer: the merchant's whole flow over HTTP, and the
// ways a wx.addCard cardList is rejected. It has no non-test code; it is a
// separate package so that the emulator's own tests do not depend on admin.
package e2e
