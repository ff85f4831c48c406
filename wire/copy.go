package wire

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// copyFormat is how COPY TO STDOUT writes values: PostgreSQL's text format
// (CopyAttributeOutText) or CSV (CopyAttributeOutCSV). Rows go one per
// CopyData message, as PostgreSQL sends them.
type copyFormat struct {
	csv        bool
	delim      byte
	null       string
	quote      byte
	escape     byte
	forceQuote []bool // per column; CSV only
	singleCol  bool
	scratch    []byte // the text of one value before escaping
}

func copyOptionByte(name, v string, def byte) (byte, error) {
	if v == "" {
		return def, nil
	}
	if len(v) != 1 {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY %s must be a single one-byte character", name)
	}
	return v[0], nil
}

// newCopyFormat checks opts as PostgreSQL's ProcessCopyOptions does and
// applies the defaults.
func newCopyFormat(fields []Field, opts CopyOptions, scratch []byte) (copyFormat, error) {
	f := copyFormat{csv: opts.CSV, null: opts.Null, singleCol: len(fields) == 1, scratch: scratch}
	var err error
	defDelim := byte('\t')
	if opts.CSV {
		defDelim = ','
	} else if f.null == "" {
		f.null = `\N`
	}
	if f.delim, err = copyOptionByte("delimiter", opts.Delimiter, defDelim); err != nil {
		return f, err
	}
	if f.delim == '\n' || f.delim == '\r' {
		return f, pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	}
	if !opts.CSV {
		if opts.Quote != "" || opts.Escape != "" || len(opts.ForceQuote) > 0 || opts.ForceQuoteAll {
			return f, pgerr.New(pgerr.FeatureNotSupported, "COPY quote, escape and force_quote are available only in CSV mode")
		}
		if f.delim == '\\' || (f.delim >= 'a' && f.delim <= 'z') || (f.delim >= '0' && f.delim <= '9') || f.delim == '.' {
			return f, pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter cannot be %q", string(f.delim))
		}
		return f, nil
	}
	if f.quote, err = copyOptionByte("quote", opts.Quote, '"'); err != nil {
		return f, err
	}
	if f.escape, err = copyOptionByte("escape", opts.Escape, f.quote); err != nil {
		return f, err
	}
	if f.delim == f.quote {
		return f, pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter and quote must be different")
	}
	f.forceQuote = make([]bool, len(fields))
	for i := range f.forceQuote {
		f.forceQuote[i] = opts.ForceQuoteAll
	}
	for _, name := range opts.ForceQuote {
		found := false
		for i, fd := range fields {
			if fd.Name == name {
				f.forceQuote[i], found = true, true
			}
		}
		if !found {
			return f, pgerr.New(pgerr.InvalidColumnReference, "FORCE_QUOTE column %q not referenced by COPY", name)
		}
	}
	return f, nil
}

// appendValue appends one non-NULL value of column col.
func (f *copyFormat) appendValue(buf, v []byte, col int) []byte {
	if f.csv {
		return f.appendCSV(buf, v, f.forceQuote[col])
	}
	return f.appendText(buf, v)
}

// appendText escapes v for the text format: a backslash before itself and
// the delimiter, and C-style escapes for the control characters that
// would break a line or a field.
func (f *copyFormat) appendText(buf, v []byte) []byte {
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		var esc byte
		switch {
		case c < 0x20:
			switch c {
			case '\b':
				esc = 'b'
			case '\f':
				esc = 'f'
			case '\n':
				esc = 'n'
			case '\r':
				esc = 'r'
			case '\t':
				esc = 't'
			case '\v':
				esc = 'v'
			case f.delim:
				esc = c
			}
		case c == '\\' || c == f.delim:
			esc = c
		}
		if esc == 0 {
			continue
		}
		buf = append(buf, v[start:i]...)
		buf = append(buf, '\\', esc)
		start = i + 1
	}
	return append(buf, v[start:]...)
}

// appendCSV quotes v when it must be (it holds the delimiter, the quote, a
// line break, equals the NULL string, or is "\." alone in a one-column
// row, which a reader would take for the end of data) or when forced.
func (f *copyFormat) appendCSV(buf, v []byte, force bool) []byte {
	quote := force || string(v) == f.null || (f.singleCol && string(v) == `\.`)
	if !quote {
		for _, c := range v {
			if c == f.delim || c == f.quote || c == '\n' || c == '\r' {
				quote = true
				break
			}
		}
	}
	if !quote {
		return append(buf, v...)
	}
	buf = append(buf, f.quote)
	start := 0
	for i, c := range v {
		if c == f.quote || c == f.escape {
			buf = append(buf, v[start:i]...)
			buf = append(buf, f.escape)
			start = i // the character itself follows its escape
		}
	}
	buf = append(buf, v[start:]...)
	return append(buf, f.quote)
}

// CopyStart sends CopyOutResponse (text, column by column) and the header
// line when asked.
func (w *resultWriter) CopyStart(fields []Field, opts CopyOptions, s *pgtype.Settings) error {
	f, err := newCopyFormat(fields, opts, w.copy.scratch[:0])
	if err != nil {
		return err
	}
	if err := w.Start(fields, nil, s); err != nil {
		return err
	}
	w.copy = f
	if err := w.out.send(&pgproto3.CopyOutResponse{
		OverallFormat:     0,
		ColumnFormatCodes: make([]uint16, len(fields)),
	}); err != nil {
		return err
	}
	if !opts.Header {
		return nil
	}
	buf, start := beginCopyData(w.out.buf)
	for i, fd := range fields {
		if i > 0 {
			buf = append(buf, f.delim)
		}
		if f.csv {
			buf = f.appendCSV(buf, []byte(fd.Name), false)
		} else {
			buf = f.appendText(buf, []byte(fd.Name))
		}
	}
	w.out.buf = endCopyData(buf, start)
	return nil
}

func beginCopyData(buf []byte) ([]byte, int) {
	return append(buf, 'd', 0, 0, 0, 0), len(buf)
}

// endCopyData ends the row with a newline and fills in the length.
func endCopyData(buf []byte, start int) []byte {
	buf = append(buf, '\n')
	binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf
}

// CopyRows sends rows [lo, hi) of rec, one CopyData each.
func (w *resultWriter) CopyRows(rec arrow.RecordBatch, lo, hi int) error {
	if w.out.err != nil {
		return w.out.err
	}
	if err := w.bind(rec, lo, hi); err != nil {
		return err
	}
	f := &w.copy
	for row := lo; row < hi; row++ {
		buf, start := beginCopyData(w.out.buf)
		for i := range w.cols {
			c := &w.cols[i]
			if i > 0 {
				buf = append(buf, f.delim)
			}
			if c.isNull(row) {
				buf = append(buf, f.null...)
				continue
			}
			f.scratch = c.enc(f.scratch[:0], row)
			buf = f.appendValue(buf, f.scratch, i)
		}
		w.out.buf = endCopyData(buf, start)
		if len(w.out.buf) >= flushAt {
			if err := w.out.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// CopyDone ends the copy: CopyDone, then CommandComplete "COPY n".
func (w *resultWriter) CopyDone(rows int64) error {
	w.release()
	if err := w.out.send(&pgproto3.CopyDone{}); err != nil {
		return err
	}
	return w.out.send(&pgproto3.CommandComplete{CommandTag: []byte(copyTag(rows))})
}
