// Package pgtest starts a throwaway real PostgreSQL 15 for tests. It is the
// oracle that Sluice's behaviour is compared against: tests ask the real
// server and Sluice the same question and diff the answers.
//
// It imports nothing of Sluice, so it can never be shaped by the code it
// checks. A test that needs the server and cannot start it fails loudly (run
// `make deps`); it never skips.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BinDir is where Debian's postgresql-15 package puts the server binaries.
const BinDir = "/usr/lib/postgresql/15/bin"

// Server is one running PostgreSQL cluster in a temporary directory.
type Server struct {
	Dir    string // data directory's parent; removed on Stop
	Host   string // 127.0.0.1
	Port   int
	Socket string // directory of the unix socket
	User   string // superuser name (postgres)

	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logPath string
}

// DSN returns a libpq-style URL for the server's postgres database, usable
// by pgx.ParseConfig and pgconn.Connect.
func (s *Server) DSN() string {
	return s.DSNFor("postgres")
}

// DSNFor returns the DSN of one database on the server.
func (s *Server) DSNFor(db string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", s.User, s.Host, s.Port, db)
}

// Addr is host:port of the TCP listener.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Start runs a new server for one test and stops it in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Launch()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pgtest: stop: %v", err)
		}
	})
	return s
}

// Shared lets the tests of one package use one server, started on first
// use. Declare it in the test package and stop it from TestMain:
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) { code := m.Run(); pg.Stop(); os.Exit(code) }
//
//	func TestX(t *testing.T) { srv := pg.Get(t); ... }
type Shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Get returns the shared server, starting it the first time. A failure to
// start fails every test that asks.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() { sh.srv, sh.err = Launch() })
	if sh.err != nil {
		t.Fatalf("pgtest: %v", sh.err)
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

// Launch starts a server outside any test; the caller must Stop it.
func Launch() (*Server, error) {
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(BinDir, b)); err != nil {
			return nil, fmt.Errorf("PostgreSQL 15 is not installed (%s missing): run make deps", filepath.Join(BinDir, b))
		}
	}
	dir, err := os.MkdirTemp("", "sluice-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Host: "127.0.0.1", Socket: dir, User: "postgres", done: make(chan struct{})}
	if err := s.start(); err != nil {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		logText := s.log()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%w\n%s", err, logText)
	}
	return s, nil
}

// credential returns the identity to run PostgreSQL as: the postgres OS user
// when we are root (PostgreSQL refuses to run as root), else ourselves.
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root and there is no postgres OS user to run PostgreSQL as: run make deps")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

func (s *Server) start() error {
	cred, uid, gid, err := credential()
	if err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(s.Dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(s.Dir, "data")
	s.logPath = filepath.Join(s.Dir, "postgres.log")

	initdb := exec.Command(filepath.Join(BinDir, "initdb"), "-D", data, "-U", s.User,
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = s.Dir
	initdb.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}

	// Pick a free port and start. Another process (the tests of another
	// package, run in parallel) can take the port between our probe and
	// PostgreSQL's bind; then PostgreSQL exits and we try another port.
	var err2 error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.Port = port
		err2 = s.startServer(cred, uid, gid, data)
		if err2 == nil {
			return nil
		}
		exited := false
		select {
		case <-s.done:
			exited = true
		default:
		}
		if !exited || !strings.Contains(s.log(), "already in use") {
			return err2
		}
		s.cmd, s.done = nil, make(chan struct{})
	}
	return err2
}

func (s *Server) startServer(cred *syscall.Credential, uid, gid int, data string) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if cred != nil {
		_ = logf.Chown(uid, gid)
	}
	s.cmd = exec.Command(filepath.Join(BinDir, "postgres"), "-D", data,
		"-p", strconv.Itoa(s.Port),
		"-c", "listen_addresses="+s.Host,
		"-c", "unix_socket_directories="+s.Socket,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=50",
		"-c", "shared_buffers=32MB",
		"-c", "logging_collector=off",
		"-c", "TimeZone=UTC",
		"-c", "DateStyle=ISO, MDY",
	)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	s.cmd.Dir = s.Dir
	s.cmd.Env = append(os.Environ(), "LC_ALL=C")
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	done := s.done
	cmd := s.cmd
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(done)
	}()
	return s.waitReady(30 * time.Second)
}

// waitReady polls until the server accepts TCP connections and answers the
// startup handshake (a bare TCP accept can precede recovery's end).
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during start: %v", s.waitErr)
		default:
		}
		if s.ready() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("postgres did not become ready in time")
}

// ready sends a StartupMessage and reports whether the server answered with
// authentication (R) rather than an error such as "the database system is
// starting up".
func (s *Server) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	var body bytes.Buffer
	body.Write([]byte{0, 3, 0, 0})
	for _, kv := range []string{"user", s.User, "database", "postgres"} {
		body.WriteString(kv)
		body.WriteByte(0)
	}
	body.WriteByte(0)
	msg := make([]byte, 4, 4+body.Len())
	n := uint32(4 + body.Len())
	msg[0], msg[1], msg[2], msg[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	msg = append(msg, body.Bytes()...)
	if _, err := c.Write(msg); err != nil {
		return false
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		return false
	}
	return b[0] == 'R'
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Log returns what the server has written to its log so far, for test
// failure messages.
func (s *Server) Log() string { return s.log() }

// Stop shuts the server down (fast shutdown: SIGINT), waits for it, and
// removes its directory.
func (s *Server) Stop() error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-s.done:
			case <-time.After(20 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
				err = errors.New("postgres did not stop on SIGINT; killed")
			}
		}
	}
	if rmErr := os.RemoveAll(s.Dir); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}
