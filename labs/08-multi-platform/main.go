// hello: a small HTTP service that says which platform it runs on.
//
//	GET /          a greeting naming the platform
//	GET /platform  {"os": ..., "arch": ..., "machine": ...} as JSON
//	GET /healthz   "ok"
//
// "arch" is the CPU the binary was compiled for (runtime.GOARCH); "machine" is the CPU the
// kernel reports to the process (uname -m). Under QEMU emulation the kernel reports the
// emulated CPU, so an arm64 binary says "aarch64" even on an x86-64 host, while an x86-64
// binary in an "arm64" image runs natively there and says "x86_64".
//
// It speaks just enough HTTP/1.1 with the standard library's net package rather than
// net/http: the lab's starter compiles it under emulation, and net/http (174 packages
// with its dependencies, against about 60 here) would make that take several minutes.
package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type response struct {
	status      int
	contentType string
	body        string
}

func platform() (goos, arch, mach string) {
	return runtime.GOOS, runtime.GOARCH, machine()
}

func route(method, path string) response {
	if method != "GET" && method != "HEAD" {
		return response{405, "text/plain", "method not allowed\n"}
	}
	goos, arch, mach := platform()
	switch path {
	case "/":
		return response{200, "text/plain", "Hello from Stagecraft, running on " + goos + "/" + arch + " (machine " + mach + ")\n"}
	case "/platform":
		json := `{"os":` + strconv.Quote(goos) + `,"arch":` + strconv.Quote(arch) + `,"machine":` + strconv.Quote(mach) + "}\n"
		return response{200, "application/json", json}
	case "/healthz":
		return response{200, "text/plain", "ok\n"}
	}
	return response{404, "text/plain", "not found\n"}
}

var reasons = map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}

// serve answers one request and closes the connection.
func serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	in := bufio.NewReader(conn)
	requestLine, err := in.ReadString('\n')
	if err != nil {
		return
	}
	// Read the headers up to the blank line: closing with unread input resets the connection.
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		if strings.TrimRight(line, "\r\n") == "" {
			break
		}
	}
	res := response{400, "text/plain", "bad request\n"}
	if fields := strings.Fields(requestLine); len(fields) == 3 {
		path, _, _ := strings.Cut(fields[1], "?")
		res = route(fields[0], path)
	}
	head := "HTTP/1.1 " + strconv.Itoa(res.status) + " " + reasons[res.status] + "\r\n" +
		"Content-Type: " + res.contentType + "; charset=utf-8\r\n" +
		"Content-Length: " + strconv.Itoa(len(res.body)) + "\r\n" +
		"Connection: close\r\n\r\n"
	if strings.HasPrefix(requestLine, "HEAD ") {
		res.body = ""
	}
	_, _ = conn.Write([]byte(head + res.body))
}

func main() {
	addr := ":8080"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		os.Stderr.WriteString("hello: " + err.Error() + "\n")
		os.Exit(1)
	}

	// As PID 1 the process gets `docker stop`'s SIGTERM: stop accepting, then exit.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		listener.Close()
	}()

	goos, arch, mach := platform()
	os.Stderr.WriteString("hello: listening on " + addr + " (" + goos + "/" + arch + ", machine " + mach + ")\n")
	for {
		conn, err := listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go serve(conn)
	}
}
