package pgtype

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Datums: text and binary output of one Go value, input from the wire, and
// the conversions between Datums and Arrow arrays and builders.

// AppendText appends the text form of a Datum of type t.
func AppendText(buf []byte, t Type, d Datum, s *Settings) ([]byte, error) {
	if d == nil {
		return buf, pgerr.New(pgerr.InternalError, "cannot print NULL as %s", t)
	}
	return appendText(buf, t, d, styleOf(s))
}

// AppendBinary appends the binary (send) form of a Datum of type t.
func AppendBinary(buf []byte, t Type, d Datum) ([]byte, error) {
	if d == nil {
		return buf, pgerr.New(pgerr.InternalError, "cannot send NULL as %s", t)
	}
	return appendBinary(buf, t, d)
}

func errDatum(t Type, d Datum) error {
	return pgerr.New(pgerr.InternalError, "value of Go type %T is not a %s datum", d, t)
}

// asInt64 accepts the documented int64 and the other Go integer types.
func asInt64(d Datum) (int64, bool) {
	switch v := d.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case int16:
		return int64(v), true
	case int8:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint8:
		return int64(v), true
	}
	return 0, false
}

func asFloat64(d Datum) (float64, bool) {
	switch v := d.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	}
	if i, ok := asInt64(d); ok {
		return float64(i), true
	}
	return 0, false
}

func asNumeric(d Datum) (NumericValue, bool) {
	switch v := d.(type) {
	case NumericValue:
		return v, true
	case *NumericValue:
		if v != nil {
			return *v, true
		}
	}
	if i, ok := asInt64(d); ok {
		return NumericValue{Coef: big.NewInt(i)}, true
	}
	if u, ok := d.(uint64); ok {
		return NumericValue{Coef: new(big.Int).SetUint64(u)}, true
	}
	return NumericValue{}, false
}

func asString(d Datum) (string, bool) {
	switch v := d.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

func asBytes(d Datum) ([]byte, bool) {
	switch v := d.(type) {
	case []byte:
		return v, true
	case string:
		return []byte(v), true
	case [16]byte:
		return v[:], true
	}
	return nil, false
}

func asUUID(d Datum) ([]byte, bool) {
	switch v := d.(type) {
	case [16]byte:
		return v[:], true
	case []byte:
		return v, len(v) == 16
	}
	return nil, false
}

func asArray(d Datum) (Array, bool) {
	switch v := d.(type) {
	case Array:
		return v, true
	case *Array:
		if v != nil {
			return *v, true
		}
	}
	return Array{}, false
}

func asDate(d Datum) (int32, bool) {
	switch v := d.(type) {
	case DateValue:
		return int32(v), true
	case int32:
		return v, true
	}
	return 0, false
}

func asMicros(d Datum) (int64, bool) {
	switch v := d.(type) {
	case TimestampValue:
		return int64(v), true
	case TimeValue:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

func appendText(buf []byte, t Type, d Datum, st *style) ([]byte, error) {
	if isVector(t.OID) {
		a, ok := asArray(d)
		if !ok {
			return buf, errDatum(t, d)
		}
		return appendVectorText(buf, t, a)
	}
	if t.IsArray() {
		a, ok := asArray(d)
		if !ok {
			return buf, errDatum(t, d)
		}
		return appendArrayText(buf, t.Elem(), a, st)
	}
	ok := false
	switch kindOf(t.OID) {
	case kBool:
		var v bool
		if v, ok = d.(bool); ok {
			buf = appendBoolText(buf, v)
		}
	case kInt2, kInt4, kInt8:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = strconv.AppendInt(buf, v, 10)
		}
	case kOID:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = strconv.AppendUint(buf, uint64(uint32(v)), 10)
		}
	case kReg:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = appendRegText(buf, uint32(v))
		}
	case kFloat4, kFloat8:
		var v float64
		if v, ok = asFloat64(d); ok {
			bits := 64
			if t.OID == Float4OID {
				bits = 32
				v = float64(float32(v))
			}
			buf = appendFloat(buf, v, bits, st.floatDigits)
		}
	case kNumeric:
		var v NumericValue
		if v, ok = asNumeric(d); ok {
			buf = appendNumericText(buf, v)
		}
	case kText, kJSON, kJSONB:
		var v string
		if v, ok = asString(d); ok {
			buf = append(buf, v...)
		}
	case kChar:
		var v string
		if v, ok = asString(d); ok {
			buf = appendCharText(buf, v)
		}
	case kInet, kLSN, kOpaque:
		var v string
		if v, ok = asString(d); ok {
			buf = append(buf, v...)
		}
	case kVoid:
		ok = true
	case kRecord:
		var v Record
		if v, ok = d.(Record); ok {
			return appendRecordText(buf, v, st)
		}
	case kBytea:
		var v []byte
		if v, ok = asBytes(d); ok {
			buf = appendByteaText(buf, v, st.byteaEscape)
		}
	case kUUID:
		var v []byte
		if v, ok = asUUID(d); ok {
			buf = appendUUIDText(buf, v)
		}
	case kDate:
		var v int32
		if v, ok = asDate(d); ok {
			buf = appendDateText(buf, v, st)
		}
	case kTime:
		var v int64
		if v, ok = asMicros(d); ok {
			buf = appendTimeText(buf, v)
		}
	case kTimestamp, kTimestamptz:
		var v int64
		if v, ok = asMicros(d); ok {
			buf = appendTimestampText(buf, v, t.OID == TimestamptzOID, st)
		}
	case kInterval:
		var v IntervalValue
		if v, ok = d.(IntervalValue); ok {
			buf = appendIntervalText(buf, v, st)
		}
	default:
		return buf, errUnsupportedType(t)
	}
	if !ok {
		return buf, errDatum(t, d)
	}
	return buf, nil
}

