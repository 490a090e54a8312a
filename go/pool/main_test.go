package main

import (
	"slices"
	"testing"
	"time"
)

func TestEveryJobComesBackExactlyOnce(t *testing.T) {
	for _, workers := range []int{1, 3, 16, 64} {
		results, _ := runPool(workers, 50, 4, 100*time.Microsecond)
		slices.Sort(results)
		want := make([]int, 50)
		for i := range want {
			want[i] = i
		}
		if !slices.Equal(results, want) {
			t.Errorf("%d workers: got %v, want each of 0..49 once", workers, results)
		}
	}
}

func TestMoreWorkersFinishSooner(t *testing.T) {
	// 32 jobs of 5 ms: one worker needs 160 ms, sixteen need two rounds, 10 ms.
	_, alone := runPool(1, 32, 8, 5*time.Millisecond)
	_, sixteen := runPool(16, 32, 8, 5*time.Millisecond)
	if sixteen*4 > alone {
		t.Errorf("16 workers took %v, not even 4x faster than one worker's %v", sixteen, alone)
	}
}

func TestParseCounts(t *testing.T) {
	counts, err := parseCounts("1, 4,16")
	if err != nil || !slices.Equal(counts, []int{1, 4, 16}) {
		t.Errorf("got %v, %v", counts, err)
	}
	for _, bad := range []string{"", "0", "4,-1", "four"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
