// Command dispatch measures what a pool costs per job when the job itself costs nothing:
// the time to hand a job to a worker through a channel and get its result back, as JSON.
//
//	dispatch -jobs 1000000 -workers 4
package main

import (
	"errors"
	"flag"
	"math"
	"sync"
	"time"

	"workerlab/go/internal/report"
)

// runNoOps runs `jobs` jobs that do nothing on `workers` goroutines, through a jobs channel
// of 2*workers places, and returns the seconds per job, goroutine start and finish included.
func runNoOps(jobs, workers int) float64 {
	start := time.Now()
	jobsCh := make(chan int, 2*workers)
	results := make(chan int, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobsCh {
				results <- job // the job: nothing at all
			}
		}()
	}
	go func() {
		for job := range jobs {
			jobsCh <- job
		}
		close(jobsCh)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	received := 0
	for range results {
		received++
	}
	if received != jobs {
		panic("a result went missing") // cannot happen: every job sends one result
	}
	return time.Since(start).Seconds() / float64(jobs)
}

func main() {
	jobs := flag.Int("jobs", 1_000_000, "no-op jobs per run")
	workers := flag.Int("workers", 4, "workers")
	repeats := flag.Int("repeats", 3, "runs; the fastest is kept")
	flag.Parse()
	if *jobs < 1 || *workers < 1 || *repeats < 1 {
		report.Fail("dispatch", errors.New("-jobs, -workers and -repeats must be positive"))
	}
	best := math.Inf(1)
	for range *repeats {
		best = min(best, runNoOps(*jobs, *workers))
	}
	report.Print("dispatch", map[string]any{
		"jobs":            *jobs,
		"workers":         *workers,
		"seconds_per_job": best,
	})
}
