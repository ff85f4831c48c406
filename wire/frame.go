package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Framing of the client's byte stream. pgproto3 decodes and encodes the
// messages; wire reads the frames itself because it must see the type and
// length of a message before its body: to refuse an unknown type or a body
// over the limit without reading it, and to accept startup codes
// pgproto3's Backend rejects (protocol versions to negotiate or refuse
// with PostgreSQL's error).

const (
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
	// maxAuthMessage is PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH.
	maxAuthMessage = 65535
	// keepBody is the largest message body buffer kept for reuse.
	keepBody = 64 << 10
	// drainTime bounds how long the server reads and discards the rest of
	// an oversized message, so that the client sees the error instead of a
	// reset connection.
	drainTime = time.Second
)

// Startup packet codes (the first word after the length).
const (
	cancelRequestCode = 80877102
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// badStartup is a startup packet PostgreSQL would not answer: the
// connection is closed and the event logged.
type badStartup struct{ reason string }

func (e *badStartup) Error() string { return e.reason }

// unexpectedMessage is a message type not allowed where it came.
type unexpectedMessage byte

func (e unexpectedMessage) Error() string { return fmt.Sprintf("unexpected message type %q", byte(e)) }

// readStartupPacket reads one length-prefixed startup packet without
// buffering, so that nothing past an SSLRequest is read before the TLS
// handshake.
func (c *conn) readStartupPacket() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.rw, hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, &badStartup{"incomplete startup packet"}
		}
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:]))) - 4
	if n < 4 || n > maxStartupPacket {
		return nil, &badStartup{fmt.Sprintf("invalid length of startup packet: %d", n+4)}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(c.rw, buf); err != nil {
		return nil, &badStartup{"incomplete startup packet"}
	}
	return buf, nil
}

// readMessage reads one message whose type is among allowed and whose body
// is at most limit bytes. The body is valid until the next read, except a
// Bind's, which is the session's to keep (its parameters point into it).
func (c *conn) readMessage(allowed string, limit int) (byte, []byte, error) {
	if _, err := io.ReadFull(c.in, c.hdr[:]); err != nil {
		return 0, nil, err
	}
	typ := c.hdr[0]
	if strings.IndexByte(allowed, typ) < 0 {
		return typ, nil, unexpectedMessage(typ)
	}
	n := int64(int32(binary.BigEndian.Uint32(c.hdr[1:]))) - 4
	if n < 0 {
		return typ, nil, pgerr.Fatal(pgerr.ProtocolViolation, "invalid message length")
	}
	if n > int64(limit) {
		e := pgerr.Fatal(pgerr.ProgramLimitExceeded, "message too long: %d bytes exceeds the server's limit of %d bytes", n, limit)
		c.fatal(e)
		c.raw.SetReadDeadline(time.Now().Add(drainTime))
		io.CopyN(io.Discard, c.in, n)
		return typ, nil, e
	}
	var body []byte
	if typ == 'B' || n > keepBody {
		body = make([]byte, n)
	} else {
		if int64(cap(c.body)) < n {
			c.body = make([]byte, n, max(n, 4096))
		}
		body = c.body[:n]
	}
	if _, err := io.ReadFull(c.in, body); err != nil {
		return typ, nil, err
	}
	return typ, body, nil
}
