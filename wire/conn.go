package wire

// The connection state machine, from the first byte to the last:
//
//	startup:  SSLRequest → 'S' + TLS | 'N';  GSSENCRequest → 'N';
//	          CancelRequest → cancel the target's query, close;
//	          StartupMessage → version check → authenticate
//	auth:     trust | cleartext | md5 | SASL SCRAM-SHA-256[-PLUS] → AuthenticationOk
//	ready:    Handler.NewSession → ParameterStatus… BackendKeyData ReadyForQuery
//	loop:     one message at a time, each handled in one place below;
//	          after an extended-protocol error, skip to Sync
//	end:      Terminate, EOF, FATAL, or the server shutting down (57P01)

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// frontendTypes are the message types the loop accepts; any other is
// FATAL, as in PostgreSQL.
const frontendTypes = "QPBDECSHXFdcf"

// errTerminate ends the loop on the client's Terminate.
var errTerminate = errors.New("client sent Terminate")

type conn struct {
	srv *Server
	raw net.Conn // the accepted socket: deadlines and Close go here
	rw  net.Conn // raw, or the TLS connection over it
	in  *bufio.Reader
	out output
	res resultWriter

	ctx      context.Context // the connection's; cancelled by kill
	pid      uint32
	secret   [4]byte
	certHash []byte // tls-server-end-point data when TLS is on
	sess     Session

	hdr            [5]byte
	body           []byte
	ignoreTillSync bool
	fatalSent      bool

	// Decoding flyweights.
	query    pgproto3.Query
	parse    pgproto3.Parse
	bind     pgproto3.Bind
	describe pgproto3.Describe
	execute  pgproto3.Execute
	close    pgproto3.Close

	// mu guards what Shutdown and CancelRequests touch from other
	// goroutines.
	mu          sync.Mutex
	idle        bool               // waiting for a command after ReadyForQuery
	cancelFn    context.CancelFunc // the running message's
	killConnCtx context.CancelFunc
}

func adminShutdown() *pgerr.Error {
	return pgerr.Fatal(pgerr.AdminShutdown, "terminating connection due to administrator command")
}

// serve runs the connection to its end. Nothing that happens on it,
// a panic included, escapes it.
func (c *conn) serve() {
	remote := c.raw.RemoteAddr()
	hooks := c.srv.cfg.Hooks
	hooks.connOpened(remote)
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.srv.log.Error("panic in connection", "remote", remote, "pid", c.pid, "panic", r, "stack", string(debug.Stack()))
			hooks.protocolError(remote, fmt.Errorf("panic: %v", r))
			// A row may be half encoded: drop what was not sent.
			c.out.buf = c.out.buf[:0]
			c.fatal(pgerr.Fatal(pgerr.InternalError, "internal error"))
		}
		c.closeSession()
		c.raw.Close()
		c.killConnCtx()
		c.srv.forget(c)
		hooks.connClosed(remote)
	}()
	c.logEnd(remote, c.run())
}

func (c *conn) closeSession() {
	if c.sess == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.srv.log.Error("panic in Session.Close", "pid", c.pid, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.sess.Close()
}

func (c *conn) logEnd(remote net.Addr, err error) {
	log := c.srv.log
	var pe *pgerr.Error
	var bad *badStartup
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, errTerminate), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		log.Debug("connection closed", "remote", remote, "pid", c.pid)
	case errors.As(err, &bad):
		log.Info("connection closed: bad startup packet", "remote", remote, "reason", bad.reason)
		c.srv.cfg.Hooks.protocolError(remote, err)
	case errors.As(err, &pe):
		log.Info("connection closed with FATAL", "remote", remote, "pid", c.pid, "code", pe.Code, "message", pe.Message)
		switch pe.Code {
		case pgerr.ProtocolViolation, pgerr.ProgramLimitExceeded, pgerr.FeatureNotSupported:
			c.srv.cfg.Hooks.protocolError(remote, err)
		}
	case errors.As(err, &ne) && ne.Timeout():
		log.Info("connection timed out", "remote", remote, "pid", c.pid)
	default:
		log.Debug("connection lost", "remote", remote, "pid", c.pid, "err", err)
	}
}

