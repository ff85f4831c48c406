// Package trinotest starts real Trino servers for tests, through the
// project's scripts/trino.sh (which installs Trino 476 once, outside the
// repository, and runs it on Temurin 25). It is to Trino what wire/pgtest
// is to PostgreSQL.
//
// It imports nothing of Sluice. A test that needs Trino and cannot start it
// fails loudly (run `make deps`); it never skips.
package trinotest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/trinodb/trino-go-client/trino" // schedules' database/sql driver
)

// Options shape a server's catalogs. tpch and memory are always there.
type Options struct {
	Heap string // JVM heap, default "2G"
	// Lake, when set, is the directory of the hive catalog (file metastore,
	// native local file system: local:///x is Lake/x).
	Lake string
	// Iceberg, when IcebergURL is set: a JDBC catalog (PostgreSQL) shared
	// with iceberg-go's SQL catalog, with file:// locations in the warehouse.
	IcebergURL       string
	IcebergUser      string
	IcebergPassword  string
	IcebergCatalog   string // catalog-name in the JDBC tables; default "lake"
	IcebergWarehouse string
}

// Server is one running Trino coordinator (and worker) in a temporary
// directory.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	Host string
	Port int
	Dir  string // etc, data and the log; removed on Stop

	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logPath string
}

// StartTimeout bounds the wait for a server to be ready (the first install
// downloads ~820 MB first, outside this limit).
const StartTimeout = 4 * time.Minute

// Start runs a new server for one test and stops it in t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Launch(opts)
	if err != nil {
		t.Fatalf("trinotest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("trinotest: stop: %v", err)
		}
	})
	return s
}

// Shared lets the tests of one package use one server (starting Trino takes
// tens of seconds), started on first use. Declare it in the test package
// and stop it from TestMain:
//
//	var trinoSrv trinotest.Shared
//
//	func TestMain(m *testing.M) { code := m.Run(); trinoSrv.Stop(); os.Exit(code) }
//
//	func TestX(t *testing.T) { srv := trinoSrv.Get(t); ... }
type Shared struct {
	Options Options
	once    sync.Once
	srv     *Server
	err     error
}

// Get returns the shared server, starting it the first time. A failure to
// start fails every test that asks. With SLUICE_TRINO_URL set (a quicker
// edit-test loop) it uses that running server instead, which Stop leaves
// running.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() {
		if u := os.Getenv("SLUICE_TRINO_URL"); u != "" {
			sh.srv, sh.err = External(u)
			return
		}
		sh.srv, sh.err = Launch(sh.Options)
	})
	if sh.err != nil {
		t.Fatalf("trinotest: %v", sh.err)
	}
	return sh.srv
}

// Stop stops the shared server if it was started.
func (sh *Shared) Stop() error {
	if sh.srv == nil {
		return nil
	}
	return sh.srv.Stop()
}

// External describes a server someone else runs (it must be ready).
func External(rawURL string) (*Server, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return nil, fmt.Errorf("SLUICE_TRINO_URL %q has no port", rawURL)
	}
	s := &Server{URL: strings.TrimRight(rawURL, "/"), Host: u.Hostname(), Port: port}
	if ok, err := s.Ready(); !ok {
		return nil, fmt.Errorf("trino at %s is not ready: %v", rawURL, err)
	}
	return s, nil
}

// Script finds scripts/trino.sh by walking up from the working directory
// (a test runs in its package's directory) to the module root.
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "trino.sh")
		if _, err := os.Stat(p); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scripts/trino.sh not found above the working directory")
		}
		dir = parent
	}
}

// Install makes sure Trino is installed (downloading it the first time) and
// returns its directory.
func Install() (string, error) {
	script, err := Script()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(script, "install").Output()
	if err != nil {
		msg := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg = string(ee.Stderr)
		}
		return "", fmt.Errorf("Trino is not installed and %s install failed: %v\n%s(run make deps)", script, err, msg)
	}
	return strings.TrimSpace(string(out)), nil
}

// Launch starts a server outside any test; the caller must Stop it.
func Launch(opts Options) (*Server, error) {
	script, err := Script()
	if err != nil {
		return nil, err
	}
	if _, err := Install(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sluice-trinotest-")
	if err != nil {
		return nil, err
	}
	var lastErr error
	// Another process can take the port between the probe and Trino's bind;
	// then Trino exits and we try another.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Host: "127.0.0.1", Port: port, URL: "http://127.0.0.1:" + strconv.Itoa(port),
			Dir: dir, done: make(chan struct{}), logPath: filepath.Join(dir, "trino.log")}
		lastErr = s.start(script, opts)
		if lastErr == nil {
			return s, nil
		}
		log := s.Log()
		s.kill()
		if !strings.Contains(log, "Address already in use") && !strings.Contains(log, "BindException") {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("%w\n%s", lastErr, tail(log, 60))
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

func (s *Server) start(script string, opts Options) error {
	args := []string{"run", "--dir", filepath.Join(s.Dir, "node"), "--port", strconv.Itoa(s.Port)}
	if opts.Heap != "" {
		args = append(args, "--heap", opts.Heap)
	}
	if opts.Lake != "" {
		args = append(args, "--lake", opts.Lake)
	}
	if opts.IcebergURL != "" {
		args = append(args, "--iceberg-url", opts.IcebergURL, "--iceberg-warehouse", opts.IcebergWarehouse)
		if opts.IcebergUser != "" {
			args = append(args, "--iceberg-user", opts.IcebergUser)
		}
		if opts.IcebergPassword != "" {
			args = append(args, "--iceberg-password", opts.IcebergPassword)
		}
		if opts.IcebergCatalog != "" {
			args = append(args, "--iceberg-catalog", opts.IcebergCatalog)
		}
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(script, args...)
	// Its own process group, so Stop reaches the JVM whatever the launcher
	// does; and killed with the test binary if that dies first.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", script, err)
	}
	done, cmd := s.done, s.cmd
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(done)
	}()
	return s.waitReady(StartTimeout)
}

// waitReady polls /v1/info until Trino says it is no longer starting, then
// until a query that needs a worker runs: "starting": false comes before
// the scheduler sees the node, and queries in between fail with "No nodes
// available to run query".
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("trino exited during start: %v", s.waitErr)
		default:
		}
		if ok, _ := s.Ready(); ok {
			if last = s.schedules(); last == nil {
				return nil
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("trino did not become ready within %s (last query: %v)", limit, last)
}

// schedules runs a query with splits (tpch.tiny.region) through the client
// API.
func (s *Server) schedules() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("trino", strings.Replace(s.URL, "://", "://sluice@", 1))
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM tpch.tiny.region").Scan(&n); err != nil {
		return err
	}
	if n != 5 {
		return fmt.Errorf("tpch.tiny.region has %d rows, want 5", n)
	}
	return nil
}

// Ready reports whether /v1/info answers with "starting": false.
func (s *Server) Ready() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/v1/info", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var info struct {
		Starting bool `json:"starting"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return false, err
	}
	return !info.Starting, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Log returns what the server has written so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Stop ends the server (SIGTERM to its process group, SIGKILL after 20 s)
// and removes its directory.
func (s *Server) Stop() error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.done:
		default:
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(20 * time.Second):
				s.kill()
				err = errors.New("trino did not stop on SIGTERM; killed")
			}
		}
	}
	if s.Dir == "" {
		return err
	}
	if rmErr := os.RemoveAll(s.Dir); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
