// Command cancel runs context-aware workers, cancels them mid-run, and prints as JSON how
// long each run took to stop: from cancel() until the last worker had returned.
//
// Jobs arrive one every -interval, as requests come in to a server: the workers spend most
// of their time waiting for the next one. A worker that only did `for job := range jobs`
// would never hear the cancel while it waits; this one waits on both at once with select.
//
//	cancel -workers 4 -interval 1ms -after 50ms -repeats 5
package main

import (
	"context"
	"errors"
	"flag"
	"sync"
	"time"

	"workerlab/go/internal/report"
)

// worker handles jobs until the context ends or the jobs channel is closed. Each wait,
// for a job or to hand in a result, is a select that ctx.Done() can also end.
func worker(ctx context.Context, jobs <-chan int, results chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-ctx.Done(): // cancelled: stop now, even while no job is coming
			return
		case job, ok := <-jobs:
			if !ok { // closed and drained: no more jobs
				return
			}
			select {
			case results <- job * 2: // the job itself is tiny; the waiting is the point
			case <-ctx.Done():
				return
			}
		}
	}
}

// produce sends a job every interval until the context ends, then closes jobs.
func produce(ctx context.Context, jobs chan<- int, interval time.Duration) {
	defer close(jobs)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case jobs <- n:
		case <-ctx.Done():
			return
		}
	}
}

// run starts the workers, the producer and a collector, cancels after `after`, and returns
// how long the workers took to stop and how many jobs they handled. Every goroutine it
// starts has returned when it returns.
func run(workers int, interval, after time.Duration) (time.Duration, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan int) // unbuffered: a worker is waiting for each job as it comes
	results := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go worker(ctx, jobs, results, &wg)
	}
	produced := make(chan struct{})
	go func() {
		produce(ctx, jobs, interval)
		close(produced)
	}()
	handled := make(chan int)
	go func() { // the collector: counts results until results is closed
		n := 0
		for range results {
			n++
		}
		handled <- n
	}()

	time.Sleep(after)
	stopping := time.Now()
	cancel()
	wg.Wait() // every worker has returned
	stopped := time.Since(stopping)
	<-produced     // the producer has returned too
	close(results) // no worker can send any more
	return stopped, <-handled
}

func main() {
	workers := flag.Int("workers", 4, "workers")
	interval := flag.Duration("interval", time.Millisecond, "time between two jobs")
	after := flag.Duration("after", 50*time.Millisecond, "cancel this long after the start")
	repeats := flag.Int("repeats", 5, "runs")
	flag.Parse()
	if *workers < 1 || *interval <= 0 || *after <= 0 || *repeats < 1 {
		report.Fail("cancel", errors.New("every flag must be positive"))
	}
	var stops []float64
	var handled []int
	for range *repeats {
		stop, n := run(*workers, *interval, *after)
		stops = append(stops, stop.Seconds())
		handled = append(handled, n)
	}
	report.Print("cancel", map[string]any{
		"workers":      *workers,
		"interval":     interval.Seconds(),
		"after":        after.Seconds(),
		"stop_seconds": stops,
		"jobs_handled": handled,
	})
}