// fatal sends e as FATAL (once) and returns it; the caller ends the
// connection.
func (c *conn) fatal(e *pgerr.Error) error {
	if !c.fatalSent {
		c.fatalSent = true
		f := *e // e may be shared; only the copy becomes FATAL
		f.Severity = pgerr.SeverityFatal
		c.out.sendError(&f)
		c.out.flush()
	}
	return e
}

// kill ends the connection now: its context is cancelled and its reads
// and writes unblocked, with a moment left to write the FATAL.
func (c *conn) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.killConnCtx()
	c.raw.SetReadDeadline(time.Now())
	c.raw.SetWriteDeadline(time.Now().Add(time.Second))
}

// wakeIfIdle ends the wait for a command of an idle connection, which then
// sees the server draining and says goodbye.
func (c *conn) wakeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle {
		c.raw.SetReadDeadline(time.Now())
	}
}

// setIdle records whether the connection waits for a command; entering
// idle it reports whether the server is draining, and the connection
// should end instead.
func (c *conn) setIdle(idle bool) (draining bool) {
	c.mu.Lock()
	c.idle = idle
	c.mu.Unlock()
	return idle && c.srv.draining.Load()
}

// cancelQuery cancels the running message's context, on a CancelRequest.
func (c *conn) cancelQuery() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelFn != nil {
		c.cancelFn()
	}
}

// begin makes the context of one message's work, which a CancelRequest
// or the client's going away cancels; end releases it.
func (c *conn) begin() (ctx context.Context, end func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	c.cancelFn = cancel
	c.mu.Unlock()
	// A client gone while the message runs cancels it too (peer.go).
	unwatch := watchPeer(c.raw, cancel)
	return ctx, func() {
		unwatch()
		c.mu.Lock()
		c.cancelFn = nil
		c.mu.Unlock()
		cancel()
	}
}

func (c *conn) run() error {
	c.raw.SetDeadline(time.Now().Add(c.srv.cfg.AuthTimeout))
	if c.srv.terminating.Load() {
		return nil // kill came before the deadline above
	}
	info, err := c.startup()
	if err != nil || info == nil {
		return err
	}
	c.in = bufio.NewReaderSize(c.rw, 16<<10)
	if err := c.authenticate(info); err != nil {
		return err
	}
	if err := c.srv.assignKey(c); err != nil {
		return c.fatal(pgerr.Convert(err))
	}
	info.ProcessID = int32(c.pid)
	sess, params, err := c.srv.cfg.Handler.NewSession(c.ctx, *info)
	if err != nil {
		return c.fatal(pgerr.Convert(err))
	}
	if sess == nil {
		return c.fatal(pgerr.Fatal(pgerr.InternalError, "no session for this connection"))
	}
	c.sess = sess
	for _, p := range params {
		c.out.send(&pgproto3.ParameterStatus{Name: p.Name, Value: p.Value})
	}
	c.out.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	c.raw.SetDeadline(time.Time{})
	if c.srv.terminating.Load() {
		// kill came while the deadline above was being cleared.
		return c.fatal(adminShutdown())
	}
	return c.loop()
}

// --- startup ---

// startup reads startup packets until the StartupMessage and returns what
// it said; nil info (and nil error) after a CancelRequest.
func (c *conn) startup() (*StartupInfo, error) {
	sslDone, gssDone := false, false
	for {
		pkt, err := c.readStartupPacket()
		if err != nil {
			return nil, err
		}
		code := binary.BigEndian.Uint32(pkt)
		switch {
		case code == cancelRequestCode:
			var m pgproto3.CancelRequest
			if err := m.Decode(pkt); err != nil {
				return nil, &badStartup{"invalid cancel request: " + err.Error()}
			}
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return nil, nil
		case code == sslRequestCode && !sslDone:
			// A repeated SSLRequest falls through to the version check
			// and is refused, as PostgreSQL refuses it.
			sslDone = true
			if c.srv.cfg.TLS == nil {
				if _, err := c.rw.Write([]byte{'N'}); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := c.rw.Write([]byte{'S'}); err != nil {
				return nil, err
			}
			if err := c.startTLS(); err != nil {
				return nil, &badStartup{"TLS handshake failed: " + err.Error()}
			}
			gssDone = true
			continue
		case code == gssEncRequestCode && !gssDone:
			gssDone = true
			if _, err := c.rw.Write([]byte{'N'}); err != nil {
				return nil, err
			}
			continue
		}
		return c.startupMessage(code, pkt[4:])
	}
}

// startTLS runs the server side of the TLS handshake and notes the
// certificate it presented, for SCRAM channel binding.
func (c *conn) startTLS() error {
	base := c.srv.cfg.TLS
	cfg := base.Clone()
	// crypto/tls calls GetCertificate only when Certificates is empty (or
	// the client sent SNI); it must always be called, to learn the choice.
	cfg.Certificates = nil
	var chosen *tls.Certificate
	cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert, err := pickCertificate(base, hello)
		chosen = cert
		return cert, err
	}
	tc := tls.Server(c.raw, cfg)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return err
	}
	c.rw = tc
	c.out.w = tc
	if chosen != nil && len(chosen.Certificate) > 0 {
		leaf := chosen.Leaf
		if leaf == nil {
			leaf, _ = x509.ParseCertificate(chosen.Certificate[0])
		}
		if leaf != nil {
			c.certHash = tlsServerEndPoint(leaf)
		}
	}
	return nil
}

