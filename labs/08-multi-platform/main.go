// hello: a small HTTP service that says which platform it runs on.
//
// GET /          a greeting naming the platform
// GET /platform  {"os": ..., "arch": ..., "machine": ...} as JSON
// GET /healthz   "ok"
//
// "arch" is the CPU the binary was compiled for (runtime.GOARCH); "machine" is the CPU
// the kernel reports to the process (uname -m). Under QEMU emulation the kernel reports
// the emulated CPU, so an arm64 binary says "aarch64" even on an x86-64 host, while an
// x86-64 binary in an "arm64" image runs natively and says "x86_64".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

type platform struct {
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	Machine string `json:"machine"`
}

func current() platform {
	return platform{OS: runtime.GOOS, Arch: runtime.GOARCH, Machine: machine()}
}

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		p := current()
		fmt.Fprintf(w, "Hello from Stagecraft, running on %s/%s (machine %s)\n", p.OS, p.Arch, p.Machine)
	})
	mux.HandleFunc("GET /platform", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(current())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func main() {
	addr := ":8080"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}
	srv := &http.Server{Addr: addr, Handler: routes(), ReadHeaderTimeout: 5 * time.Second}

	// As PID 1 the process gets `docker stop`'s SIGTERM: finish requests, then exit.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	p := current()
	log.Printf("listening on %s (%s/%s, machine %s)", addr, p.OS, p.Arch, p.Machine)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
