// Package devhttp is the HTTP plumbing the two development servers share
// (cmd/localserver and emulator/cmd/wxcard-emulator): an http.Server with
// every timeout set, and the guards that keep a web page on another site
// from driving the emulator through the user's browser — a Host check
// against DNS rebinding, a loopback-Origin check and a JSON content type
// for state-changing requests.
package devhttp