// pickCertificate chooses a certificate as crypto/tls would.
func pickCertificate(base *tls.Config, hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if base.GetCertificate != nil {
		return base.GetCertificate(hello)
	}
	if len(base.Certificates) == 0 {
		return nil, errors.New("no TLS certificate configured")
	}
	for i := range base.Certificates {
		if hello.SupportsCertificate(&base.Certificates[i]) == nil {
			return &base.Certificates[i], nil
		}
	}
	return &base.Certificates[0], nil
}

// startupMessage checks the protocol version and reads the parameters.
func (c *conn) startupMessage(version uint32, body []byte) (*StartupInfo, error) {
	major, minor := version>>16, version&0xffff
	if major != 3 {
		e := pgerr.Fatal(pgerr.FeatureNotSupported,
			"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor)
		if major < 3 {
			// As PostgreSQL does, in the old protocol's format, which
			// libpq also reads: 'E', the text, a newline and a NUL.
			c.fatalSent = true
			c.rw.Write(fmt.Appendf(nil, "E%s:  %s\n\x00", pgerr.SeverityFatal, e.Message))
			return nil, e
		}
		return nil, c.fatal(e)
	}
	params := make(map[string]string)
	var unrecognized []string
	rest := body
	for len(rest) > 0 && rest[0] != 0 {
		name, after, ok1 := cutNUL(rest)
		value, after, ok2 := cutNUL(after)
		if !ok1 || !ok2 {
			break
		}
		if strings.HasPrefix(name, "_pq_.") {
			// Protocol options of later minor versions: none is known.
			unrecognized = append(unrecognized, name)
		} else {
			params[name] = value
		}
		rest = after
	}
	if len(rest) != 1 || rest[0] != 0 {
		return nil, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "invalid startup packet layout: expected terminator as last byte"))
	}
	if minor > 0 || len(unrecognized) > 0 {
		// As PostgreSQL: answer a newer 3.x with the newest version this
		// server speaks, and go on in 3.0. PostgreSQL sends the whole
		// version number in the field pgproto3 calls NewestMinorProtocol.
		c.out.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: pgproto3.ProtocolVersion30, UnrecognizedOptions: unrecognized})
	}
	user := params["user"]
	if user == "" {
		return nil, c.fatal(pgerr.Fatal(pgerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
	}
	db := params["database"]
	if db == "" {
		db = user
	}
	_, isTLS := c.rw.(*tls.Conn)
	return &StartupInfo{User: user, Database: db, Params: params, RemoteAddr: c.raw.RemoteAddr(), TLS: isTLS}, nil
}

func cutNUL(b []byte) (string, []byte, bool) {
	for i, x := range b {
		if x == 0 {
			return string(b[:i]), b[i+1:], true
		}
	}
	return "", nil, false
}

// --- authentication ---

func (c *conn) authenticate(info *StartupInfo) error {
	req := AuthRequest{User: info.User, Database: info.Database, RemoteAddr: info.RemoteAddr, TLS: info.TLS}
	cred, err := c.srv.cfg.Auth.Credential(c.ctx, req)
	if err != nil {
		return c.fatal(pgerr.Convert(err))
	}
	ok := false
	switch cred.Method {
	case AuthTrust:
		ok = true
	case AuthReject:
		enc := "no encryption"
		if info.TLS {
			enc = "SSL encryption"
		}
		return c.fatal(pgerr.Fatal(pgerr.InvalidAuthorization,
			"no authentication rule admits host %q, user %q, database %q, %s", hostOf(info.RemoteAddr), info.User, info.Database, enc))
	case AuthPassword:
		ok, err = c.authCleartext(info.User, cred.Secret)
	case AuthMD5:
		if _, scram := parseSCRAMVerifier(cred.Secret); scram {
			ok, err = c.authSCRAM(info.User, cred.Secret)
		} else {
			ok, err = c.authMD5(info.User, cred.Secret)
		}
	case AuthSCRAM:
		ok, err = c.authSCRAM(info.User, cred.Secret)
	default:
		return c.fatal(pgerr.Fatal(pgerr.InternalError, "unknown authentication method %v", cred.Method))
	}
	if err != nil {
		return err
	}
	if !ok {
		c.srv.cfg.Hooks.authFailed(info.User, info.RemoteAddr)
		return c.fatal(pgerr.Fatal(pgerr.InvalidPassword, "password authentication failed for user \"%s\"", info.User))
	}
	return c.out.send(&pgproto3.AuthenticationOk{})
}

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// readAuth sends an authentication request and reads the client's 'p'
// answer. A client that hangs up instead (psql does, to ask for a
// password) gets no error message.
func (c *conn) readAuth(req pgproto3.BackendMessage, what string) ([]byte, error) {
	c.out.send(req)
	if err := c.out.flush(); err != nil {
		return nil, err
	}
	typ, body, err := c.readMessage("p", maxAuthMessage)
	var um unexpectedMessage
	if errors.As(err, &um) {
		return nil, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "expected %s response, got message type %d", what, typ))
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) {
		return nil, c.fatal(pe)
	}
	return body, err
}

