package pgtype

import (
	"encoding/binary"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Record is a value of the anonymous row type record (OID 2249), as a
// set-returning function with OUT parameters yields it (json_each,
// information_schema._pg_expandarray): each field's type and value. In
// Arrow it travels as record_send's binary form, which names every field's
// type, so a column of records needs no schema beyond "record". Field names
// are the planner's business: they never reach a record's value.
type Record struct {
	Types  []Type
	Values []Datum
}

// appendRecordBinary writes record_send's form: the field count, then per
// field its type OID and its binary value (length -1 for NULL).
func appendRecordBinary(buf []byte, r Record) ([]byte, error) {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(r.Values)))
	for i, v := range r.Values {
		buf = binary.BigEndian.AppendUint32(buf, uint32(r.Types[i].OID))
		if v == nil {
			buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if buf, err = appendBinary(buf, r.Types[i], v); err != nil {
			return buf, err
		}
		binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf, nil
}

func errRecordBinary() error {
	return pgerr.New(pgerr.InvalidBinaryRepresentation, "insufficient data left in message")
}

// decodeRecordBinary reads record_send's form back. The fields' typmods
// are not part of it: they come back as -1.
func decodeRecordBinary(src []byte) (Record, error) {
	if len(src) < 4 {
		return Record{}, errRecordBinary()
	}
	n := int(binary.BigEndian.Uint32(src))
	src = src[4:]
	if n < 0 || n > len(src)/8 {
		return Record{}, errRecordBinary()
	}
	r := Record{Types: make([]Type, n), Values: make([]Datum, n)}
	for i := 0; i < n; i++ {
		if len(src) < 8 {
			return Record{}, errRecordBinary()
		}
		r.Types[i] = Type{OID: OID(binary.BigEndian.Uint32(src)), Typmod: -1}
		l := int32(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if l < 0 {
			continue
		}
		if int(l) > len(src) {
			return Record{}, errRecordBinary()
		}
		var v Datum
		var err error
		if r.Types[i].OID == RecordOID {
			v, err = decodeRecordBinary(src[:l]) // a nested ROW(...)
		} else {
			v, err = decodeBinary(r.Types[i], src[:l])
		}
		if err != nil {
			return Record{}, err
		}
		r.Values[i], src = v, src[l:]
	}
	return r, nil
}

// appendRecordText writes record_out's form: (f1,f2,...) with NULL as
// nothing, and a field quoted when it is empty or holds a quote,
// backslash, parenthesis, comma or white space (quotes and backslashes
// doubled inside).
func appendRecordText(buf []byte, r Record, st *style) ([]byte, error) {
	buf = append(buf, '(')
	var tmp []byte
	for i, v := range r.Values {
		if i > 0 {
			buf = append(buf, ',')
		}
		if v == nil {
			continue
		}
		var err error
		if tmp, err = appendText(tmp[:0], r.Types[i], v, st); err != nil {
			return buf, err
		}
		quote := len(tmp) == 0
		for _, c := range tmp {
			switch c {
			case '"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f':
				quote = true
			}
		}
		if !quote {
			buf = append(buf, tmp...)
			continue
		}
		buf = append(buf, '"')
		for _, c := range tmp {
			if c == '"' || c == '\\' {
				buf = append(buf, c)
			}
			buf = append(buf, c)
		}
		buf = append(buf, '"')
	}
	return append(buf, ')'), nil
}

// recordEncoder encodes a column of records held as record_send bytes.
func recordEncoder(arr interface{ Value(int) []byte }, bin bool, st *style) Encoder {
	if bin {
		return func(buf []byte, row int) []byte { return append(buf, arr.Value(row)...) }
	}
	return func(buf []byte, row int) []byte {
		r, err := decodeRecordBinary(arr.Value(row))
		if err != nil {
			return buf // only Sluice writes these bytes; they decode
		}
		out, err := appendRecordText(buf, r, st)
		if err != nil {
			return buf
		}
		return out
	}
}
