package wire

import (
	"encoding/binary"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// resultWriter is the connection's ResultWriter. One lives as long as its
// connection and is reused by every result, so that encoding rows
// allocates nothing per row.
type resultWriter struct {
	out      *output
	settings *pgtype.Settings
	cols     []column
	fields   []pgproto3.FieldDescription // RowDescription scratch
	copy     copyFormat                  // set by CopyStart
}

// column is one result column and the encoder of its values in the
// current batch.
type column struct {
	typ    pgtype.Type
	format int16
	arr    arrow.Array // the array enc was built for
	enc    pgtype.Encoder
	// nulls is arr's validity bitmap, nil when arr has no NULLs.
	nulls   []byte
	offset  int
	allNull bool // every row is NULL
}

var _ ResultWriter = (*resultWriter)(nil)

// formatOf returns the format of column i under Bind's rules: no codes
// means text, one code applies to all.
func formatOf(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return pgtype.TextFormat
	case 1:
		return formats[0]
	}
	return formats[i]
}

func checkFormats(formats []int16, n int) error {
	if len(formats) > 1 && len(formats) != n {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(formats), n)
	}
	for _, f := range formats {
		if f != pgtype.TextFormat && f != pgtype.BinaryFormat {
			return pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	return nil
}

// Describe sends RowDescription.
func (w *resultWriter) Describe(fields []Field, formats []int16) error {
	if err := checkFormats(formats, len(fields)); err != nil {
		return err
	}
	w.fields = w.fields[:0]
	for i, f := range fields {
		w.fields = append(w.fields, pgproto3.FieldDescription{
			Name:                 []byte(f.Name),
			TableOID:             f.TableOID,
			TableAttributeNumber: uint16(f.AttNum),
			DataTypeOID:          f.Type.OID,
			DataTypeSize:         f.Type.Len(),
			TypeModifier:         f.Type.Typmod,
			Format:               formatOf(formats, i),
		})
	}
	return w.out.send(&pgproto3.RowDescription{Fields: w.fields})
}

// Start prepares the columns of a result; encoders are made per batch.
func (w *resultWriter) Start(fields []Field, formats []int16, s *pgtype.Settings) error {
	if err := checkFormats(formats, len(fields)); err != nil {
		return err
	}
	w.settings = s
	w.cols = w.cols[:0]
	for i, f := range fields {
		w.cols = append(w.cols, column{typ: f.Type, format: formatOf(formats, i)})
	}
	return nil
}

// bind makes sure every column has the encoder of rec's array, and
// checks that rows [lo, hi) exist.
func (w *resultWriter) bind(rec arrow.RecordBatch, lo, hi int) error {
	if int(rec.NumCols()) != len(w.cols) {
		return pgerr.New(pgerr.InternalError, "result batch has %d columns, but %d were described", rec.NumCols(), len(w.cols))
	}
	if lo < 0 || hi < lo || int64(hi) > rec.NumRows() {
		return pgerr.New(pgerr.InternalError, "rows [%d, %d) are outside a batch of %d rows", lo, hi, rec.NumRows())
	}
	for i := range w.cols {
		c := &w.cols[i]
		arr := rec.Column(i)
		if arr == c.arr {
			continue
		}
		c.arr, c.enc = arr, nil
		c.nulls, c.offset, c.allNull = nil, arr.Data().Offset(), false
		if arr.NullN() > 0 {
			c.nulls = arr.NullBitmapBytes()
			c.allNull = len(c.nulls) == 0 || arr.NullN() == arr.Len()
		}
		if c.allNull {
			// No value to encode: an array of Arrow's null type (SELECT
			// NULL) needs no encoder, and may have none.
			continue
		}
		enc, err := pgtype.NewEncoder(c.typ, arr, c.format, w.settings)
		if err != nil {
			c.arr = nil
			return err
		}
		c.enc = enc
	}
	return nil
}

// release drops the references to the last batch's arrays.
func (w *resultWriter) release() {
	for i := range w.cols {
		w.cols[i].arr, w.cols[i].enc, w.cols[i].nulls = nil, nil, nil
	}
}

func (c *column) isNull(row int) bool {
	return c.allNull || (c.nulls != nil && bitutil.BitIsNotSet(c.nulls, c.offset+row))
}

// WriteRows encodes rows [lo, hi) of rec as DataRows straight into the
// output buffer.
func (w *resultWriter) WriteRows(rec arrow.RecordBatch, lo, hi int) error {
	if w.out.err != nil {
		return w.out.err
	}
	if err := w.bind(rec, lo, hi); err != nil {
		return err
	}
	n := len(w.cols)
	for row := lo; row < hi; row++ {
		buf := w.out.buf
		start := len(buf)
		buf = append(buf, 'D', 0, 0, 0, 0, byte(n>>8), byte(n))
		for i := range w.cols {
			c := &w.cols[i]
			if c.isNull(row) {
				buf = append(buf, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = c.enc(buf, row)
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
		w.out.buf = buf
		if len(buf) >= flushAt {
			if err := w.out.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Complete sends CommandComplete.
func (w *resultWriter) Complete(tag string) error {
	w.release()
	return w.out.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}

// Suspended sends PortalSuspended.
func (w *resultWriter) Suspended() error {
	w.release()
	return w.out.send(&pgproto3.PortalSuspended{})
}

// EmptyQuery sends EmptyQueryResponse.
func (w *resultWriter) EmptyQuery() error {
	return w.out.send(&pgproto3.EmptyQueryResponse{})
}

// Notice sends a NoticeResponse, at once: PostgreSQL flushes each notice
// (elog.c), and a notice sent while a query waits (its place in a queue,
// its progress) is news only if it arrives before the result.
func (w *resultWriter) Notice(severity, code, message string) error {
	if err := w.out.send(&pgproto3.NoticeResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                code,
		Message:             message,
	}); err != nil {
		return err
	}
	return w.out.flush()
}

// ParameterStatus reports a run-time parameter.
func (w *resultWriter) ParameterStatus(name, value string) error {
	return w.out.send(&pgproto3.ParameterStatus{Name: name, Value: value})
}

// copyTag is the CommandComplete tag of COPY TO.
func copyTag(rows int64) string {
	return "COPY " + strconv.FormatInt(rows, 10)
}