func (c *conn) authCleartext(user, secret string) (bool, error) {
	body, err := c.readAuth(&pgproto3.AuthenticationCleartextPassword{}, "password")
	if err != nil {
		return false, err
	}
	var m pgproto3.PasswordMessage
	if err := m.Decode(body); err != nil {
		return false, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "invalid password packet size"))
	}
	return checkPassword(user, m.Password, secret), nil
}

func (c *conn) authMD5(user, secret string) (bool, error) {
	var salt [4]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return false, err
	}
	body, err := c.readAuth(&pgproto3.AuthenticationMD5Password{Salt: salt}, "password")
	if err != nil {
		return false, err
	}
	var m pgproto3.PasswordMessage
	if err := m.Decode(body); err != nil {
		return false, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "invalid password packet size"))
	}
	want, ok := md5Response(user, secret, salt)
	return ok && subtle.ConstantTimeCompare([]byte(m.Password), []byte(want)) == 1, nil
}

func (c *conn) authSCRAM(user, secret string) (bool, error) {
	v, valid := parseSCRAMVerifier(secret)
	if !valid && secret != "" && !isMD5Secret(secret) {
		// A password kept in plain text: make a verifier for it now.
		salt := make([]byte, scramSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return false, err
		}
		var err error
		v, err = newSCRAMVerifier(secret, salt, scramIterations)
		valid = err == nil
	}
	if !valid {
		// Go through the motions with a mock verifier, so that a client
		// cannot tell an unknown user from a wrong password.
		v = mockSCRAMVerifier(c.srv.mockKey[:], user)
	}
	mechs := []string{scramMechanism}
	if c.certHash != nil {
		mechs = []string{scramPlusMechanism, scramMechanism}
	}
	body, err := c.readAuth(&pgproto3.AuthenticationSASL{AuthMechanisms: mechs}, "SASL")
	if err != nil {
		return false, err
	}
	var first pgproto3.SASLInitialResponse
	if err := first.Decode(body); err != nil {
		return false, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "malformed SASL initial response"))
	}
	x := scramExchange{v: v, mechanism: first.AuthMechanism}
	switch {
	case first.AuthMechanism == scramMechanism:
	case first.AuthMechanism == scramPlusMechanism && c.certHash != nil:
	default:
		return false, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism"))
	}
	x.certHash = c.certHash
	serverFirst, err := x.first(first.Data)
	if err != nil {
		return false, c.fatal(pgerr.Convert(err))
	}
	body, err = c.readAuth(&pgproto3.AuthenticationSASLContinue{Data: serverFirst}, "SASL")
	if err != nil {
		return false, err
	}
	var final pgproto3.SASLResponse
	if err := final.Decode(body); err != nil {
		return false, c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "malformed SASL response"))
	}
	serverFinal, ok, err := x.final(final.Data)
	if err != nil {
		return false, c.fatal(pgerr.Convert(err))
	}
	if !ok || !valid {
		return false, nil
	}
	return true, c.out.send(&pgproto3.AuthenticationSASLFinal{Data: serverFinal})
}

