package main

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestWorkerWaitingForAJobHearsTheCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan int) // never sent on, never closed: the worker can only wait
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(ctx, jobs, make(chan int), &wg)
	cancel()
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker did not stop within 5 s of the cancel")
	}
}

func TestWorkerHandlesEveryJobUntilTheChannelCloses(t *testing.T) {
	jobs := make(chan int, 3)
	results := make(chan int, 3)
	for _, job := range []int{1, 2, 3} {
		jobs <- job
	}
	close(jobs)
	var wg sync.WaitGroup
	wg.Add(1)
	worker(context.Background(), jobs, results, &wg) // returns once jobs is drained
	close(results)
	var got []int
	for r := range results {
		got = append(got, r)
	}
	if !slices.Equal(got, []int{2, 4, 6}) {
		t.Errorf("got %v, want [2 4 6]", got)
	}
}

func TestRunStopsWithinABoundAndHandlesJobs(t *testing.T) {
	// Jobs every millisecond for 30 ms: jobs get handled, and the stop is far quicker
	// than the interval the run lasted.
	stop, handled := run(4, time.Millisecond, 30*time.Millisecond)
	if handled == 0 {
		t.Error("no job was handled in 30 ms")
	}
	if stop > 30*time.Millisecond {
		t.Errorf("the workers took %v to stop, longer than the whole run", stop)
	}
	// With no job ever coming, every worker is waiting on the channel when cancelled.
	stop, handled = run(4, time.Hour, 10*time.Millisecond)
	if handled != 0 || stop > time.Second {
		t.Errorf("idle workers: %d jobs, stopped after %v", handled, stop)
	}
}
