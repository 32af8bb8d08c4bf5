// Built without cgo, as plain `go build` makes a program that needs no C:
// a static binary whose runtime makes its own threads with raw clone, sets
// %fs itself and reads the clock through the vDSO it finds in the auxiliary
// vector. `serve ADDR` answers /sum?n=N with a checksum of N freshly
// allocated blocks; `fetch ADDR` sends 20 concurrent requests while, with
// GOMAXPROCS=1, a goroutine spins without calls (only asynchronous
// preemption lets the others run) and a ticker prints.
package main

import (
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// churn allocates n blocks, dropping most: work for the collector.
func churn(n int) uint64 {
	h := fnv.New64a()
	keep := make([][]byte, 0, 16)
	for i := 0; i < n; i++ {
		b := make([]byte, 4096+i%512)
		b[i%len(b)] = byte(i)
		if i%64 == 0 {
			keep = append(keep, b)
			if len(keep) == cap(keep) {
				keep = keep[:0]
			}
		}
		h.Write(b[:8])
	}
	return h.Sum64()
}

func serve(addr string) {
	http.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d:%016x", n, churn(n))
	})
	fmt.Println("serving")
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Println("serve:", err)
		os.Exit(1)
	}
}

var counter uint64

func spin() {
	for {
		counter++
	}
}

func fetch(addr string) {
	runtime.GOMAXPROCS(1)
	go spin()
	start := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	ticks := make(chan string)
	go func() {
		var out string
		for i := 1; i <= 3; i++ {
			<-tick.C
			out += fmt.Sprintf("tick %d after at least %v: %v\n", i, time.Duration(i)*50*time.Millisecond,
				time.Since(start) >= time.Duration(i)*50*time.Millisecond)
		}
		tick.Stop()
		ticks <- out
	}()
	results := make([]string, 20)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("http://%s/sum?n=%d", addr, 1000+100*i))
			if err != nil {
				results[i] = "error: " + err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results[i] = fmt.Sprintf("%d %s", resp.StatusCode, body)
		}(i)
	}
	wg.Wait()
	fmt.Print(<-ticks)
	for i, r := range results {
		fmt.Printf("request %d: %s\n", i, r)
	}
	local := churn(200000)
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	fmt.Printf("local %016x, collector ran at least 20 times: %v\n", local, st.NumGC >= 20)
	fmt.Println("spinner was preempted")
}

func main() {
	if len(os.Args) != 3 {
		fmt.Println("usage: staticweb serve|fetch ADDR")
		os.Exit(2)
	}
	if os.Args[1] == "serve" {
		serve(os.Args[2])
	} else {
		fetch(os.Args[2])
	}
}
