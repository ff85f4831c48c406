package pgtype

import (
	"encoding/binary"
	"math"
	"strconv"

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
// so the per-row path does no type dispatch and allocates nothing beyond
// growing buf. An Encoder may keep small caches (the time zone period of
// the last timestamptz), so one goroutine uses it at a time.
type Encoder func(buf []byte, row int) []byte

// kind is how a base (non-array) type is encoded.
type kind uint8

const (
	kUnsupported kind = iota
	kBool
	kInt2
	kInt4
	kInt8
	kOID
	kReg
	kFloat4
	kFloat8
	kNumeric
	kText // text, varchar, bpchar, name, unknown
	kChar // "char"
	kJSON
	kJSONB
	kBytea
	kDate
	kTime
	kTimestamp
	kTimestamptz
	kInterval
	kUUID
	kVoid
	kRecord
	kInet   // catalogtypes.go
	kLSN    // pg_lsn
	kOpaque // printed as its text, never read: pg_node_tree, anyarray, ...
)

func kindOf(oid OID) kind {
	switch oid {
	case BoolOID:
		return kBool
	case Int2OID:
		return kInt2
	case Int4OID:
		return kInt4
	case Int8OID:
		return kInt8
	case OIDOID, XidOID:
		return kOID
	case RegprocOID, RegprocedureOID, RegoperOID, RegoperatorOID, RegclassOID, RegtypeOID,
		RegnamespaceOID, RegroleOID:
		return kReg
	case Float4OID:
		return kFloat4
	case Float8OID:
		return kFloat8
	case NumericOID:
		return kNumeric
	case TextOID, VarcharOID, BPCharOID, NameOID, UnknownOID, AclitemOID:
		return kText
	case InetOID:
		return kInet
	case PgLSNOID:
		return kLSN
	case PgNodeTreeOID, PgNdistinctOID, PgDependenciesOID, PgMCVListOID, AnyArrayOID:
		// pg_node_tree's send function sends its text; the others' send
		// their internal form (anyarray the array of its actual element
		// type), which the catalog columns of these types (pg_statistic,
		// pg_stats, pg_statistic_ext_data) never hold here: they serve no
		// rows. Their text goes out in both formats.
		return kOpaque
	case CharOID:
		return kChar
	case JSONOID:
		return kJSON
	case JSONBOID:
		return kJSONB
	case ByteaOID:
		return kBytea
	case DateOID:
		return kDate
	case TimeOID:
		return kTime
	case TimestampOID:
		return kTimestamp
	case TimestamptzOID:
		return kTimestamptz
	case IntervalOID:
		return kInterval
	case UUIDOID:
		return kUUID
	case VoidOID:
		return kVoid
	case RecordOID, PgStatisticOID:
		return kRecord
	}
	return kUnsupported
}

func errUnsupportedType(t Type) error {
	return pgerr.New(pgerr.FeatureNotSupported, "type %s is not supported", t)
}

func errArrowMismatch(t Type, arr arrow.Array) error {
	return pgerr.New(pgerr.InternalError, "cannot encode Arrow %s as %s", arr.DataType(), t)
}

// NewEncoder returns the encoder of values of t held in arr, in the given
// format, under settings s (text formats depend on DateStyle, TimeZone,
// IntervalStyle, extra_float_digits, bytea_output). arr is normally of
// t.ArrowType(); narrower integer, float and time units, other decimal
// widths, string and binary views and dictionary encoding are accepted too.
func NewEncoder(t Type, arr arrow.Array, format int16, s *Settings) (Encoder, error) {
	if format != TextFormat && format != BinaryFormat {
		return nil, pgerr.New(pgerr.ProtocolViolation, "unsupported format code: %d", format)
	}
	return newEncoder(t, arr, format == BinaryFormat, styleOf(s))
}

func newEncoder(t Type, arr arrow.Array, bin bool, st *style) (Encoder, error) {
	if d, ok := arr.(*array.Dictionary); ok {
		inner, err := newEncoder(t, d.Dictionary(), bin, st)
		if err != nil {
			return nil, err
		}
		return func(buf []byte, row int) []byte { return inner(buf, d.GetValueIndex(row)) }, nil
	}
	if isVector(t.OID) {
		return newVectorEncoder(t, arr, bin)
	}
	if t.IsArray() {
		return newArrayEncoder(t, arr, bin, st)
	}
	k := kindOf(t.OID)
	if k == kUnsupported {
		return nil, errUnsupportedType(t)
	}
	enc := newScalarEncoder(k, arr, bin, st)
	if enc == nil {
		return nil, errArrowMismatch(t, arr)
	}
	return enc, nil
}

// intGetter reads a signed or unsigned integer array that fits in bits.
func intGetter(arr arrow.Array, bits int) func(int) int64 {
	switch a := arr.(type) {
	case *array.Int8:
		v := a.Int8Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Uint8:
		v := a.Uint8Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Int16:
		v := a.Int16Values()
		return func(i int) int64 { return int64(v[i]) }
	}
	if bits < 32 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Uint16:
		v := a.Uint16Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Int32:
		v := a.Int32Values()
		return func(i int) int64 { return int64(v[i]) }
	}
	if bits < 64 {
		return nil
	}
	switch a := arr.(type) {
	case *array.Uint32:
		v := a.Uint32Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Int64:
		v := a.Int64Values()
		return func(i int) int64 { return v[i] }
	}
	return nil
}