func appendBinary(buf []byte, t Type, d Datum) ([]byte, error) {
	if isVector(t.OID) {
		a, ok := asArray(d)
		if !ok {
			return buf, errDatum(t, d)
		}
		return appendVectorBinary(buf, t, a)
	}
	if t.IsArray() {
		a, ok := asArray(d)
		if !ok {
			return buf, errDatum(t, d)
		}
		return appendArrayBinary(buf, t.Elem(), a)
	}
	ok := false
	switch kindOf(t.OID) {
	case kBool:
		var v bool
		if v, ok = d.(bool); ok {
			buf = appendBoolBinary(buf, v)
		}
	case kInt2:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = binary.BigEndian.AppendUint16(buf, uint16(v))
		}
	case kInt4:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = binary.BigEndian.AppendUint32(buf, uint32(v))
		}
	case kInt8:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = binary.BigEndian.AppendUint64(buf, uint64(v))
		}
	case kOID, kReg:
		var v int64
		if v, ok = asInt64(d); ok {
			buf = binary.BigEndian.AppendUint32(buf, uint32(v))
		}
	case kFloat4:
		var v float64
		if v, ok = asFloat64(d); ok {
			buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(v)))
		}
	case kFloat8:
		var v float64
		if v, ok = asFloat64(d); ok {
			buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(v))
		}
	case kNumeric:
		var v NumericValue
		if v, ok = asNumeric(d); ok {
			buf = appendNumericBinary(buf, v)
		}
	case kText, kJSON:
		var v string
		if v, ok = asString(d); ok {
			buf = append(buf, v...)
		}
	case kJSONB:
		var v string
		if v, ok = asString(d); ok {
			buf = append(append(buf, 1), v...)
		}
	case kChar:
		var v string
		if v, ok = asString(d); ok {
			buf = appendCharBinary(buf, v)
		}
	case kInet, kLSN, kOpaque:
		var v string
		if v, ok = asString(d); ok {
			switch kindOf(t.OID) {
			case kInet:
				buf = appendInetBinary(buf, v)
			case kLSN:
				buf = appendLSNBinary(buf, v)
			default:
				buf = append(buf, v...)
			}
		}
	case kVoid:
		ok = true
	case kRecord:
		var v Record
		if v, ok = d.(Record); ok {
			return appendRecordBinary(buf, v)
		}
	case kBytea:
		var v []byte
		if v, ok = asBytes(d); ok {
			buf = append(buf, v...)
		}
	case kUUID:
		var v []byte
		if v, ok = asUUID(d); ok {
			buf = append(buf, v...)
		}
	case kDate:
		var v int32
		if v, ok = asDate(d); ok {
			buf = binary.BigEndian.AppendUint32(buf, uint32(dateToPG(v)))
		}
	case kTime:
		var v int64
		if v, ok = asMicros(d); ok {
			buf = binary.BigEndian.AppendUint64(buf, uint64(v))
		}
	case kTimestamp, kTimestamptz:
		var v int64
		if v, ok = asMicros(d); ok {
			buf = binary.BigEndian.AppendUint64(buf, uint64(timestampToPG(v)))
		}
	case kInterval:
		var v IntervalValue
		if v, ok = d.(IntervalValue); ok {
			buf = appendIntervalBinary(buf, v)
		}
	default:
		return buf, errUnsupportedType(t)
	}
	if !ok {
		return buf, errDatum(t, d)
	}
	return buf, nil
}

