package wire

import (
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicesql/sluice/wire/pgerr"
)

const (
	// flushAt is the size at which buffered output goes to the socket
	// before the next ReadyForQuery or Flush, so that a large result
	// streams: the write then blocks while the client is slow, and that is
	// the backpressure on the query.
	flushAt = 32 << 10
	// keepOutput is the largest buffer kept between flushes; a buffer
	// grown by one huge value is dropped after it is sent.
	keepOutput = 1 << 20
)

// output buffers the server's messages to one client. The first write
// error sticks: everything after it fails with the same error, and the
// connection ends.
type output struct {
	w   io.Writer
	buf []byte
	err error
}

// send appends one message encoded by pgproto3.
func (o *output) send(m pgproto3.BackendMessage) error {
	if o.err != nil {
		return o.err
	}
	b, err := m.Encode(o.buf)
	if err != nil {
		// Only a message over 1 GiB fails to encode.
		return pgerr.New(pgerr.ProgramLimitExceeded, "cannot send message: %v", err)
	}
	o.buf = b
	if len(o.buf) >= flushAt {
		return o.flush()
	}
	return nil
}

// flush writes what is buffered, blocking until the socket takes it.
func (o *output) flush() error {
	if o.err != nil {
		return o.err
	}
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	if cap(o.buf) > keepOutput {
		o.buf = make([]byte, 0, flushAt+flushAt/2)
	} else {
		o.buf = o.buf[:0]
	}
	if err != nil {
		o.err = err
	}
	return err
}

// sendError sends an ErrorResponse (or, with severity FATAL, the last
// message of the connection).
func (o *output) sendError(e *pgerr.Error) error {
	sev := e.Severity
	if sev == "" {
		sev = pgerr.SeverityError
	}
	return o.send(&pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
	})
}