// uint32Getter reads oid columns: Uint32, or signed integers taken modulo 2^32.
func uint32Getter(arr arrow.Array) func(int) uint32 {
	if a, ok := arr.(*array.Uint32); ok {
		v := a.Uint32Values()
		return func(i int) uint32 { return v[i] }
	}
	if g := intGetter(arr, 64); g != nil {
		return func(i int) uint32 { return uint32(g(i)) }
	}
	return nil
}

func floatGetter(arr arrow.Array, bits int) func(int) float64 {
	switch a := arr.(type) {
	case *array.Float32:
		v := a.Float32Values()
		return func(i int) float64 { return float64(v[i]) }
	case *array.Float16:
		return func(i int) float64 { return float64(a.Value(i).Float32()) }
	case *array.Float64:
		if bits < 64 {
			return nil
		}
		v := a.Float64Values()
		return func(i int) float64 { return v[i] }
	}
	return nil
}

// stringGetter reads string and binary arrays as bytes without copying.
func stringGetter(arr arrow.Array) func(int) string {
	switch a := arr.(type) {
	case *array.String:
		return a.Value
	case *array.LargeString:
		return a.Value
	case *array.StringView:
		return a.Value
	case *array.Binary:
		return a.ValueString
	case *array.LargeBinary:
		return func(i int) string { return string(a.Value(i)) }
	}
	return nil
}

func bytesGetter(arr arrow.Array) func(int) []byte {
	switch a := arr.(type) {
	case *array.Binary:
		return a.Value
	case *array.LargeBinary:
		return a.Value
	case *array.BinaryView:
		return a.Value
	case *array.FixedSizeBinary:
		return a.Value
	case *array.String:
		return func(i int) []byte { return []byte(a.Value(i)) }
	}
	return nil
}

