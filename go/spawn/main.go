// Command spawn measures what a goroutine costs: the time to start one, and the memory
// each one holds while it is alive and parked (blocked on a channel), as JSON.
//
// It starts -count goroutines that each say "started" and then wait for a channel to
// close, so all of them are alive at once when memory is read; then it releases them.
//
//	spawn -count 10000
package main

import (
	"errors"
	"flag"
	"runtime"
	"sync"
	"time"

	"workerlab/go/internal/report"
)

// costs is what one measurement found.
type costs struct {
	StartSeconds    float64 // time to start one goroutine, until it runs
	BytesEach       float64 // memory the runtime holds per parked goroutine (stack + record)
	StackBytesEach  float64 // of which stack
	AliveAtTheMark  int     // goroutines alive when memory was read (the parked ones + main)
	AliveAfterwards int     // goroutines alive once all were released and had returned
}

// measure starts count goroutines, parks them, reads the runtime's memory statistics, and
// releases them.
func measure(count int) costs {
	var before, during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	release := make(chan struct{}) // closed once: wakes every parked goroutine at once
	var started, finished sync.WaitGroup
	started.Add(count)
	finished.Add(count)
	begin := time.Now()
	for range count {
		go func() {
			defer finished.Done()
			started.Done()
			<-release // parked: blocked on a channel, holding its stack
		}()
	}
	started.Wait() // every goroutine has run
	took := time.Since(begin)

	runtime.ReadMemStats(&during)
	alive := runtime.NumGoroutine()
	close(release)
	finished.Wait()

	held := func(m *runtime.MemStats) float64 { return float64(m.StackInuse + m.HeapInuse) }
	return costs{
		StartSeconds:    took.Seconds() / float64(count),
		BytesEach:       (held(&during) - held(&before)) / float64(count),
		StackBytesEach:  float64(during.StackInuse-before.StackInuse) / float64(count),
		AliveAtTheMark:  alive,
		AliveAfterwards: runtime.NumGoroutine(),
	}
}

func main() {
	count := flag.Int("count", 10000, "goroutines to start and park")
	flag.Parse()
	if *count < 1 {
		report.Fail("spawn", errors.New("-count must be positive"))
	}
	c := measure(*count)
	report.Print("spawn", map[string]any{
		"kind":             "goroutine",
		"count":            *count,
		"start_seconds":    c.StartSeconds,
		"bytes_each":       c.BytesEach,
		"stack_bytes_each": c.StackBytesEach,
		"alive_at_mark":    c.AliveAtTheMark,
		"alive_afterwards": c.AliveAfterwards,
	})
}