// Decode reads a parameter or literal of type t from its wire form. Errors
// carry PostgreSQL's SQLSTATE and message: 22P02 for bad text (22007 for
// datetimes, as PostgreSQL), 22003 out of range, 22008 datetime overflow,
// 22P03 bad binary, 22021 bad UTF-8.
func Decode(t Type, format int16, src []byte, s *Settings) (Datum, error) {
	switch format {
	case TextFormat:
		if err := checkEncoding(src); err != nil {
			return nil, err
		}
		return decodeText(t, src, styleOf(s))
	case BinaryFormat:
		return decodeBinary(t, src)
	}
	return nil, pgerr.New(pgerr.ProtocolViolation, "unsupported format code: %d", format)
}

func decodeText(t Type, src []byte, st *style) (Datum, error) {
	if isVector(t.OID) {
		return parseVector(src, t)
	}
	if t.IsArray() {
		return parseArrayText(src, t.Elem(), st)
	}
	switch kindOf(t.OID) {
	case kBool:
		return parseBool(src)
	case kInt2:
		return parseInt(src, 16)
	case kInt4:
		return parseInt(src, 32)
	case kInt8:
		return parseInt(src, 64)
	case kOID:
		return parseOID(src)
	case kReg:
		return parseReg(t, src)
	case kFloat4:
		v, err := parseFloat(src, 32)
		return float64(float32(v)), err
	case kFloat8:
		return parseFloat(src, 64)
	case kNumeric:
		v, err := parseNumeric(src)
		if err != nil {
			return nil, err
		}
		if p, sc, ok := NumericPrecisionScale(t.Typmod); ok {
			return applyNumericTypmod(v, p, sc)
		}
		return v, nil
	case kText, kChar:
		return decodeString(t, src, false)
	case kJSON:
		if err := validateJSON(src); err != nil {
			return nil, err
		}
		return string(src), nil
	case kJSONB:
		return canonicalJSONB(src)
	case kBytea:
		return parseBytea(src)
	case kUUID:
		return parseUUID(src)
	case kVoid:
		return "", nil
	case kInet:
		return parseInet(src)
	case kLSN:
		return parseLSN(src)
	case kOpaque:
		return nil, errNoInput(t)
	case kDate:
		return parseDate(src, st)
	case kTime:
		v, err := parseTime(src, st)
		if err != nil {
			return nil, err
		}
		return adjustTimeTypmod(v, t.Typmod), nil
	case kTimestamp, kTimestamptz:
		v, err := parseTimestamp(src, t.OID == TimestamptzOID, st)
		if err != nil {
			return nil, err
		}
		return adjustTimestampTypmod(v, t.Typmod, src)
	case kInterval:
		v, err := parseInterval(src, intervalRange(t.Typmod), st)
		if err != nil {
			return nil, err
		}
		return adjustIntervalTypmod(v, t.Typmod), nil
	}
	return nil, errUnsupportedType(t)
}

// parseReg reads a reg* value. A number is taken as the OID and "-" as
// InvalidOid; names need the catalog, which this package does not know.
func parseReg(t Type, src []byte) (Datum, error) {
	s := string(src)
	if s == "-" {
		return int64(0), nil
	}
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return parseOID(src)
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "%s input by name is not supported: \"%s\"", t, src).
		WithHint("Pass the object's OID instead.")
}