// microsGetter reads timestamps, times and durations as microseconds,
// whatever the Arrow unit; the largest and smallest int64 (timestamp
// infinities) stay as they are in every unit.
func microsGetter(arr arrow.Array) func(int) int64 {
	conv := func(get func(int) int64, unit arrow.TimeUnit) func(int) int64 {
		switch unit {
		case arrow.Second:
			return func(i int) int64 { return scaleSaturating(get(i), 1_000_000) }
		case arrow.Millisecond:
			return func(i int) int64 { return scaleSaturating(get(i), 1_000) }
		case arrow.Nanosecond:
			return func(i int) int64 {
				x := get(i)
				if x == math.MaxInt64 || x == math.MinInt64 {
					return x
				}
				return floorDiv(x, 1000)
			}
		}
		return get
	}
	switch a := arr.(type) {
	case *array.Timestamp:
		v := a.TimestampValues()
		unit := a.DataType().(*arrow.TimestampType).Unit
		return conv(func(i int) int64 { return int64(v[i]) }, unit)
	case *array.Time64:
		v := a.Time64Values()
		return conv(func(i int) int64 { return int64(v[i]) }, a.DataType().(*arrow.Time64Type).Unit)
	case *array.Time32:
		v := a.Time32Values()
		return conv(func(i int) int64 { return int64(v[i]) }, a.DataType().(*arrow.Time32Type).Unit)
	case *array.Duration:
		v := a.DurationValues()
		return conv(func(i int) int64 { return int64(v[i]) }, a.DataType().(*arrow.DurationType).Unit)
	}
	return nil
}

// scaleSaturating multiplies, keeping the infinities and clamping overflow.
func scaleSaturating(v, by int64) int64 {
	if v == math.MaxInt64 || v == math.MinInt64 {
		return v
	}
	if v > math.MaxInt64/by {
		return math.MaxInt64
	}
	if v < math.MinInt64/by {
		return math.MinInt64
	}
	return v * by
}

func daysGetter(arr arrow.Array) func(int) int32 {
	switch a := arr.(type) {
	case *array.Date32:
		v := a.Date32Values()
		return func(i int) int32 { return int32(v[i]) }
	case *array.Date64:
		v := a.Date64Values()
		return func(i int) int32 { return int32(floorDiv(int64(v[i]), 86_400_000)) }
	}
	return nil
}

// Binary forms of the datetime types: PostgreSQL counts from 2000-01-01.

func dateToPG(d int32) int32 {
	if d == math.MinInt32 || d == math.MaxInt32 {
		return d
	}
	return d - pgEpochDays
}

func timestampToPG(v int64) int64 {
	switch {
	case v == math.MinInt64 || v == math.MaxInt64:
		return v
	case v < math.MinInt64+pgEpochMicros:
		return math.MinInt64
	}
	return v - pgEpochMicros
}

func appendIntervalBinary(buf []byte, iv IntervalValue) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(iv.Micros))
	buf = binary.BigEndian.AppendUint32(buf, uint32(iv.Days))
	return binary.BigEndian.AppendUint32(buf, uint32(iv.Months))
}

