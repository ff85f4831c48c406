package pgtype_test

import (
	"bytes"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Unit tests for what the oracle cannot reach: Arrow representations other
// than the canonical ones, builder conversions and their errors, and the
// Datum forms of the API.

func encodeAll(t *testing.T, typ pgtype.Type, a arrow.Array, format int16, s *pgtype.Settings) []string {
	t.Helper()
	enc, err := pgtype.NewEncoder(typ, a, format, s)
	if err != nil {
		t.Fatalf("NewEncoder(%s, %s): %v", typ, a.DataType(), err)
	}
	var out []string
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			out = append(out, "NULL")
			continue
		}
		out = append(out, string(enc(nil, i)))
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEncodeDecimal128(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	cases := []struct {
		prec, scale int32
		values      []string // big.Int coefficients
		want        []string
	}{
		{12, 2, []string{"0", "1", "-1", "12345", "-99999999999", "100"}, []string{"0.00", "0.01", "-0.01", "123.45", "-999999999.99", "1.00"}},
		{38, 0, []string{"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "0"},
			[]string{"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "0"}},
		{38, 38, []string{"1", "-12345678901234567890123456789012345678"},
			[]string{"0.00000000000000000000000000000000000001", "-0.12345678901234567890123456789012345678"}},
		{10, -3, []string{"12", "-5"}, []string{"12000", "-5000"}},
		{38, 16, []string{"min"}, []string{"-17014118346046923173168.7303715884105728"}}, // -2^127
	}
	for _, c := range cases {
		dt := &arrow.Decimal128Type{Precision: c.prec, Scale: c.scale}
		b := array.NewDecimal128Builder(mem, dt)
		for _, v := range c.values {
			if v == "min" {
				b.Append(decimal128.New(math.MinInt64, 0))
				continue
			}
			n, _ := new(big.Int).SetString(v, 10)
			b.Append(decimal128.FromBigInt(n))
		}
		a := b.NewArray()
		b.Release()
		typ := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(int(c.prec), int(c.scale))}
		if got := encodeAll(t, typ, a, pgtype.TextFormat, nil); !equalStrings(got, c.want) {
			t.Errorf("Decimal128(%d,%d): got %q, want %q", c.prec, c.scale, got, c.want)
		}
		// binary agrees with the Datum path, which the oracle checks
		bin := encodeAll(t, typ, a, pgtype.BinaryFormat, nil)
		for i := range c.values {
			d := pgtype.DatumAt(typ, a, i)
			want, err := pgtype.AppendBinary(nil, pgtype.Numeric, d)
			if err != nil || string(want) != bin[i] {
				t.Errorf("Decimal128(%d,%d) row %d binary %x, datum path %x (%v)", c.prec, c.scale, i, bin[i], want, err)
			}
			txt, _ := pgtype.AppendText(nil, pgtype.Numeric, d, nil)
			if string(txt) != c.want[i] {
				t.Errorf("DatumAt row %d prints %q, want %q", i, txt, c.want[i])
			}
		}
		a.Release()
	}
}

func TestAppendDatumNumericRescale(t *testing.T) {
	typ := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(5, 2)}
	cases := []struct {
		in   string
		want string // "" means an error
		code string
	}{
		{"1.5", "1.50", ""},
		{"123.455", "123.46", ""},
		{"-123.455", "-123.46", ""},
		{"0.004", "0.00", ""},
		{"999.994", "999.99", ""},
		{"999.995", "", pgerr.NumericValueOutOfRange},
		{"1000", "", pgerr.NumericValueOutOfRange},
		{"NaN", "", pgerr.NumericValueOutOfRange},
		{"-Infinity", "", pgerr.NumericValueOutOfRange},
	}
	for _, c := range cases {
		d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(c.in), nil)
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewBuilder(memory.DefaultAllocator, typ.ArrowType())
		err = pgtype.AppendDatum(b, typ, d)
		if c.want == "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%s into numeric(5,2): error %v, want SQLSTATE %s", c.in, err, c.code)
			}
			b.Release()
			continue
		}
		if err != nil {
			t.Errorf("%s into numeric(5,2): %v", c.in, err)
			b.Release()
			continue
		}
		a := b.NewArray()
		if got := encodeAll(t, typ, a, pgtype.TextFormat, nil); got[0] != c.want {
			t.Errorf("%s into numeric(5,2) prints %q, want %q", c.in, got[0], c.want)
		}
		a.Release()
		b.Release()
	}
	// int64 datums go into an unconstrained numeric column too, and keep
	// their own scale (0) as PostgreSQL's numeric_out prints it.
	b := array.NewBuilder(memory.DefaultAllocator, pgtype.Numeric.ArrowType())
	defer b.Release()
	if err := pgtype.AppendDatum(b, pgtype.Numeric, int64(-42)); err != nil {
		t.Fatal(err)
	}
	a := b.NewArray()
	defer a.Release()
	if got := encodeAll(t, pgtype.Numeric, a, pgtype.TextFormat, nil); got[0] != "-42" {
		t.Errorf("int64 into unconstrained numeric: %q", got[0])
	}
}

