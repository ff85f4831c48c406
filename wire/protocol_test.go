package wire

// Protocol edge cases, driven with pgproto3's Frontend. Where PostgreSQL
// has an answer, the same bytes go to a real PostgreSQL and to Sluice and
// the answers, message by message, must be the same.

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

type rawConn struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialOnly(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// dialRaw connects and starts up as user postgres (trusted by both
// servers) and reads up to the first ReadyForQuery.
func dialRaw(t testing.TB, addr string, params map[string]string) *rawConn {
	t.Helper()
	rc := dialOnly(t, addr)
	p := map[string]string{"user": "postgres", "database": "postgres"}
	maps.Copy(p, params)
	rc.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: p})
	got := rc.read(1, 0)
	if len(got) == 0 || got[len(got)-1] != "ReadyForQuery I" {
		t.Fatalf("startup: %v", got)
	}
	return rc
}

func (rc *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	rc.t.Helper()
	for _, m := range msgs {
		rc.fe.Send(m)
	}
	if err := rc.fe.Flush(); err != nil {
		rc.t.Fatalf("send: %v", err)
	}
}

// read summarises messages until it has seen readys ReadyForQuery
// messages, or count messages, or the end of the connection.
func (rc *rawConn) read(readys, count int) []string {
	rc.t.Helper()
	rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []string
	for {
		m, err := rc.fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				rc.t.Fatalf("timed out reading; so far %v", out)
			}
			return append(out, "EOF")
		}
		s := summarize(m)
		if s == "" {
			continue
		}
		out = append(out, s)
		if count > 0 && len(out) == count {
			return out
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			readys--
			if readys == 0 && count == 0 {
				return out
			}
		}
	}
}

// summarize prints a message with what matters for comparison; "" for
// messages whose content differs between servers by design.
func summarize(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.ParameterStatus, *pgproto3.BackendKeyData, *pgproto3.NoticeResponse:
		return ""
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("Error %s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.RowDescription:
		var fs []string
		for _, f := range m.Fields {
			fs = append(fs, fmt.Sprintf("%s:%d:%d:%d:%d", f.Name, f.DataTypeOID, f.DataTypeSize, f.TypeModifier, f.Format))
		}
		return "RowDescription " + strings.Join(fs, ",")
	case *pgproto3.DataRow:
		var vs []string
		for _, v := range m.Values {
			if v == nil {
				vs = append(vs, "NULL")
			} else {
				vs = append(vs, hex.EncodeToString(v))
			}
		}
		return "DataRow " + strings.Join(vs, ",")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ParameterDescription:
		return fmt.Sprint("ParameterDescription ", m.ParameterOIDs)
	case *pgproto3.NegotiateProtocolVersion:
		return fmt.Sprint("NegotiateProtocolVersion ", m.NewestMinorProtocol, m.UnrecognizedOptions)
	}
	return strings.TrimPrefix(reflect.TypeOf(m).String(), "*pgproto3.")
}

// readStartupAnswer summarises what a server says to a startup packet up
// to its first ReadyForQuery or the end of the connection. It reads the
// old protocol's error too, which PostgreSQL sends to clients asking for
// protocol 2 or less: 'E' and a NUL-terminated text without a length.
func (rc *rawConn) readStartupAnswer() []string {
	rc.t.Helper()
	rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(rc.nc)
	if b, err := br.Peek(5); err == nil && b[0] == 'E' && (b[1] != 0 || b[2] != 0) {
		text, _ := br.ReadString(0)
		rest, _ := io.ReadAll(br)
		return []string{fmt.Sprintf("V2Error %q", text[1:]), fmt.Sprintf("then %d bytes", len(rest))}
	}
	rc.fe = pgproto3.NewFrontend(br, rc.nc)
	return rc.read(1, 0)
}

func binaryInt8(v int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(v))
}

