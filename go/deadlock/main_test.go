package main

import (
	"os"
	"strings"
	"testing"

	"workerlab/go/internal/runmain"
)

func TestMain(m *testing.M) {
	runmain.IfChild(main)
	os.Exit(m.Run())
}

func TestTheRuntimeReportsTheDeadlockAndExitsWithStatus2(t *testing.T) {
	stdout, stderr, status := runmain.Run(t)
	if status != 2 {
		t.Errorf("exit status %d, want 2", status)
	}
	if !strings.Contains(stdout, `"sent":5`) {
		t.Errorf("the jobs were not all sent first: stdout %q", stdout)
	}
	for _, want := range []string{
		"fatal error: all goroutines are asleep - deadlock!",
		"[sync.WaitGroup.Wait]", // main, waiting for the workers
		"[chan receive]",        // the workers, waiting for a job
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