func TestAppendDatumIntegerRange(t *testing.T) {
	cases := []struct {
		typ  pgtype.Type
		v    int64
		code string
	}{
		{pgtype.Int2, 32767, ""},
		{pgtype.Int2, 32768, pgerr.NumericValueOutOfRange},
		{pgtype.Int4, -2147483649, pgerr.NumericValueOutOfRange},
		{pgtype.OIDType, -1, pgerr.NumericValueOutOfRange},
		{pgtype.OIDType, 4294967295, ""},
		{pgtype.Int8, math.MinInt64, ""},
	}
	for _, c := range cases {
		b := array.NewBuilder(memory.DefaultAllocator, c.typ.ArrowType())
		err := pgtype.AppendDatum(b, c.typ, c.v)
		if pgerr.Code(err) != c.code {
			t.Errorf("%d into %s: %v, want code %q", c.v, c.typ, err, c.code)
		}
		b.Release()
	}
}

// TestArrowRepresentations encodes the same values held in the different
// Arrow types a Parquet file may bring.
func TestArrowRepresentations(t *testing.T) {
	mem := memory.DefaultAllocator
	s := pgtype.DefaultSettings()

	i16 := array.NewInt16Builder(mem)
	i16.AppendValues([]int16{-5, 7}, nil)
	u32 := func() array.Builder {
		b := array.NewUint32Builder(mem)
		b.AppendValues([]uint32{4294967295, 0}, nil)
		return b
	}
	u64 := array.NewUint64Builder(mem)
	u64.AppendValues([]uint64{18446744073709551615, 0}, nil)
	ts := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"})
	ts.AppendValues([]arrow.Timestamp{1_500_000_000_123_456_789, -1}, nil)
	tms := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Millisecond})
	tms.AppendValues([]arrow.Timestamp{-1, math.MaxInt64}, nil)
	d64 := array.NewDate64Builder(mem)
	d64.AppendValues([]arrow.Date64{-86_400_000, 86_400_000 * 365}, nil)
	t32 := array.NewTime32Builder(mem, &arrow.Time32Type{Unit: arrow.Second})
	t32.AppendValues([]arrow.Time32{3661, 86399}, nil)
	dur := array.NewDurationBuilder(mem, &arrow.DurationType{Unit: arrow.Millisecond})
	dur.AppendValues([]arrow.Duration{90061001, -1}, nil)
	ls := array.NewLargeStringBuilder(mem)
	ls.AppendValues([]string{"x", "ÿ"}, nil)
	f32 := array.NewFloat32Builder(mem)
	f32.AppendValues([]float32{0.1, float32(math.Inf(-1))}, nil)

	cases := []struct {
		typ  pgtype.Type
		b    array.Builder
		want []string
	}{
		{pgtype.Int8, i16, []string{"-5", "7"}},
		{pgtype.Int8, u32(), []string{"4294967295", "0"}},
		{pgtype.OIDType, u32(), []string{"4294967295", "0"}},
		{pgtype.Regclass, u32(), []string{"4294967295", "-"}},
		{pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(20, 0)}, u64, []string{"18446744073709551615", "0"}},
		{pgtype.Timestamptz, ts, []string{"2017-07-14 02:40:00.123456+00", "1969-12-31 23:59:59.999999+00"}},
		{pgtype.Timestamp, tms, []string{"1969-12-31 23:59:59.999", "infinity"}},
		{pgtype.Date, d64, []string{"1969-12-31", "1971-01-01"}},
		{pgtype.Time, t32, []string{"01:01:01", "23:59:59"}},
		{pgtype.Interval, dur, []string{"25:01:01.001", "-00:00:00.001"}},
		{pgtype.Text, ls, []string{"x", "ÿ"}},
		{pgtype.Float4, f32, []string{"0.1", "-Infinity"}},
	}
	for _, c := range cases {
		a := c.b.NewArray()
		if got := encodeAll(t, c.typ, a, pgtype.TextFormat, s); !equalStrings(got, c.want) {
			t.Errorf("%s from %s: got %q, want %q", c.typ, a.DataType(), got, c.want)
		}
		for i := 0; i < a.Len(); i++ { // DatumAt agrees with the encoder
			d := pgtype.DatumAt(c.typ, a, i)
			txt, err := pgtype.AppendText(nil, c.typ, d, s)
			if err != nil || string(txt) != c.want[i] {
				t.Errorf("%s from %s: DatumAt(%d) = %#v prints %q (%v), want %q", c.typ, a.DataType(), i, d, txt, err, c.want[i])
			}
		}
		a.Release()
		c.b.Release()
	}

	// Arrow types that cannot hold the PostgreSQL type are refused when the
	// encoder is built, not per row.
	f64 := array.NewFloat64Builder(mem)
	f64.Append(1)
	a := f64.NewArray()
	defer a.Release()
	defer f64.Release()
	for _, typ := range []pgtype.Type{pgtype.Float4, pgtype.Int4, pgtype.Text, pgtype.Timestamptz} {
		if _, err := pgtype.NewEncoder(typ, a, pgtype.TextFormat, s); err == nil {
			t.Errorf("NewEncoder(%s, float64) accepted", typ)
		}
	}
	if _, err := pgtype.NewEncoder(pgtype.Int4, a, 2, s); pgerr.Code(err) != pgerr.ProtocolViolation {
		t.Errorf("format 2: %v", err)
	}
}