// TestProtocolAgainstPostgres sends message sequences to both servers
// after startup and compares every answer.
func TestProtocolAgainstPostgres(t *testing.T) {
	ts := startServer(t, nil)
	real := pg.Get(t)
	cases := []struct {
		name   string
		send   []pgproto3.FrontendMessage
		raw    []byte
		readys int
		count  int
	}{
		{name: "error skips to Sync", readys: 2, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "selec 1"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{},
			&pgproto3.Close{ObjectType: 'S'}, &pgproto3.Flush{}, &pgproto3.Sync{},
			&pgproto3.Query{String: "select 1"},
		}},
		{name: "flush sends without Sync", count: 5, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Flush{},
		}},
		{name: "portal suspended", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: seriesSQL(10)}, &pgproto3.Bind{},
			&pgproto3.Execute{MaxRows: 3}, &pgproto3.Execute{MaxRows: 3}, &pgproto3.Execute{}, &pgproto3.Execute{},
			&pgproto3.Sync{},
		}},
		{name: "named portal across Syncs", readys: 3, send: []pgproto3.FrontendMessage{
			&pgproto3.Query{String: "begin"},
			&pgproto3.Parse{Name: "s", Query: seriesSQL(5)}, &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"},
			&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{},
		}},
		{name: "describe statement and portal, binary and mixed formats", readys: 2, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: seriesSQL(8)}, &pgproto3.Describe{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s", ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s", ResultFormatCodes: []int16{1, 0}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{name: "binary parameter", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8", ParameterOIDs: []uint32{20}}, &pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{binaryInt8(-42)}, ResultFormatCodes: []int16{1}},
			&pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{name: "wrong result format count", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: seriesSQL(1)},
			&pgproto3.Bind{ResultFormatCodes: []int16{1, 1, 1}}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{name: "empty queries", readys: 2, send: []pgproto3.FrontendMessage{
			&pgproto3.Query{String: ""},
			&pgproto3.Parse{Query: ""}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{name: "multi-statement query", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Query{String: "select 1; " + seriesSQL(2)},
		}},
		{name: "multi-statement query with an error", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Query{String: "select 1; select 1/0; select 1"},
		}},
		{name: "close", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: "select 1"}, &pgproto3.Close{ObjectType: 'S', Name: "s"},
			&pgproto3.Close{ObjectType: 'S', Name: "nope"}, &pgproto3.Close{ObjectType: 'P', Name: "nope"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{},
		}},
		{name: "execute a missing portal", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Execute{Portal: "nope"}, &pgproto3.Sync{},
		}},
		{name: "copy messages outside COPY are ignored", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.CopyData{Data: []byte("x\n")}, &pgproto3.CopyDone{}, &pgproto3.CopyFail{Message: "no"},
			&pgproto3.Query{String: "select 1"},
		}},
		{name: "a query while skipping to Sync is skipped", readys: 2, send: []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "selec"}, &pgproto3.Query{String: "select 1"}, &pgproto3.Sync{},
			&pgproto3.Query{String: "select 1"},
		}},
		{name: "two Syncs", readys: 2, send: []pgproto3.FrontendMessage{&pgproto3.Sync{}, &pgproto3.Sync{}}},
		{name: "bad describe subtype", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Describe{ObjectType: 'X'}, &pgproto3.Sync{},
		}},
		{name: "bad close subtype", readys: 1, send: []pgproto3.FrontendMessage{
			&pgproto3.Close{ObjectType: 'X'}, &pgproto3.Sync{},
		}},
		{name: "unknown message type", raw: []byte{'Z', 0, 0, 0, 4}},
		{name: "password message after startup", raw: []byte{'p', 0, 0, 0, 5, 0}},
		{name: "terminate", send: []pgproto3.FrontendMessage{&pgproto3.Terminate{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var answers [2][]string
			for i, addr := range []string{real.Addr(), ts.addr} {
				rc := dialRaw(t, addr, nil)
				if len(c.send) > 0 {
					rc.send(c.send...)
				}
				if c.raw != nil {
					rc.nc.Write(c.raw)
				}
				answers[i] = rc.read(c.readys, c.count)
			}
			if !reflect.DeepEqual(answers[1], answers[0]) {
				t.Errorf("Sluice answered\n\t%s\nPostgreSQL answered\n\t%s", strings.Join(answers[1], "\n\t"), strings.Join(answers[0], "\n\t"))
			}
		})
	}
}

