package main

import (
	"encoding/json"
	"os"
	"testing"

	"workerlab/go/internal/runmain"
)

func TestMain(m *testing.M) {
	runmain.IfChild(main)
	os.Exit(m.Run())
}

// leaked runs the program in a child process (a leak must not stay in the test binary)
// and returns the leak it reports.
func leaked(t *testing.T, args ...string) int {
	stdout, stderr, status := runmain.Run(t, args...)
	if status != 0 {
		t.Fatalf("leak %v: exit status %d\n%s", args, status, stderr)
	}
	var report struct{ Leaked int }
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("leak %v printed %q: %v", args, stdout, err)
	}
	return report.Leaked
}

func TestTheLeakyVersionLeaksEveryWorker(t *testing.T) {
	if n := leaked(t, "-workers", "6"); n != 6 {
		t.Errorf("leaked %d goroutines, want the 6 workers", n)
	}
}

func TestTheFixedVersionLeaksNothing(t *testing.T) {
	if n := leaked(t, "-workers", "6", "-fixed"); n != 0 {
		t.Errorf("leaked %d goroutines, want 0", n)
	}
}
