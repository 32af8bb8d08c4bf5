// goexec: replaces itself with /bin/sh through syscall.Exec while other
// goroutines (and so other runtime threads) are busy, as Go servers that
// re-exec themselves do. Prints its pid before; the shell prints its own
// pid and an argument and a variable passed through the exec.
package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

func main() {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	fmt.Printf("before exec pid=%d\n", os.Getpid())
	env := append(os.Environ(), "GOEXEC_VAR=carried")
	err := syscall.Exec("/bin/sh", []string{"sh", "-c", `echo "after exec pid=$$ arg=$1 var=$GOEXEC_VAR"`, "sh", "one"}, env)
	fmt.Printf("exec failed: %v\n", err)
	close(stop)
	wg.Wait()
	os.Exit(1)
}