func TestEncodeDictionaryAndLists(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)

	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"paid", "open", "paid", "a b"} {
		if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendNull()
	dict := db.NewArray()
	db.Release()
	if got := encodeAll(t, pgtype.Text, dict, pgtype.TextFormat, nil); !equalStrings(got, []string{"paid", "open", "paid", "a b", "NULL"}) {
		t.Errorf("dictionary: %q", got)
	}
	if d := pgtype.DatumAt(pgtype.Text, dict, 2); d != "paid" {
		t.Errorf("DatumAt(dictionary) = %#v", d)
	}
	dict.Release()

	typ, _ := pgtype.ArrayOf(pgtype.Text)
	lb := array.NewBuilder(mem, typ.ArrowType())
	for _, v := range []pgtype.Datum{
		pgtype.Array{Elem: pgtype.Text, Elements: []pgtype.Datum{"a", nil, "", "NULL", `q"b\`, "{x}", "x,y", " "}, Lower: 1},
		nil,
		pgtype.Array{Elem: pgtype.Text, Elements: []pgtype.Datum{}, Lower: 1},
		pgtype.Array{Elem: pgtype.Text, Elements: []pgtype.Datum{"null"}, Lower: 1},
	} {
		if err := pgtype.AppendDatum(lb, typ, v); err != nil {
			t.Fatal(err)
		}
	}
	la := lb.NewArray()
	lb.Release()
	defer la.Release()
	want := []string{`{a,NULL,"","NULL","q\"b\\","{x}","x,y"," "}`, "NULL", "{}", `{"null"}`}
	if got := encodeAll(t, typ, la, pgtype.TextFormat, nil); !equalStrings(got, want) {
		t.Errorf("text[] column:\n got %q\nwant %q", got, want)
	}
	// the binary of each row equals the Datum path's
	bin := encodeAll(t, typ, la, pgtype.BinaryFormat, nil)
	for i := 0; i < la.Len(); i++ {
		if la.IsNull(i) {
			continue
		}
		d := pgtype.DatumAt(typ, la, i)
		wantBin, err := pgtype.AppendBinary(nil, typ, d)
		if err != nil || string(wantBin) != bin[i] {
			t.Errorf("row %d binary %x, datum %x (%v)", i, bin[i], wantBin, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		typ    pgtype.Type
		format int16
		in     []byte
		code   string
		msg    string
	}{
		{pgtype.Int4, pgtype.TextFormat, []byte("abc"), pgerr.InvalidTextRepresentation, `invalid input syntax for type integer: "abc"`},
		{pgtype.Int4, pgtype.TextFormat, []byte("99999999999"), pgerr.NumericValueOutOfRange, `value "99999999999" is out of range for type integer`},
		{pgtype.Int4, pgtype.BinaryFormat, []byte{1, 2}, pgerr.InvalidBinaryRepresentation, ""},
		{pgtype.Numeric, pgtype.BinaryFormat, []byte{0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 1}, pgerr.InvalidBinaryRepresentation, `invalid sign in external "numeric" value`},
		{pgtype.Numeric, pgtype.BinaryFormat, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, pgerr.InvalidBinaryRepresentation, `invalid digit in external "numeric" value`},
		{pgtype.Date, pgtype.TextFormat, []byte("2020-02-30"), pgerr.DatetimeFieldOverflow, `date/time field value out of range: "2020-02-30"`},
		{pgtype.Timestamp, pgtype.TextFormat, []byte("294247-02-01"), pgerr.DatetimeFieldOverflow, `timestamp out of range: "294247-02-01"`},
		{pgtype.Text, pgtype.TextFormat, []byte("a\xffb"), pgerr.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8": 0xff`},
		{pgtype.Text, pgtype.BinaryFormat, []byte("a\x00"), pgerr.CharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8": 0x00`},
		{pgtype.Type{OID: pgtype.VarcharOID, Typmod: pgtype.VarcharTypmod(2)}, pgtype.TextFormat, []byte("abc"), pgerr.StringDataRightTruncation, "value too long for type character varying(2)"},
		{pgtype.TextArray, pgtype.TextFormat, []byte("{{a},{b}}"), pgerr.FeatureNotSupported, "multidimensional arrays are not supported"},
		{pgtype.TextArray, pgtype.BinaryFormat, []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 0, 0, 0, 0, 1}, pgerr.DatatypeMismatch,
			"binary data has array element type 23 (integer) instead of expected 25 (text)"},
		{pgtype.Regclass, pgtype.TextFormat, []byte("pg_class"), pgerr.FeatureNotSupported, ""},
		{pgtype.Type{OID: 600, Typmod: -1}, pgtype.TextFormat, []byte("(1,2)"), pgerr.FeatureNotSupported, ""},
		{pgtype.Int4, 7, []byte("1"), pgerr.ProtocolViolation, ""},
	}
	for _, c := range cases {
		_, err := pgtype.Decode(c.typ, c.format, c.in, nil)
		pe := pgerr.Convert(err)
		if pe == nil || pe.Code != c.code || (c.msg != "" && pe.Message != c.msg) {
			t.Errorf("Decode(%s, %d, %q) = %v, want %s %q", c.typ, c.format, c.in, err, c.code, c.msg)
		}
	}
}

func TestDecodeTypmodsAndSettings(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	dmy := &pgtype.Settings{DateStyle: "SQL, DMY", TimeZone: ny, IntervalStyle: "sql_standard"}
	cases := []struct {
		typ  pgtype.Type
		in   string
		s    *pgtype.Settings
		want pgtype.Datum
	}{
		{pgtype.Type{OID: pgtype.BPCharOID, Typmod: pgtype.VarcharTypmod(4)}, "ab", nil, "ab  "},
		{pgtype.Type{OID: pgtype.BPCharOID, Typmod: pgtype.VarcharTypmod(2)}, "ab   ", nil, "ab"},
		{pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(4, 1)}, "1.25", nil,
			pgtype.NumericValue{Coef: big.NewInt(13), Scale: 1}},
		{pgtype.Date, "01/02/2003", dmy, pgtype.DateValue(12084)}, // 1 Feb 2003
		{pgtype.Date, "01/02/2003", nil, pgtype.DateValue(12054)}, // 2 Jan 2003
		{pgtype.Timestamptz, "2020-01-01 00:00", dmy, pgtype.TimestampValue(1577854800000000)},
		{pgtype.Interval, "-1 2:00:00", dmy, pgtype.IntervalValue{Days: -1, Micros: -7200000000}},
		{pgtype.Interval, "-1 2:00:00", nil, pgtype.IntervalValue{Days: -1, Micros: 7200000000}},
	}
	for _, c := range cases {
		got, err := pgtype.Decode(c.typ, pgtype.TextFormat, []byte(c.in), c.s)
		if err != nil {
			t.Errorf("Decode(%s, %q): %v", c.typ, c.in, err)
			continue
		}
		gb, _ := pgtype.AppendBinary(nil, c.typ, got)
		wb, _ := pgtype.AppendBinary(nil, c.typ, c.want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("Decode(%s, %q) = %#v, want %#v", c.typ, c.in, got, c.want)
		}
	}
}

