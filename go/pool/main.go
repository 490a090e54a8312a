// Command pool runs the minimal worker pool of lesson 02, in Go, once per worker count,
// and prints its throughput and efficiency as JSON.
//
// Every job "waits" for -latency (a sleep, standing in for a disk or a network), so a pool
// of N workers can finish at most N / latency jobs a second (Little's law). Efficiency is
// the measured throughput over that ideal: 1.0 is perfect.
//
//	pool -workers 1,16,256 -latency 10ms -jobs-per-worker 20 -buffer 64
package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"workerlab/go/internal/report"
)

// worker takes jobs until the jobs channel is closed and empty, and sends each result on.
// It is the whole worker: `range` over a channel ends by itself when the producer closes it.
func worker(jobs <-chan int, results chan<- int, latency time.Duration, wg *sync.WaitGroup) {
	defer wg.Done() // tell the pool this worker has gone home, however it returns
	for job := range jobs {
		time.Sleep(latency) // the job: waiting, not computing
		results <- job
	}
}

// runPool runs jobs 0..jobs-1 on a pool of `workers` goroutines fed through a channel of
// `buffer` places. It returns every result (in the order they finished) and the time from
// the first job sent to the last result received; starting the goroutines is not counted.
func runPool(workers, jobs, buffer int, latency time.Duration) ([]int, time.Duration) {
	jobsCh := make(chan int, buffer)
	resultsCh := make(chan int, buffer)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go worker(jobsCh, resultsCh, latency, &wg)
	}

	start := time.Now()
	go func() { // the producer: send every job, then say "no more jobs" by closing
		for job := range jobs {
			jobsCh <- job
		}
		close(jobsCh)
	}()
	go func() { // once every worker has returned, no result can come: close results
		wg.Wait()
		close(resultsCh)
	}()

	results := make([]int, 0, jobs)
	for result := range resultsCh { // collect until results is closed
		results = append(results, result)
	}
	return results, time.Since(start)
}

// point is one worker count's measurement, as printed.
type point struct {
	Workers    int     `json:"workers"`
	Jobs       int     `json:"jobs"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput"` // jobs per second, measured
	Efficiency float64 `json:"efficiency"` // throughput / (workers / latency)
}

// parseCounts reads a comma-separated list of positive worker counts, such as "1,4,16".
func parseCounts(text string) ([]int, error) {
	var counts []int
	for _, field := range strings.Split(text, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-workers: %q is not a positive whole number", field)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

func main() {
	workers := flag.String("workers", "1,4,16,64,256,1024,4096", "worker counts, comma-separated")
	latency := flag.Duration("latency", 10*time.Millisecond, "how long each job waits")
	perWorker := flag.Int("jobs-per-worker", 20, "jobs per worker in each run")
	buffer := flag.Int("buffer", 64, "places in the jobs channel")
	repeats := flag.Int("repeats", 1, "runs per worker count; the fastest is kept")
	flag.Parse()
	counts, err := parseCounts(*workers)
	if err == nil && (*latency <= 0 || *perWorker < 1 || *buffer < 1 || *repeats < 1) {
		err = fmt.Errorf("-latency, -jobs-per-worker, -buffer and -repeats must be positive")
	}
	if err != nil {
		report.Fail("pool", err)
	}

	var points []point
	for _, n := range counts {
		jobs := n * *perWorker
		best := time.Duration(math.MaxInt64)
		for range *repeats { // other programs can only slow a run down: keep the fastest
			_, took := runPool(n, jobs, *buffer, *latency)
			best = min(best, took)
		}
		throughput := float64(jobs) / best.Seconds()
		ideal := float64(n) / latency.Seconds()
		points = append(points, point{n, jobs, best.Seconds(), throughput, throughput / ideal})
	}

	report.Print("pool", map[string]any{
		"latency":         latency.Seconds(),
		"jobs_per_worker": *perWorker,
		"buffer":          *buffer,
		"points":          points,
	})
}