// --- the message loop ---

func (c *conn) loop() error {
	if err := c.readyForQuery(c.sess.TxStatus()); err != nil {
		return err
	}
	ready := true
	for {
		if ready && c.setIdle(true) {
			return c.fatal(adminShutdown())
		}
		typ, body, err := c.readMessage(frontendTypes, c.srv.maxMsg)
		c.setIdle(false)
		if err != nil {
			var um unexpectedMessage
			var pe *pgerr.Error
			var ne net.Error
			switch {
			case errors.As(err, &um):
				return c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "invalid frontend message type %d", typ))
			case errors.As(err, &pe):
				return c.fatal(pe)
			case errors.As(err, &ne) && ne.Timeout() && c.srv.draining.Load():
				return c.fatal(adminShutdown())
			}
			return err
		}
		if c.ignoreTillSync && typ != 'S' && typ != 'X' {
			continue
		}
		ready = false
		if err := c.handle(typ, body); err != nil {
			return err
		}
		ready = typ == 'S' || typ == 'Q' || typ == 'F'
	}
}

// handle runs one message. A returned error ends the connection; errors
// for the client are sent here.
func (c *conn) handle(typ byte, body []byte) error {
	switch typ {
	case 'Q':
		return c.onQuery(body)
	case 'P':
		return c.onParse(body)
	case 'B':
		return c.onBind(body)
	case 'D':
		return c.onDescribe(body)
	case 'E':
		return c.onExecute(body)
	case 'C':
		return c.onClose(body)
	case 'S':
		return c.onSync()
	case 'H':
		return c.out.flush()
	case 'X':
		return errTerminate
	case 'F':
		// The fast-path interface (PQfn) needs functions by OID.
		if err := c.report(pgerr.New(pgerr.FeatureNotSupported, "fast-path function calls are not supported"), false); err != nil {
			return err
		}
		return c.readyForQuery(c.sess.TxStatus())
	case 'd', 'c', 'f':
		// CopyData, CopyDone, CopyFail outside COPY FROM: PostgreSQL
		// ignores them, as a client may still be sending after a failed
		// COPY.
		return nil
	}
	return c.fatal(pgerr.Fatal(pgerr.ProtocolViolation, "invalid frontend message type %d", typ))
}

// report sends an error to the client. In the extended protocol the
// messages up to Sync are then skipped. A FATAL error, a client that is
// gone, or a server that is terminating ends the connection.
func (c *conn) report(err error, extended bool) error {
	if c.srv.terminating.Load() {
		return c.fatal(adminShutdown())
	}
	if c.out.err != nil {
		return c.out.err
	}
	e := pgerr.Convert(err)
	if e.Severity == pgerr.SeverityFatal || e.Severity == "PANIC" {
		return c.fatal(e)
	}
	if extended {
		c.ignoreTillSync = true
	}
	return c.out.sendError(e)
}

// invalidMessage is the error for a message whose body does not decode.
// PostgreSQL has several wordings; this is the one of pq_getmsgend.
func invalidMessage() *pgerr.Error {
	return pgerr.New(pgerr.ProtocolViolation, "invalid message format")
}

func (c *conn) readyForQuery(status byte) error {
	if err := c.out.send(&pgproto3.ReadyForQuery{TxStatus: status}); err != nil {
		return err
	}
	return c.out.flush()
}

func (c *conn) onQuery(body []byte) error {
	if err := c.query.Decode(body); err != nil {
		if err := c.report(invalidMessage(), false); err != nil {
			return err
		}
		return c.readyForQuery(c.sess.TxStatus())
	}
	ctx, end := c.begin()
	err := c.sess.SimpleQuery(ctx, c.query.String, &c.res)
	end()
	if err != nil {
		if err := c.report(err, false); err != nil {
			return err
		}
	}
	return c.readyForQuery(c.sess.TxStatus())
}

