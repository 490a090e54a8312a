// Package report prints a program's measurements as one JSON object on standard output,
// the form in which lesson 09's notebook reads them.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

// Print writes fields as one JSON line, with the program's name and the machine it ran on
// (Go version, logical CPUs), and exits with status 1 if standard output cannot be written.
func Print(program string, fields map[string]any) {
	out := map[string]any{"program": program, "go": runtime.Version(), "cpus": runtime.NumCPU()}
	for key, value := range fields {
		out[key] = value
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, program+":", err)
		os.Exit(1)
	}
}

// Fail reports a bad command line on standard error and exits with status 2, as the flag
// package does.
func Fail(program string, err error) {
	fmt.Fprintln(os.Stderr, program+":", err)
	os.Exit(2)
}