func decodeBinary(t Type, src []byte) (Datum, error) {
	if isVector(t.OID) {
		return decodeVectorBinary(src, t)
	}
	if t.IsArray() {
		return decodeArrayBinary(src, t.Elem())
	}
	switch kindOf(t.OID) {
	case kBool:
		return decodeBoolBinary(src)
	case kInt2:
		return decodeIntBinary(src, 16)
	case kInt4:
		return decodeIntBinary(src, 32)
	case kInt8:
		return decodeIntBinary(src, 64)
	case kOID, kReg:
		return decodeOIDBinary(src)
	case kFloat4:
		return decodeFloatBinary(src, 32)
	case kFloat8:
		return decodeFloatBinary(src, 64)
	case kNumeric:
		v, err := decodeNumericBinary(src)
		if err != nil {
			return nil, err
		}
		if p, sc, ok := NumericPrecisionScale(t.Typmod); ok {
			return applyNumericTypmod(v, p, sc)
		}
		return v, nil
	case kText:
		return decodeString(t, src, true)
	case kChar:
		if len(src) != 1 {
			return nil, errBinaryLen("\"char\"", len(src), 1)
		}
		return decodeString(t, src, true)
	case kJSON:
		if err := checkEncoding(src); err != nil {
			return nil, err
		}
		if err := validateJSON(src); err != nil {
			return nil, err
		}
		return string(src), nil
	case kJSONB:
		return decodeJSONBBinary(src)
	case kVoid:
		return "", nil
	case kInet:
		return decodeInetBinary(src)
	case kLSN:
		return decodeLSNBinary(src)
	case kOpaque:
		return nil, errNoInput(t)
	case kBytea:
		return append([]byte{}, src...), nil
	case kUUID:
		if len(src) != 16 {
			return nil, errBinaryLen("uuid", len(src), 16)
		}
		var u [16]byte
		copy(u[:], src)
		return u, nil
	case kDate:
		if len(src) != 4 {
			return nil, errBinaryLen("date", len(src), 4)
		}
		v := int32(binary.BigEndian.Uint32(src))
		if v == math.MinInt32 || v == math.MaxInt32 {
			return DateValue(v), nil
		}
		days := int64(v) + pgEpochDays
		if days < minDateDays || days > maxDateDays {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
		}
		return DateValue(days), nil
	case kTime:
		if len(src) != 8 {
			return nil, errBinaryLen("time", len(src), 8)
		}
		v := int64(binary.BigEndian.Uint64(src))
		if v < 0 || v > usPerDay {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "time out of range")
		}
		return TimeValue(v), nil
	case kTimestamp, kTimestamptz:
		if len(src) != 8 {
			return nil, errBinaryLen("timestamp", len(src), 8)
		}
		v := int64(binary.BigEndian.Uint64(src))
		if v == math.MinInt64 || v == math.MaxInt64 {
			return TimestampValue(v), nil
		}
		us, of := addOverflows(v, pgEpochMicros)
		if of || us < minTimestamp || us >= maxTimestamp {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
		}
		return TimestampValue(us), nil
	case kInterval:
		if len(src) != 16 {
			return nil, errBinaryLen("interval", len(src), 16)
		}
		return IntervalValue{
			Micros: int64(binary.BigEndian.Uint64(src)),
			Days:   int32(binary.BigEndian.Uint32(src[8:])),
			Months: int32(binary.BigEndian.Uint32(src[12:])),
		}, nil
	}
	return nil, errUnsupportedType(t)
}

