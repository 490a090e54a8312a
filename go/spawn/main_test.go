package main

import "testing"

func TestEveryGoroutineIsAliveAtTheMarkAndCostsMemory(t *testing.T) {
	c := measure(2000)
	if c.AliveAtTheMark < 2000 {
		t.Errorf("only %d goroutines alive when memory was read", c.AliveAtTheMark)
	}
	if c.StackBytesEach <= 0 || c.BytesEach < c.StackBytesEach {
		t.Errorf("per goroutine: %.0f bytes in all, %.0f of stack", c.BytesEach, c.StackBytesEach)
	}
	if c.StartSeconds <= 0 {
		t.Errorf("start cost %g s", c.StartSeconds)
	}
}
