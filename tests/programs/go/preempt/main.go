// With GOMAXPROCS=1, one goroutine spins in a loop without calls while
// another prints on a ticker: the ticker only ever runs if the runtime can
// preempt the spinner asynchronously (SIGURG, handler rewriting the
// interrupted context).
package main

import (
	// Built with cgo: the runtime starts its threads with pthread_create and lives
	// on glibc's thread pointer, as in Debian's dynamically linked Go servers.
	"fmt"
	"runtime"
	_ "runtime/cgo"
	"time"
)

var counter uint64

func spin() {
	for {
		counter++
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	go spin()
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	for i := 1; i <= 5; i++ {
		<-tick.C
		fmt.Printf("tick %d after at least %v: %v\n", i, time.Duration(i)*100*time.Millisecond,
			time.Since(start) >= time.Duration(i)*100*time.Millisecond)
	}
	fmt.Println("spinner was preempted")
}
