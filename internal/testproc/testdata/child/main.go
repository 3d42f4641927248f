// Command child is the program testproc's tests start: it listens on
// 127.0.0.1:0, prints "Ready on <addr>." and exits 0 on SIGTERM, or, with
// -exit N, exits with N at once after printing "bye".
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	exit := flag.Int("exit", -1, "exit at once with this code")
	flag.Parse()
	if *exit >= 0 {
		fmt.Println("bye")
		os.Exit(*exit)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("Ready on %s.\n", l.Addr())
	<-sigs
	l.Close()
	fmt.Fprintln(os.Stderr, "stopping")
}