func (c *conn) onParse(body []byte) error {
	if err := c.parse.Decode(body); err != nil {
		return c.report(invalidMessage(), true)
	}
	ctx, end := c.begin()
	err := c.sess.Parse(ctx, c.parse.Name, c.parse.Query, c.parse.ParameterOIDs)
	end()
	if err != nil {
		return c.report(err, true)
	}
	return c.out.send(&pgproto3.ParseComplete{})
}

func (c *conn) onBind(body []byte) error {
	if err := c.bind.Decode(body); err != nil {
		return c.report(invalidMessage(), true)
	}
	m := &c.bind
	ctx, end := c.begin()
	defer end()
	if err := c.sess.Bind(ctx, m.DestinationPortal, m.PreparedStatement, m.ParameterFormatCodes, m.Parameters, m.ResultFormatCodes); err != nil {
		return c.report(err, true)
	}
	if err := c.checkResultFormats(ctx, m.DestinationPortal, m.ResultFormatCodes); err != nil {
		c.sess.ClosePortal(m.DestinationPortal)
		return c.report(err, true)
	}
	return c.out.send(&pgproto3.BindComplete{})
}

// checkResultFormats refuses result formats that do not fit the portal,
// at Bind as PostgreSQL does rather than at the first Execute.
func (c *conn) checkResultFormats(ctx context.Context, portal string, formats []int16) error {
	if len(formats) <= 1 {
		return checkFormats(formats, 0)
	}
	fields, _, err := c.sess.DescribePortal(ctx, portal)
	if err != nil {
		return err
	}
	return checkFormats(formats, len(fields))
}

func (c *conn) onDescribe(body []byte) error {
	if err := c.describe.Decode(body); err != nil {
		return c.report(invalidMessage(), true)
	}
	ctx, end := c.begin()
	defer end()
	switch c.describe.ObjectType {
	case 'S':
		params, fields, err := c.sess.DescribeStatement(ctx, c.describe.Name)
		if err != nil {
			return c.report(err, true)
		}
		if err := c.out.send(&pgproto3.ParameterDescription{ParameterOIDs: params}); err != nil {
			return err
		}
		return c.describeRows(fields, nil)
	case 'P':
		fields, formats, err := c.sess.DescribePortal(ctx, c.describe.Name)
		if err != nil {
			return c.report(err, true)
		}
		return c.describeRows(fields, formats)
	}
	return c.report(pgerr.New(pgerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", c.describe.ObjectType), true)
}

// describeRows sends RowDescription, or NoData for a statement without
// result columns.
func (c *conn) describeRows(fields []Field, formats []int16) error {
	if fields == nil {
		return c.out.send(&pgproto3.NoData{})
	}
	if err := c.res.Describe(fields, formats); err != nil {
		return c.report(err, true)
	}
	return nil
}

func (c *conn) onExecute(body []byte) error {
	if err := c.execute.Decode(body); err != nil {
		return c.report(invalidMessage(), true)
	}
	// PostgreSQL reads max_rows as a signed int; zero or less means all.
	maxRows := max(int(int32(c.execute.MaxRows)), 0)
	ctx, end := c.begin()
	err := c.sess.Execute(ctx, c.execute.Portal, maxRows, &c.res)
	end()
	if err != nil {
		return c.report(err, true)
	}
	return nil
}

func (c *conn) onClose(body []byte) error {
	if err := c.close.Decode(body); err != nil {
		return c.report(invalidMessage(), true)
	}
	var err error
	switch c.close.ObjectType {
	case 'S':
		err = c.sess.CloseStatement(c.close.Name)
	case 'P':
		err = c.sess.ClosePortal(c.close.Name)
	default:
		err = pgerr.New(pgerr.ProtocolViolation, "invalid CLOSE message subtype %d", c.close.ObjectType)
	}
	if err != nil {
		return c.report(err, true)
	}
	return c.out.send(&pgproto3.CloseComplete{})
}

func (c *conn) onSync() error {
	c.ignoreTillSync = false
	ctx, end := c.begin()
	status := c.sess.Sync(ctx)
	end()
	if c.srv.terminating.Load() {
		return c.fatal(adminShutdown())
	}
	return c.readyForQuery(status)
}
