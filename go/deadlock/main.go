// Command deadlock deadlocks on purpose, so you can see what Go does about it.
//
// Two workers range over a jobs channel; the main goroutine sends five jobs and waits for
// the workers to finish, but never closes the channel. Every goroutine now waits for
// another, and Go's runtime notices: it stops the program with
//
//	fatal error: all goroutines are asleep - deadlock!
//
// then where each goroutine was blocked, and exit status 2. (Python would just hang.)
package main

import (
	"sync"
	"sync/atomic"

	"workerlab/go/internal/report"
)

// worker counts the jobs it takes until jobs is closed: here, never.
func worker(jobs <-chan int, served *atomic.Int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs { // waits for the next job, for as long as jobs is open
		served.Add(1)
	}
}

func main() {
	jobs := make(chan int) // unbuffered: each send waits until a worker takes the job
	var served atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go worker(jobs, &served, &wg)
	}
	for job := range 5 {
		jobs <- job
	}
	report.Print("deadlock", map[string]any{"sent": 5}) // every job was taken
	// The bug: close(jobs) is missing here, so the workers' range never ends...
	wg.Wait() // ...and main waits for them forever.
}
