package wire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of Config.
const (
	DefaultAddr           = "127.0.0.1:5433"
	DefaultMaxMessageSize = 16 << 20
	// DefaultAuthTimeout is PostgreSQL's authentication_timeout: how long a
	// client has from connecting to being ready for queries.
	DefaultAuthTimeout = 60 * time.Second
)

// Config is what a Server needs. Handler is required; everything else has
// a default.
type Config struct {
	// Addr is the address ListenAndServe listens on (DefaultAddr if empty).
	Addr string
	// Handler makes a Session for every authenticated connection.
	Handler Handler
	// Auth decides how each client authenticates. nil trusts everyone.
	Auth Authenticator
	// TLS, when set, lets clients upgrade with SSLRequest; otherwise the
	// server answers 'N' and clients continue in plain text.
	TLS *tls.Config
	// MaxMessageSize bounds the body of one client message in bytes
	// (DefaultMaxMessageSize if 0). A longer message closes the connection
	// with an error: PostgreSQL's 1 GiB would let one client take the
	// server's memory.
	MaxMessageSize int
	// AuthTimeout bounds the startup and authentication of a connection.
	AuthTimeout time.Duration
	// Logger receives connection-level events (slog.Default() if nil).
	Logger *slog.Logger
	// Hooks are told of connection events, for metrics.
	Hooks Hooks
}

// Hooks are optional callbacks through which the embedding program counts
// what happens to connections. They are called from connection goroutines
// and must be safe for concurrent use and quick.
type Hooks struct {
	// ConnOpened and ConnClosed bracket every accepted connection,
	// including the short ones that only carry a CancelRequest.
	ConnOpened func(remote net.Addr)
	ConnClosed func(remote net.Addr)
	// AuthFailed is called when a client fails authentication.
	AuthFailed func(user string, remote net.Addr)
	// ProtocolError is called when a connection is closed because the
	// client broke the protocol (garbage, an unknown message, a message
	// over the size limit) or when a connection goroutine panicked.
	ProtocolError func(remote net.Addr, err error)
}

// ErrServerClosed is returned by Serve after Shutdown or the cancellation
// of Serve's context.
var ErrServerClosed = errors.New("wire: server closed")

// Server accepts PostgreSQL connections and runs one goroutine per
// connection. It is safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	maxMsg int

	// mockKey seeds the fake SCRAM salts of unknown users so that the
	// answer for one user name is stable and reveals nothing.
	mockKey [32]byte

	draining    atomic.Bool // Shutdown began: no new connections, idle ones end
	terminating atomic.Bool // the drain deadline passed: everything ends now

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	byPID     map[uint32]*conn // for CancelRequest
	wg        sync.WaitGroup

	panics atomic.Int64 // recovered connection panics, for tests
}

// NewServer checks cfg and returns a Server ready to Serve.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Handler == nil {
		return nil, errors.New("wire: Config.Handler is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = DefaultAuthTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Auth == nil {
		cfg.Auth = trustAll{}
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		maxMsg:    cfg.MaxMessageSize,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
		byPID:     make(map[uint32]*conn),
	}
	if _, err := rand.Read(s.mockKey[:]); err != nil {
		return nil, err
	}
	return s, nil
}

// ListenAndServe listens on Config.Addr and serves until Shutdown or until
// ctx is cancelled.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until Shutdown is called or ctx is
// cancelled, and then returns ErrServerClosed. Cancelling ctx is a hard
// stop: every running query is cancelled and every connection ends with
// FATAL 57P01 at once. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.draining.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()

	stop := context.AfterFunc(ctx, func() {
		s.beginDrain()
		s.terminate()
	})
	defer stop()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.draining.Load() {
				return ErrServerClosed
			}
			if retryableAccept(err) {
				// Out of file descriptors and the like: wait, as
				// net/http does, instead of spinning or giving up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			s.mu.Lock()
			delete(s.listeners, ln)
			s.mu.Unlock()
			ln.Close()
			return err
		}
		backoff = 0
		c := s.newConn(ctx, nc)
		if c == nil {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

// retryableAccept tells errors that pass (a full file table, a client
// that reset before accept) from a listener that is gone.
func retryableAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// newConn registers a connection, or returns nil when the server is
// shutting down.
func (s *Server) newConn(ctx context.Context, nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining.Load() {
		return nil
	}
	c := &conn{srv: s, raw: nc, rw: nc}
	c.out.w = nc
	c.res.out = &c.out
	// Serve's context gives values only: ending connections goes through
	// kill, so that each knows why it ends.
	c.ctx, c.killConnCtx = context.WithCancel(context.WithoutCancel(ctx))
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

// forget unregisters a connection that has ended.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if c.pid != 0 && s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
	s.mu.Unlock()
	s.wg.Done()
}

// assignKey gives c a BackendKeyData unique among live connections.
func (s *Server) assignKey(c *conn) error {
	var b [8]byte
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		// PostgreSQL's process ids are positive int32s; some clients
		// store them signed.
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if pid == 0 || s.byPID[pid] != nil {
			continue
		}
		c.pid = pid
		copy(c.secret[:], b[4:])
		s.byPID[pid] = c
		return nil
	}
}

// cancel cancels the running query of the connection with this key, if
// any. Like PostgreSQL it says nothing either way.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret[:], secret) != 1 {
		s.log.Debug("cancel request for no matching connection", "pid", pid)
		return
	}
	c.cancelQuery()
}

// Shutdown stops the server gracefully: it stops accepting connections,
// ends idle connections with FATAL 57P01, and lets running queries finish
// until ctx is done. Then it cancels whatever still runs, ends those
// connections the same way, and returns ctx's error. It returns nil when
// every connection ended in time.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginDrain()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.terminate()
	// Connections that were cancelled get a moment to say FATAL; one
	// stuck in a Session that ignores its context is cut off.
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		s.mu.Lock()
		for c := range s.conns {
			c.raw.Close()
		}
		s.mu.Unlock()
	}
	return ctx.Err()
}

// beginDrain closes the listeners and wakes idle connections so that they
// end.
func (s *Server) beginDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining.Store(true)
	for ln := range s.listeners {
		ln.Close()
		delete(s.listeners, ln)
	}
	for c := range s.conns {
		c.wakeIfIdle()
	}
}

// terminate cancels every connection's work and unblocks its reads and
// writes so that it ends now.
func (s *Server) terminate() {
	s.terminating.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.kill()
	}
}

// OpenConns reports the number of open connections.
func (s *Server) OpenConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// trustAll is the Authenticator of a Server configured without one.
type trustAll struct{}

func (trustAll) Credential(context.Context, AuthRequest) (Credential, error) {
	return Credential{Method: AuthTrust}, nil
}

func (h Hooks) connOpened(a net.Addr) {
	if h.ConnOpened != nil {
		h.ConnOpened(a)
	}
}

func (h Hooks) connClosed(a net.Addr) {
	if h.ConnClosed != nil {
		h.ConnClosed(a)
	}
}

func (h Hooks) authFailed(user string, a net.Addr) {
	if h.AuthFailed != nil {
		h.AuthFailed(user, a)
	}
}

func (h Hooks) protocolError(a net.Addr, err error) {
	if h.ProtocolError != nil {
		h.ProtocolError(a, err)
	}
}
