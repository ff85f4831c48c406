package pgtype

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Wire formats of a value.
const (
	TextFormat   int16 = 0
	BinaryFormat int16 = 1
)

// Encoder appends the wire bytes of row i of one Arrow array (not NULL:
// the caller checks validity) to buf. It is built once per column and batch,
// so the per-row path does no type dispatch.
type Encoder func(buf []byte, row int) []byte

// NewEncoder returns the encoder of values of t held in arr, in the given
// format, under settings s (text formats depend on DateStyle, TimeZone,
// IntervalStyle, extra_float_digits, bytea_output).
func NewEncoder(t Type, arr arrow.Array, format int16, s *Settings) (Encoder, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "encoding of type %s is not implemented", t)
}

// AppendText appends the text form of a Datum of type t.
func AppendText(buf []byte, t Type, d Datum, s *Settings) ([]byte, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "text encoding of type %s is not implemented", t)
}

// Decode reads a parameter or literal of type t from its wire form. Errors
// carry SQLSTATE 22P02 (text) or 22P03 (binary) with PostgreSQL's message.
func Decode(t Type, format int16, src []byte, s *Settings) (Datum, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "decoding of type %s is not implemented", t)
}

// DatumAt returns row i of arr (of type t) as a Datum; nil when NULL.
func DatumAt(t Type, arr arrow.Array, i int) Datum {
	return nil
}

// AppendDatum appends d (of type t; nil for NULL) to a builder of t's Arrow
// type. It converts between representations where the value fits (for
// example a Numeric into a Decimal128 of the builder's scale) and fails with
// 22003 where it does not.
func AppendDatum(b array.Builder, t Type, d Datum) error {
	return pgerr.New(pgerr.FeatureNotSupported, "building arrays of type %s is not implemented", t)
}