// DatumAt returns row i of arr (of type t) as a Datum; nil when NULL. The
// Datum owns its memory: strings and bytes are copied out of the array.
func DatumAt(t Type, arr arrow.Array, i int) Datum {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		return DatumAt(t, a.Dictionary(), a.GetValueIndex(i))
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		elem := t.Elem()
		child := a.ListValues()
		out := Array{Elem: elem, Elements: make([]Datum, end-start), Lower: 1}
		for j := start; j < end; j++ {
			out.Elements[j-start] = DatumAt(elem, child, int(j))
		}
		return out
	case *array.Boolean:
		return a.Value(i)
	// The integer arrays catalog tables are made of (oid, int2, int4,
	// int8), read directly: intGetter below builds a closure per call,
	// which row-at-a-time evaluation pays for every value.
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float16:
		return float64(a.Value(i).Float32())
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return decimal128ToNumeric(a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal64:
		return NumericValue{Coef: big.NewInt(int64(a.Value(i))), Scale: a.DataType().(*arrow.Decimal64Type).Scale}
	case *array.Decimal32:
		return NumericValue{Coef: big.NewInt(int64(a.Value(i))), Scale: a.DataType().(*arrow.Decimal32Type).Scale}
	case *array.Uint64:
		if kindOf(t.OID) == kNumeric {
			return NumericValue{Coef: new(big.Int).SetUint64(a.Value(i))}
		}
		return int64(a.Value(i))
	case *array.String:
		if kindOf(t.OID) == kNumeric {
			if v, err := parseNumeric([]byte(a.Value(i))); err == nil {
				return v
			}
			return NumericValue{Special: NumericNaN}
		}
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return strings.Clone(a.Value(i))
	case *array.FixedSizeBinary:
		if kindOf(t.OID) == kUUID && len(a.Value(i)) == 16 {
			var u [16]byte
			copy(u[:], a.Value(i))
			return u
		}
		return append([]byte{}, a.Value(i)...)
	case *array.Binary:
		if kindOf(t.OID) == kRecord {
			if r, err := decodeRecordBinary(a.Value(i)); err == nil {
				return r
			}
		}
		return append([]byte{}, a.Value(i)...)
	case *array.LargeBinary:
		return append([]byte{}, a.Value(i)...)
	case *array.BinaryView:
		return append([]byte{}, a.Value(i)...)
	case *array.Date32, *array.Date64:
		return DateValue(daysGetter(arr)(i))
	case *array.Time32, *array.Time64:
		return TimeValue(microsGetter(arr)(i))
	case *array.Timestamp:
		return TimestampValue(microsGetter(arr)(i))
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return IntervalValue{Months: v.Months, Days: v.Days, Micros: v.Nanoseconds / 1000}
	case *array.Duration:
		return IntervalValue{Micros: microsGetter(arr)(i)}
	}
	if g := intGetter(arr, 64); g != nil {
		return g(i)
	}
	return nil
}

func errIntRange(b array.Builder) error {
	name := "bigint"
	switch b.(type) {
	case *array.Int16Builder, *array.Int8Builder, *array.Uint8Builder:
		name = "smallint"
	case *array.Int32Builder, *array.Uint16Builder:
		name = "integer"
	case *array.Uint32Builder:
		return pgerr.New(pgerr.NumericValueOutOfRange, "OID out of range")
	}
	return pgerr.New(pgerr.NumericValueOutOfRange, "%s out of range", name)
}

