// Command leak shows a goroutine leak, and its fix, by counting goroutines.
//
// serve starts workers that range over a jobs channel, sends them the jobs, and returns
// without closing the channel (the program goes on, so this is no deadlock). The workers
// are left waiting for a job that will never come: leaked, each holding its stack, until
// the program ends. With -fixed, serve closes the channel and waits for the workers.
//
//	leak -workers 8           # reports a positive leak
//	leak -workers 8 -fixed    # reports none
package main

import (
	"errors"
	"flag"
	"runtime"
	"sync"
	"time"

	"workerlab/go/internal/report"
)

// serve runs jobs 0..jobs-1 on `workers` goroutines and returns once every job is done.
// Unless fixed, it forgets to close the jobs channel.
func serve(workers, jobs int, fixed bool) {
	work := make(chan int)
	var served sync.WaitGroup
	served.Add(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work { // ends only once work is closed
				served.Done()
			}
		}()
	}
	for job := range jobs {
		work <- job
	}
	served.Wait() // every job is done: the caller has what it wanted
	if fixed {
		close(work) // the fix: "no more jobs", so every worker's range ends...
		wg.Wait()   // ...and serve returns only once they all have
	}
}

// settledCount is runtime.NumGoroutine once goroutines that are finishing have finished:
// it waits until the count stops changing (at most one second).
func settledCount() int {
	count := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		now := runtime.NumGoroutine()
		if now == count {
			return now
		}
		count = now
	}
	return count
}

func main() {
	workers := flag.Int("workers", 8, "workers serve starts")
	jobs := flag.Int("jobs", 100, "jobs serve runs")
	fixed := flag.Bool("fixed", false, "close the jobs channel (the fix)")
	flag.Parse()
	if *workers < 1 || *jobs < 1 {
		report.Fail("leak", errors.New("-workers and -jobs must be positive"))
	}
	before := settledCount()
	serve(*workers, *jobs, *fixed)
	after := settledCount()
	report.Print("leak", map[string]any{
		"workers": *workers,
		"jobs":    *jobs,
		"fixed":   *fixed,
		"before":  before,
		"after":   after,
		"leaked":  after - before,
	})
}