// TestStartupAgainstPostgres sends startup packets, good and bad, to both
// servers and compares the answers.
func TestStartupAgainstPostgres(t *testing.T) {
	ts := startServer(t, nil)
	real := pg.Get(t)
	user := map[string]string{"user": "postgres", "database": "postgres"}
	startup := func(version uint32, params map[string]string) []byte {
		b, err := (&pgproto3.StartupMessage{ProtocolVersion: version, Parameters: params}).Encode(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sslRequest, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	cancel, _ := (&pgproto3.CancelRequest{ProcessID: 1234, SecretKey: []byte{1, 2, 3, 4}}).Encode(nil)
	cases := []struct {
		name string
		// steps are written in turn; after each but the last the server
		// answers one byte (SSLRequest).
		steps [][]byte
	}{
		{"protocol 2.0", [][]byte{startup(2<<16, user)}},
		{"protocol 4.0", [][]byte{startup(4<<16, user)}},
		{"protocol 3.5 is negotiated down", [][]byte{startup(3<<16|5, user)}},
		{"unknown protocol option", [][]byte{startup(pgproto3.ProtocolVersion30, map[string]string{"user": "postgres", "_pq_.frob": "1"})}},
		{"no user", [][]byte{startup(pgproto3.ProtocolVersion30, map[string]string{"database": "postgres"})}},
		{"no terminator", [][]byte{{0, 0, 0, 17, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'x', 0, 'y', 'z'}}},
		{"garbage", [][]byte{[]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")}},
		{"too short", [][]byte{{0, 0, 0, 6, 0, 3}}},
		{"too long", [][]byte{{0, 0, 0x7f, 0xff, 0, 3, 0, 0}}},
		{"truncated", [][]byte{{0, 0, 0, 40, 0, 3, 0, 0, 'u'}}},
		{"cancel request for nobody", [][]byte{cancel}},
		{"SSLRequest without TLS", [][]byte{sslRequest, startup(pgproto3.ProtocolVersion30, user)}},
		{"SSLRequest twice", [][]byte{sslRequest, sslRequest}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var answers [2][]string
			for i, addr := range []string{real.Addr(), ts.addr} {
				rc := dialOnly(t, addr)
				var out []string
				for j, step := range c.steps {
					rc.nc.Write(step)
					if j < len(c.steps)-1 {
						b := make([]byte, 1)
						rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
						if _, err := io.ReadFull(rc.nc, b); err != nil {
							t.Fatal(err)
						}
						out = append(out, "byte "+string(b))
					}
				}
				if c.name == "truncated" {
					rc.nc.(*net.TCPConn).CloseWrite()
				}
				answers[i] = append(out, rc.readStartupAnswer()...)
			}
			if !reflect.DeepEqual(answers[1], answers[0]) {
				t.Errorf("Sluice answered\n\t%s\nPostgreSQL answered\n\t%s", strings.Join(answers[1], "\n\t"), strings.Join(answers[0], "\n\t"))
			}
			// And the server is unharmed.
			dialRaw(t, ts.addr, nil)
		})
	}
}

// TestGSSENCRequest: Sluice has no GSSAPI encryption and says so.
func TestGSSENCRequest(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialOnly(t, ts.addr)
	req, _ := (&pgproto3.GSSEncRequest{}).Encode(nil)
	rc.nc.Write(req)
	b := make([]byte, 1)
	rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(rc.nc, b); err != nil || b[0] != 'N' {
		t.Fatalf("GSSENCRequest answered %q, %v", b, err)
	}
	rc.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "sluice"}})
	if got := rc.read(1, 0); got[len(got)-1] != "ReadyForQuery I" {
		t.Fatalf("startup after GSSENCRequest: %v", got)
	}
}

// TestFunctionCall: the fast-path interface is refused and the connection
// stays usable.
func TestFunctionCall(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialRaw(t, ts.addr, nil)
	rc.send(&pgproto3.FunctionCall{Function: 1598}, &pgproto3.Query{String: "select 1"})
	got := rc.read(2, 0)
	want := []string{
		"Error ERROR 0A000 fast-path function calls are not supported", "ReadyForQuery I",
		"RowDescription ?column?:23:4:-1:0", "DataRow 31", "CommandComplete SELECT 1", "ReadyForQuery I",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

// TestOversizedMessageRaw: a declared length over the limit is refused
// before its body is read, and a huge declared length costs nothing.
func TestOversizedMessageRaw(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxMessageSize = 1024 })
	for _, n := range []uint32{1025 + 4, 0x7fffffff} {
		rc := dialRaw(t, ts.addr, nil)
		hdr := []byte{'Q', 0, 0, 0, 0}
		binary.BigEndian.PutUint32(hdr[1:], n)
		rc.nc.Write(hdr)
		rc.nc.Write([]byte(strings.Repeat("x", 2000)))
		got := rc.read(1, 0)
		want := fmt.Sprintf("Error FATAL 54000 message too long: %d bytes exceeds the server's limit of 1024 bytes", n-4)
		if len(got) != 2 || got[0] != want || got[1] != "EOF" {
			t.Errorf("length %d: got %v", n, got)
		}
	}
	dialRaw(t, ts.addr, nil)
}

// TestInvalidMessageLength: a length below 4 is a broken stream.
func TestInvalidMessageLength(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialRaw(t, ts.addr, nil)
	rc.nc.Write([]byte{'Q', 0, 0, 0, 2})
	got := rc.read(1, 0)
	if len(got) != 2 || got[0] != "Error FATAL 08P01 invalid message length" {
		t.Errorf("got %v", got)
	}
}

// TestMalformedMessage: a message whose body does not decode is an error
// in its place, and the connection goes on.
func TestMalformedMessage(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialRaw(t, ts.addr, nil)
	rc.nc.Write([]byte{'Q', 0, 0, 0, 7, 'a', 'b', 'c'}) // no NUL
	rc.nc.Write([]byte{'P', 0, 0, 0, 5, 0})             // no query string
	rc.send(&pgproto3.Sync{}, &pgproto3.Query{String: "select 1"})
	got := rc.read(3, 0)
	want := []string{
		"Error ERROR 08P01 invalid message format", "ReadyForQuery I",
		"Error ERROR 08P01 invalid message format", "ReadyForQuery I",
		"RowDescription ?column?:23:4:-1:0", "DataRow 31", "CommandComplete SELECT 1", "ReadyForQuery I",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}
