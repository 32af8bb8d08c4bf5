// A minimal NATS client over the text protocol (standard library only):
//
//	natsclient sub HOST:PORT SUBJECT COUNT  prints COUNT messages, then exits
//	natsclient pub HOST:PORT SUBJECT COUNT  publishes COUNT messages, 100 ms apart
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	// Built with cgo, as Debian's Go servers are.
	_ "runtime/cgo"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "natsclient: "+format+"\n", args...)
	os.Exit(1)
}

func expectLine(r *bufio.Reader, prefix string) string {
	line, err := r.ReadString('\n')
	if err != nil {
		fail("reading %s: %v", prefix, err)
	}
	if !strings.HasPrefix(line, prefix) {
		fail("expected %s, got %q", prefix, line)
	}
	return strings.TrimRight(line, "\r\n")
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: natsclient sub|pub HOST:PORT SUBJECT COUNT")
	}
	mode, addr, subject := os.Args[1], os.Args[2], os.Args[3]
	count, err := strconv.Atoi(os.Args[4])
	if err != nil {
		fail("bad count %q", os.Args[4])
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fail("dial %s: %v", addr, err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	expectLine(r, "INFO ")
	fmt.Fprintf(conn, "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"%s\"}\r\n", mode)
	switch mode {
	case "sub":
		fmt.Fprintf(conn, "SUB %s 1\r\nPING\r\n", subject)
		expectLine(r, "PONG")
		fmt.Println("subscribed")
		for got := 0; got < count; {
			line := expectLine(r, "")
			if line == "PING" {
				fmt.Fprint(conn, "PONG\r\n")
				continue
			}
			f := strings.Fields(line)
			if len(f) != 4 || f[0] != "MSG" {
				fail("unexpected %q", line)
			}
			n, _ := strconv.Atoi(f[3])
			payload := make([]byte, n+2)
			if _, err := io.ReadFull(r, payload); err != nil {
				fail("payload: %v", err)
			}
			got++
			fmt.Printf("received on %s: %s\n", f[1], payload[:n])
		}
	case "pub":
		for i := 1; i <= count; i++ {
			payload := fmt.Sprintf("message %d", i)
			fmt.Fprintf(conn, "PUB %s %d\r\n%s\r\n", subject, len(payload), payload)
			time.Sleep(100 * time.Millisecond)
		}
		fmt.Fprint(conn, "PING\r\n")
		expectLine(r, "PONG")
		fmt.Printf("published %d\n", count)
	default:
		fail("unknown mode %q", mode)
	}
}