// newScalarEncoder returns nil when arr cannot hold values of kind k.
func newScalarEncoder(k kind, arr arrow.Array, bin bool, st *style) Encoder {
	switch k {
	case kBool:
		a, ok := arr.(*array.Boolean)
		if !ok {
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte { return appendBoolBinary(buf, a.Value(row)) }
		}
		return func(buf []byte, row int) []byte { return appendBoolText(buf, a.Value(row)) }

	case kInt2, kInt4, kInt8:
		bits := 64
		switch k {
		case kInt2:
			bits = 16
		case kInt4:
			bits = 32
		}
		if a, ok := arr.(*array.Int64); ok && bits == 64 {
			v := a.Int64Values()
			if bin {
				return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint64(buf, uint64(v[row])) }
			}
			return func(buf []byte, row int) []byte { return strconv.AppendInt(buf, v[row], 10) }
		}
		get := intGetter(arr, bits)
		if get == nil {
			return nil
		}
		if !bin {
			return func(buf []byte, row int) []byte { return strconv.AppendInt(buf, get(row), 10) }
		}
		switch bits {
		case 16:
			return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint16(buf, uint16(get(row))) }
		case 32:
			return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint32(buf, uint32(get(row))) }
		}
		return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint64(buf, uint64(get(row))) }

	case kOID, kReg:
		get := uint32Getter(arr)
		if get == nil {
			return nil
		}
		switch {
		case bin:
			return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint32(buf, get(row)) }
		case k == kReg:
			return func(buf []byte, row int) []byte { return appendRegText(buf, get(row)) }
		}
		return func(buf []byte, row int) []byte { return strconv.AppendUint(buf, uint64(get(row)), 10) }

	case kFloat4, kFloat8:
		bits := 64
		if k == kFloat4 {
			bits = 32
		}
		get := floatGetter(arr, bits)
		if get == nil {
			return nil
		}
		switch {
		case bin && bits == 32:
			return func(buf []byte, row int) []byte {
				return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(get(row))))
			}
		case bin:
			return func(buf []byte, row int) []byte {
				return binary.BigEndian.AppendUint64(buf, math.Float64bits(get(row)))
			}
		}
		efd := st.floatDigits
		return func(buf []byte, row int) []byte { return appendFloat(buf, get(row), bits, efd) }

	case kNumeric:
		return newNumericEncoder(arr, bin)

	case kText, kJSON, kJSONB, kChar:
		get := stringGetter(arr)
		if get == nil {
			return nil
		}
		switch {
		case k == kChar && bin:
			return func(buf []byte, row int) []byte { return appendCharBinary(buf, get(row)) }
		case k == kChar:
			return func(buf []byte, row int) []byte { return appendCharText(buf, get(row)) }
		case k == kJSONB && bin:
			return func(buf []byte, row int) []byte { return append(append(buf, 1), get(row)...) }
		}
		return func(buf []byte, row int) []byte { return append(buf, get(row)...) }

	case kVoid:
		return func(buf []byte, row int) []byte { return buf }

	case kInet, kLSN, kOpaque:
		get := stringGetter(arr)
		if get == nil {
			return nil
		}
		switch {
		case bin && k == kInet:
			return func(buf []byte, row int) []byte { return appendInetBinary(buf, get(row)) }
		case bin && k == kLSN:
			return func(buf []byte, row int) []byte { return appendLSNBinary(buf, get(row)) }
		}
		return func(buf []byte, row int) []byte { return append(buf, get(row)...) }

	case kRecord:
		a, ok := arr.(*array.Binary)
		if !ok {
			return nil
		}
		return recordEncoder(a, bin, st)

	case kBytea:
		get := bytesGetter(arr)
		if get == nil {
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte { return append(buf, get(row)...) }
		}
		esc := st.byteaEscape
		return func(buf []byte, row int) []byte { return appendByteaText(buf, get(row), esc) }

	case kUUID:
		a, ok := arr.(*array.FixedSizeBinary)
		if !ok || a.DataType().(*arrow.FixedSizeBinaryType).ByteWidth != 16 {
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte { return append(buf, a.Value(row)...) }
		}
		return func(buf []byte, row int) []byte { return appendUUIDText(buf, a.Value(row)) }

	case kDate:
		get := daysGetter(arr)
		if get == nil {
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte {
				return binary.BigEndian.AppendUint32(buf, uint32(dateToPG(get(row))))
			}
		}
		return func(buf []byte, row int) []byte { return appendDateText(buf, get(row), st) }

	case kTime:
		get := microsGetter(arr)
		if get == nil {
			return nil
		}
		if _, isTS := arr.(*array.Timestamp); isTS {
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte { return binary.BigEndian.AppendUint64(buf, uint64(get(row))) }
		}
		return func(buf []byte, row int) []byte { return appendTimeText(buf, get(row)) }

	case kTimestamp, kTimestamptz:
		withZone := k == kTimestamptz
		a, ok := arr.(*array.Timestamp)
		if !ok {
			return nil
		}
		if a.DataType().(*arrow.TimestampType).Unit == arrow.Microsecond {
			v := a.TimestampValues()
			if bin {
				return func(buf []byte, row int) []byte {
					return binary.BigEndian.AppendUint64(buf, uint64(timestampToPG(int64(v[row]))))
				}
			}
			zc := &zoneCache{}
			return func(buf []byte, row int) []byte {
				return appendTimestampTextCached(buf, int64(v[row]), withZone, st, zc)
			}
		}
		get := microsGetter(arr)
		if bin {
			return func(buf []byte, row int) []byte {
				return binary.BigEndian.AppendUint64(buf, uint64(timestampToPG(get(row))))
			}
		}
		zc := &zoneCache{}
		return func(buf []byte, row int) []byte { return appendTimestampTextCached(buf, get(row), withZone, st, zc) }

	case kInterval:
		var get func(int) IntervalValue
		switch a := arr.(type) {
		case *array.MonthDayNanoInterval:
			v := a.MonthDayNanoIntervalValues()
			get = func(i int) IntervalValue {
				return IntervalValue{Months: v[i].Months, Days: v[i].Days, Micros: v[i].Nanoseconds / 1000}
			}
		case *array.Duration:
			us := microsGetter(a)
			get = func(i int) IntervalValue { return IntervalValue{Micros: us(i)} }
		default:
			return nil
		}
		if bin {
			return func(buf []byte, row int) []byte { return appendIntervalBinary(buf, get(row)) }
		}
		return func(buf []byte, row int) []byte { return appendIntervalText(buf, get(row), st) }
	}
	return nil
}

