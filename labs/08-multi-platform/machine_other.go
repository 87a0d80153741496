//go:build !linux

package main

import "runtime"

// machine: outside Linux (`go run .` on a Mac) there is no uname syscall here; use the
// compile target instead.
func machine() string {
	return runtime.GOARCH
}