func TestAppendTextDatumForms(t *testing.T) {
	s := pgtype.DefaultSettings()
	cases := []struct {
		typ  pgtype.Type
		d    pgtype.Datum
		want string
	}{
		{pgtype.Int4, 42, "42"},
		{pgtype.Int2, int16(-3), "-3"},
		{pgtype.Float8, float32(0.5), "0.5"},
		{pgtype.Numeric, int64(7), "7"},
		{pgtype.UUID, [16]byte{0xa0, 0xee, 15: 0x11}, "a0ee0000-0000-0000-0000-000000000011"},
		{pgtype.Bytea, []byte{0, 'a', '\\'}, `\x00615c`},
		{pgtype.Type{OID: pgtype.CharOID, Typmod: -1}, "\x81", `\201`},
		{pgtype.Date, pgtype.DatePosInfinity, "infinity"},
		{pgtype.Timestamp, pgtype.TimestampNegInfinity, "-infinity"},
		{pgtype.Regtype, int64(0), "-"},
		{pgtype.Type{OID: pgtype.Int4ArrayOID, Typmod: -1}, pgtype.Array{Elem: pgtype.Int4, Elements: []pgtype.Datum{int64(1)}, Lower: 0}, "[0:0]={1}"},
	}
	for _, c := range cases {
		got, err := pgtype.AppendText([]byte("x"), c.typ, c.d, s)
		if err != nil || string(got) != "x"+c.want {
			t.Errorf("AppendText(%s, %#v) = %q, %v; want %q", c.typ, c.d, got, err, c.want)
		}
	}
	if _, err := pgtype.AppendText(nil, pgtype.Int4, "nope", s); pgerr.Code(err) != pgerr.InternalError {
		t.Errorf("wrong Go type: %v", err)
	}
	if _, err := pgtype.AppendText(nil, pgtype.Int4, nil, s); err == nil {
		t.Errorf("NULL printed")
	}
}

