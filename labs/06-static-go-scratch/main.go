// greeter: a small HTTP service written with Go's standard library only.
//
// GET /         a greeting, as JSON
// GET /healthz  {"status": "ok", "systemRoots": N}
//
// Like most services it will call other services over HTTPS, and Go checks a server's
// certificate against the certificate authorities the system trusts: on Linux, the
// bundle in /etc/ssl/certs. /healthz reports how many it found. With none, every HTTPS
// call would fail with "x509: certificate signed by unknown authority".
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// systemRoots counts the CA certificates Go loaded from the system (0 if there are none).
func systemRoots() int {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return 0
	}
	// Subjects is deprecated for pools on macOS and Windows, whose roots live in the OS;
	// on Linux the pool is read from files, and this is its size.
	return len(pool.Subjects())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"message": "Hello from Stagecraft", "lab": "06-static-go-scratch"})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"status": "ok", "systemRoots": systemRoots()})
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

	log.Printf("listening on %s, %d trusted CA certificates", addr, systemRoots())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