// newNumericEncoder prints Arrow decimals with exactly their scale's digits
// after the point, without allocating.
func newNumericEncoder(arr arrow.Array, bin bool) Encoder {
	emit := func(buf []byte, neg bool, digits []byte, scale int32) []byte {
		if bin {
			return appendNumericDigitsBinary(buf, neg, digits, scale)
		}
		return appendNumericDigitsText(buf, neg, digits, scale)
	}
	switch a := arr.(type) {
	case *array.Decimal128:
		v := a.Values()
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(buf []byte, row int) []byte {
			var tmp [40]byte
			neg, d := decimal128Digits(&tmp, v[row])
			return emit(buf, neg, d, scale)
		}
	case *array.Decimal64:
		v := a.Values()
		scale := a.DataType().(*arrow.Decimal64Type).Scale
		return func(buf []byte, row int) []byte { return appendInt64Numeric(buf, int64(v[row]), scale, emit) }
	case *array.Decimal32:
		v := a.Values()
		scale := a.DataType().(*arrow.Decimal32Type).Scale
		return func(buf []byte, row int) []byte { return appendInt64Numeric(buf, int64(v[row]), scale, emit) }
	case *array.String:
		// Unconstrained numerics hold numeric_out's text already.
		if !bin {
			return func(buf []byte, row int) []byte { return append(buf, a.Value(row)...) }
		}
		return func(buf []byte, row int) []byte {
			v, err := parseNumeric([]byte(a.Value(row)))
			if err != nil {
				// Only AppendDatum writes these columns; a bad value is a bug,
				// shown as NaN rather than a broken message.
				return appendNumericSpecialBinary(buf, NumericNaN)
			}
			return appendNumericBinary(buf, v)
		}
	case *array.Uint64:
		v := a.Uint64Values()
		return func(buf []byte, row int) []byte {
			var tmp [20]byte
			d := strconv.AppendUint(tmp[:0], v[row], 10)
			if v[row] == 0 {
				d = d[:0]
			}
			return emit(buf, false, d, 0)
		}
	}
	if get := intGetter(arr, 64); get != nil {
		return func(buf []byte, row int) []byte { return appendInt64Numeric(buf, get(row), 0, emit) }
	}
	return nil
}

func appendInt64Numeric(buf []byte, x int64, scale int32, emit func([]byte, bool, []byte, int32) []byte) []byte {
	var tmp [20]byte
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
	}
	d := strconv.AppendUint(tmp[:0], u, 10)
	if u == 0 {
		d = d[:0]
	}
	return emit(buf, neg, d, scale)
}
