// Package runmain lets a program's tests run its main() in a child process, to check what
// a program that exits, or dies, prints and returns: the test binary starts itself again,
// and in the child TestMain calls main() instead of running the tests.
package runmain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

const childVar = "WORKERLAB_RUN_MAIN"

// IfChild runs main and exits with status 0 if this process was started by Run. Call it
// first thing in TestMain.
func IfChild(main func()) {
	if os.Getenv(childVar) == "1" {
		main()
		os.Exit(0)
	}
}

// Run starts the test binary again so that it runs main() with args, and returns what it
// printed on standard output and standard error and its exit status. The child is killed
// after 30 s, so a program that hangs fails the test instead of hanging it.
func Run(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), childVar+"=1")
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("main() %v did not end within 30 s", args)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("could not run main() %v: %v", args, err)
	}
	return out.String(), errs.String(), cmd.ProcessState.ExitCode()
}
