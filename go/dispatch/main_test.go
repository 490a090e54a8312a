package main

import "testing"

func TestNoOpsRunAndCostSomething(t *testing.T) {
	// runNoOps panics if a result goes missing; a cost of zero would mean nothing ran.
	if cost := runNoOps(10_000, 4); cost <= 0 {
		t.Errorf("cost per job %g s", cost)
	}
}