// AppendDatum appends d (of type t; nil for NULL) to a builder of t's Arrow
// type. It converts between representations where the value fits (for
// example a Numeric into a Decimal128 of the builder's scale, rounding half
// away from zero as a cast to numeric(p,s) does) and fails with 22003 where
// it does not.
func AppendDatum(b array.Builder, t Type, d Datum) error {
	if d == nil {
		b.AppendNull()
		return nil
	}
	fail := func() error { return errDatum(t, d) }
	switch bb := b.(type) {
	case array.ListLikeBuilder:
		a, ok := asArray(d)
		if !ok {
			return fail()
		}
		if err := storableBounds(t, a); err != nil {
			return err
		}
		bb.Append(true)
		vb := bb.ValueBuilder()
		elem := t.Elem()
		for _, e := range a.Elements {
			if err := AppendDatum(vb, elem, e); err != nil {
				return err
			}
		}
		return nil
	case *array.BooleanBuilder:
		v, ok := d.(bool)
		if !ok {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.Float32Builder:
		v, ok := asFloat64(d)
		if !ok {
			return fail()
		}
		bb.Append(float32(v))
		return nil
	case *array.Float64Builder:
		v, ok := asFloat64(d)
		if !ok {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.Decimal128Builder:
		v, ok := asNumeric(d)
		if !ok {
			return fail()
		}
		dt := bb.Type().(*arrow.Decimal128Type)
		n, err := numericToDecimal128(v, dt.Precision, dt.Scale)
		if err != nil {
			return err
		}
		bb.Append(n)
		return nil
	case *array.Decimal64Builder:
		v, ok := asNumeric(d)
		if !ok {
			return fail()
		}
		dt := bb.Type().(*arrow.Decimal64Type)
		n, err := numericToDecimal128(v, dt.Precision, dt.Scale)
		if err != nil {
			return err
		}
		if dt.Precision > MaxDecimal64Precision {
			// A Decimal64 wider than 18 digits is no type ArrowType gives;
			// a file's could hold values beyond int64.
			return pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow")
		}
		bb.Append(decimal.Decimal64(int64(n.LowBits())))
		return nil
	case *array.StringBuilder:
		if kindOf(t.OID) == kNumeric {
			v, ok := asNumeric(d)
			if !ok {
				return fail()
			}
			bb.BinaryBuilder.Append(appendNumericText(nil, v))
			return nil
		}
		v, ok := asString(d)
		if !ok {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.LargeStringBuilder:
		v, ok := asString(d)
		if !ok {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.BinaryBuilder:
		if r, ok := d.(Record); ok {
			v, err := appendRecordBinary(nil, r)
			if err != nil {
				return err
			}
			bb.Append(v)
			return nil
		}
		v, ok := asBytes(d)
		if !ok {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.FixedSizeBinaryBuilder:
		v, ok := asBytes(d)
		if !ok || len(v) != bb.Type().(*arrow.FixedSizeBinaryType).ByteWidth {
			return fail()
		}
		bb.Append(v)
		return nil
	case *array.Date32Builder:
		v, ok := asDate(d)
		if !ok {
			return fail()
		}
		bb.Append(arrow.Date32(v))
		return nil
	case *array.Time64Builder:
		v, ok := asMicros(d)
		if !ok {
			return fail()
		}
		if bb.Type().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			v *= 1000
		}
		bb.Append(arrow.Time64(v))
		return nil
	case *array.TimestampBuilder:
		v, ok := asMicros(d)
		if !ok {
			return fail()
		}
		switch bb.Type().(*arrow.TimestampType).Unit {
		case arrow.Nanosecond:
			if v != math.MaxInt64 && v != math.MinInt64 {
				var of bool
				if v, of = mulOverflows(v, 1000); of {
					return pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
				}
			}
		case arrow.Millisecond:
			if v != math.MaxInt64 && v != math.MinInt64 {
				v = floorDiv(v, 1000)
			}
		case arrow.Second:
			if v != math.MaxInt64 && v != math.MinInt64 {
				v = floorDiv(v, 1_000_000)
			}
		}
		bb.Append(arrow.Timestamp(v))
		return nil
	case *array.MonthDayNanoIntervalBuilder:
		v, ok := d.(IntervalValue)
		if !ok {
			return fail()
		}
		ns, of := mulOverflows(v.Micros, 1000)
		if of {
			return pgerr.New(pgerr.DatetimeFieldOverflow, "interval out of range")
		}
		bb.Append(arrow.MonthDayNanoInterval{Months: v.Months, Days: v.Days, Nanoseconds: ns})
		return nil
	}
	v, ok := asInt64(d)
	if !ok {
		return fail()
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(v)
	case *array.Int32Builder:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return errIntRange(b)
		}
		bb.Append(int32(v))
	case *array.Int16Builder:
		if v < math.MinInt16 || v > math.MaxInt16 {
			return errIntRange(b)
		}
		bb.Append(int16(v))
	case *array.Uint32Builder:
		if v < 0 || v > math.MaxUint32 {
			return errIntRange(b)
		}
		bb.Append(uint32(v))
	default:
		return pgerr.New(pgerr.InternalError, "cannot append a %s datum to an Arrow %s builder", t, b.Type())
	}
	return nil
}