// TestDecodeHugeExponents checks that exponents PostgreSQL accepts or
// rejects cheaply are handled cheaply here too (a zero with a huge exponent
// once built a 10^100000000).
func TestDecodeHugeExponents(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		code string
	}{
		{"0e100000000", "0", ""},
		{"0e-100000000", "", pgerr.NumericValueOutOfRange},
		{"1e1073741823", "", pgerr.NumericValueOutOfRange},
		{"1e200000", "", pgerr.NumericValueOutOfRange},
		{"1e-200000", "", pgerr.NumericValueOutOfRange},
	} {
		start := time.Now()
		d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(c.in), nil)
		if time.Since(start) > time.Second {
			t.Errorf("%s took %v", c.in, time.Since(start))
		}
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%s: %v, want %s", c.in, err, c.code)
			}
			continue
		}
		got, _ := pgtype.AppendText(nil, pgtype.Numeric, d, nil)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %q %v, want %q", c.in, got, err, c.want)
		}
	}
}

// numeric(p ≤ 18, s) travels as Decimal64: text and binary output at the
// int64 edges and negative scales agree with the Datum path, and
// AppendDatum rounds into the builder's scale and refuses what the
// precision cannot hold with 22003.
func TestDecimal64(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	cases := []struct {
		prec, scale int32
		values      []int64
		want        []string
	}{
		{12, 2, []int64{0, 1, -1, 12345, -99999999999, 100}, []string{"0.00", "0.01", "-0.01", "123.45", "-999999999.99", "1.00"}},
		{18, 2, []int64{math.MaxInt64, math.MinInt64}, []string{"92233720368547758.07", "-92233720368547758.08"}},
		{18, 18, []int64{1, -999999999999999999}, []string{"0.000000000000000001", "-0.999999999999999999"}},
		{10, -3, []int64{12, -5}, []string{"12000", "-5000"}},
	}
	for _, c := range cases {
		typ := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(int(c.prec), int(c.scale))}
		dt, ok := typ.ArrowType().(*arrow.Decimal64Type)
		if !ok || dt.Precision != c.prec || dt.Scale != c.scale {
			t.Fatalf("numeric(%d,%d) is carried as %s", c.prec, c.scale, typ.ArrowType())
		}
		b := array.NewDecimal64Builder(mem, dt)
		for _, v := range c.values {
			b.Append(decimal.Decimal64(v))
		}
		a := b.NewArray()
		b.Release()
		if got := encodeAll(t, typ, a, pgtype.TextFormat, nil); !equalStrings(got, c.want) {
			t.Errorf("Decimal64(%d,%d): got %q, want %q", c.prec, c.scale, got, c.want)
		}
		bin := encodeAll(t, typ, a, pgtype.BinaryFormat, nil)
		for i := range c.values {
			d := pgtype.DatumAt(typ, a, i)
			want, err := pgtype.AppendBinary(nil, pgtype.Numeric, d)
			if err != nil || string(want) != bin[i] {
				t.Errorf("Decimal64(%d,%d) row %d binary %x, datum path %x (%v)", c.prec, c.scale, i, bin[i], want, err)
			}
			txt, _ := pgtype.AppendText(nil, pgtype.Numeric, d, nil)
			if string(txt) != c.want[i] {
				t.Errorf("DatumAt row %d prints %q, want %q", i, txt, c.want[i])
			}
		}
		a.Release()
	}
	if got := (pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(19, 2)}).ArrowType(); got.ID() != arrow.DECIMAL128 {
		t.Errorf("numeric(19,2) is carried as %s, want Decimal128", got)
	}
	typ := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(5, 2)}
	b := array.NewDecimal64Builder(mem, typ.ArrowType().(*arrow.Decimal64Type))
	defer b.Release()
	for _, c := range []struct {
		in   string
		want string // "" for 22003
	}{
		{"123.455", "123.46"}, {"-123.455", "-123.46"}, {"999.994", "999.99"}, {"999.995", ""}, {"-1000", ""}, {"NaN", ""}, {"0.001", "0.00"},
	} {
		d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(c.in), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = pgtype.AppendDatum(b, typ, d)
		if c.want == "" {
			if pgerr.Code(err) != pgerr.NumericValueOutOfRange {
				t.Errorf("%s into numeric(5,2): %v, want 22003", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s into numeric(5,2): %v", c.in, err)
		}
		a := b.NewArray()
		got, _ := pgtype.AppendText(nil, typ, pgtype.DatumAt(typ, a, 0), nil)
		a.Release()
		if string(got) != c.want {
			t.Errorf("%s into numeric(5,2): %s, want %s", c.in, got, c.want)
		}
	}
}
