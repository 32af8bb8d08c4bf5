// 1000 goroutines allocate short-lived trees until the collector has run
// hundreds of times; each folds what it built into a checksum. The output is
// the checksums only, so two runs under umbra must print the same thing.
package main

import (
	// Built with cgo: the runtime starts its threads with pthread_create and lives
	// on glibc's thread pointer, as in Debian's dynamically linked Go servers.
	"fmt"
	"os"
	"runtime"
	_ "runtime/cgo"
	"runtime/debug"
	"sync"
)

type node struct {
	left, right *node
	value       uint64
	pad         [48]byte
}

func build(depth int, seed uint64) *node {
	n := &node{value: seed}
	if depth > 0 {
		n.left = build(depth-1, seed*6364136223846793005+1442695040888963407)
		n.right = build(depth-1, seed^0x9e3779b97f4a7c15)
	}
	return n
}

func fold(n *node) uint64 {
	if n == nil {
		return 0
	}
	return n.value ^ (fold(n.left)*31 + fold(n.right))
}

func main() {
	debug.SetGCPercent(10)
	const workers = 1000
	const rounds = 40
	sums := make([]uint64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var sum uint64
			for r := 0; r < rounds; r++ {
				t := build(8, uint64(w*rounds+r))
				sum = sum*1099511628211 ^ fold(t)
				if r%8 == 0 {
					runtime.Gosched()
				}
			}
			sums[w] = sum
		}(w)
	}
	wg.Wait()
	var all uint64
	for w, s := range sums {
		all = all*31 + s
		if w%100 == 0 {
			fmt.Printf("worker %d sum %016x\n", w, s)
		}
	}
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	fmt.Printf("all %016x\n", all)
	// The number of collections depends on timing: only its order of magnitude is checked.
	if st.NumGC < 100 {
		fmt.Fprintf(os.Stderr, "only %d collections\n", st.NumGC)
		os.Exit(1)
	}
	fmt.Println("collector ran at least 100 times")
}
