// Package icebergresttest starts Apache Iceberg's reference REST catalog
// server (org.apache.iceberg.rest.RESTCatalogServer) for tests, through the
// project's scripts/iceberg-rest.sh, which installs its class path once,
// outside the repository, and runs it on Java 17 with a SQLite catalog and a
// file:// warehouse. It is to the REST catalog what router/trinotest is to
// Trino.
//
// It imports nothing of Sluice. A test that needs the server and cannot
// start it fails loudly (run `make deps`); it never skips.
package icebergresttest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StartTimeout bounds the wait for GET /v1/config to answer (the server is
// up in a few seconds; the install, before it, is not counted).
const StartTimeout = time.Minute

// Server is one running REST catalog server. Its catalog and warehouse live
// in a test's temporary directory.
type Server struct {
	URL       string // http://127.0.0.1:PORT, the catalog's uri
	Warehouse string // the warehouse directory (file:// locations)

	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// Start runs a new server for one test and stops it in t.Cleanup; when the
// test failed, the server's log is added to its output.
func Start(t testing.TB) *Server {
	t.Helper()
	script, err := Script()
	if err != nil {
		t.Fatalf("icebergresttest: %v", err)
	}
	if out, err := exec.Command(script, "install").CombinedOutput(); err != nil {
		t.Fatalf("icebergresttest: the REST catalog server is not installed and %s install failed: %v\n%s(run make deps)", script, err, out)
	}
	dir := t.TempDir()
	var last error
	// Another process may take the port between the probe and the bind.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(dir, strconv.Itoa(attempt))
		s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Warehouse: filepath.Join(d, "warehouse"),
			done: make(chan struct{}), logPath: d + ".log"}
		if last = s.start(script, d, port); last == nil {
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("the REST catalog server's log:\n%s", s.Log())
				}
			})
			return s
		}
		s.Stop()
		if !strings.Contains(s.Log(), "Address already in use") {
			t.Fatalf("icebergresttest: %v\n%s", last, s.Log())
		}
	}
	t.Fatalf("icebergresttest: %v", last)
	return nil
}

// Script finds scripts/iceberg-rest.sh by walking up from the working
// directory (a test runs in its package's directory) to the module root.
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "iceberg-rest.sh")
		if _, err := os.Stat(p); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scripts/iceberg-rest.sh not found above the working directory")
		}
		dir = parent
	}
}

func (s *Server) start(script, dir string, port int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(script, "run", "--dir", dir, "--port", strconv.Itoa(port))
	// Its own process group, so Stop reaches the JVM; killed with the test
	// binary if that dies first.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", script, err)
	}
	cmd, done := s.cmd, s.done
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(StartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("the REST catalog server exited during start")
		default:
		}
		if resp, err := client.Get(s.URL + "/v1/config"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the REST catalog server did not answer GET /v1/config within %s", StartTimeout)
}

// Log returns what the server has written so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// Stop ends the server (SIGTERM to its process group, SIGKILL after 10 s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
