// Package pgtype is Sluice's type system: PostgreSQL types (OID and typmod)
// and the Arrow types that carry their values, plus each type's text and
// binary wire encoding. It is the one package of shared value types that
// every other package may import; it imports nothing of Sluice's but pgerr.
//
// Values travel as Arrow arrays. Where a Go value of one datum is needed (a
// bound parameter, a constant in a plan), it is a Datum, whose Go
// representation per type is documented on Datum.
//
// Text and binary forms are PostgreSQL 15's, byte for byte, under every
// DateStyle, TimeZone, IntervalStyle, extra_float_digits and bytea_output;
// input accepts what PostgreSQL's input functions accept and fails with
// their SQLSTATEs and messages. oracle_test.go checks this against a real
// server. Known differences: reg* types print the numeric OID (PostgreSQL
// prints the object's name, which needs the catalog; it prints the number
// too for an OID that names nothing) and read only OIDs and "-"; arrays are
// one-dimensional; timestamps end in 294247 AD (int64 microseconds since
// 1970) where PostgreSQL goes on to 294276.
package pgtype

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// OID identifies a PostgreSQL type.
type OID = uint32

// Type OIDs, as in PostgreSQL's pg_type.dat.
const (
	UnknownOID      OID = 705
	BoolOID         OID = 16
	ByteaOID        OID = 17
	CharOID         OID = 18
	NameOID         OID = 19
	Int8OID         OID = 20
	Int2OID         OID = 21
	Int2VectorOID   OID = 22
	Int4OID         OID = 23
	RegprocOID      OID = 24
	TextOID         OID = 25
	OIDOID          OID = 26
	OIDVectorOID    OID = 30
	XidOID          OID = 28
	PgNodeTreeOID   OID = 194
	AnyArrayOID     OID = 2277
	JSONOID         OID = 114
	Float4OID       OID = 700
	Float8OID       OID = 701
	BPCharOID       OID = 1042
	VarcharOID      OID = 1043
	DateOID         OID = 1082
	TimeOID         OID = 1083
	TimestampOID    OID = 1114
	TimestamptzOID  OID = 1184
	IntervalOID     OID = 1186
	NumericOID      OID = 1700
	RegprocedureOID OID = 2202
	RegoperOID      OID = 2203
	RegoperatorOID  OID = 2204
	RegclassOID     OID = 2205
	RegtypeOID      OID = 2206
	UUIDOID         OID = 2950
	JSONBOID        OID = 3802
	RegnamespaceOID OID = 4089
	RegroleOID      OID = 4096
	RecordOID       OID = 2249
	VoidOID         OID = 2278
	AnyOID          OID = 2276

	BoolArrayOID        OID = 1000
	ByteaArrayOID       OID = 1001
	CharArrayOID        OID = 1002
	NameArrayOID        OID = 1003
	Int2ArrayOID        OID = 1005
	Int4ArrayOID        OID = 1007
	TextArrayOID        OID = 1009
	BPCharArrayOID      OID = 1014
	VarcharArrayOID     OID = 1015
	Int8ArrayOID        OID = 1016
	Float4ArrayOID      OID = 1021
	Float8ArrayOID      OID = 1022
	OIDArrayOID         OID = 1028
	TimestampArrayOID   OID = 1115
	DateArrayOID        OID = 1182
	TimeArrayOID        OID = 1183
	TimestamptzArrayOID OID = 1185
	IntervalArrayOID    OID = 1187
	NumericArrayOID     OID = 1231
	UUIDArrayOID        OID = 2951
	JSONArrayOID        OID = 199
	JSONBArrayOID       OID = 3807
	RegprocArrayOID     OID = 1008
	RegclassArrayOID    OID = 2210
	RegtypeArrayOID     OID = 2211

	// pg_statistic's row type and its array: the one table row type a
	// catalog column has (pg_statistic_ext_data.stxdexpr is
	// pg_statistic[]). Its values are records, coded as record's.
	PgStatisticOID      OID = 10029
	PgStatisticArrayOID OID = 10028
)

// Type is a PostgreSQL type with its modifier (-1 when none), as
// RowDescription and pg_attribute carry them.
type Type struct {
	OID    OID
	Typmod int32
}

// Common types without modifiers.
var (
	Unknown     = Type{UnknownOID, -1}
	Bool        = Type{BoolOID, -1}
	Bytea       = Type{ByteaOID, -1}
	Name        = Type{NameOID, -1}
	Int2        = Type{Int2OID, -1}
	Int4        = Type{Int4OID, -1}
	Int8        = Type{Int8OID, -1}
	Float4      = Type{Float4OID, -1}
	Float8      = Type{Float8OID, -1}
	Numeric     = Type{NumericOID, -1}
	Text        = Type{TextOID, -1}
	Varchar     = Type{VarcharOID, -1}
	Date        = Type{DateOID, -1}
	Time        = Type{TimeOID, -1}
	Timestamp   = Type{TimestampOID, -1}
	Timestamptz = Type{TimestamptzOID, -1}
	Interval    = Type{IntervalOID, -1}
	UUID        = Type{UUIDOID, -1}
	JSON        = Type{JSONOID, -1}
	JSONB       = Type{JSONBOID, -1}
	OIDType     = Type{OIDOID, -1}
	Regclass    = Type{RegclassOID, -1}
	Regtype     = Type{RegtypeOID, -1}
	TextArray   = Type{TextArrayOID, -1}
)

// Category groups types as PostgreSQL's typcategory does; it drives implicit
// casts and operator resolution.
type Category byte

// typcategory values.
const (
	CatArray     Category = 'A'
	CatComposite Category = 'C'
	CatBool      Category = 'B'
	CatDatetime  Category = 'D'
	CatNumeric   Category = 'N'
	CatString    Category = 'S'
	CatTimespan  Category = 'T'
	CatUser      Category = 'U'
	CatUnknown   Category = 'X'
	CatPseudo    Category = 'P'
	CatNetwork   Category = 'I'
	CatInternal  Category = 'Z'
)

// Info is what Sluice knows of one built-in type.
type Info struct {
	OID      OID
	Name     string // typname
	Len      int16  // typlen: -1 variable
	Category Category
	Elem     OID // element type of an array type, else 0
	Array    OID // array type of this type, else 0
}

var infos = []Info{
	{BoolOID, "bool", 1, CatBool, 0, BoolArrayOID},
	{ByteaOID, "bytea", -1, CatUser, 0, ByteaArrayOID},
	{CharOID, "char", 1, CatString, 0, CharArrayOID},
	{NameOID, "name", 64, CatString, 0, NameArrayOID},
	{Int8OID, "int8", 8, CatNumeric, 0, Int8ArrayOID},
	{Int2OID, "int2", 2, CatNumeric, 0, Int2ArrayOID},
	{Int4OID, "int4", 4, CatNumeric, 0, Int4ArrayOID},
	{RegprocOID, "regproc", 4, CatNumeric, 0, RegprocArrayOID},
	{TextOID, "text", -1, CatString, 0, TextArrayOID},
	{OIDOID, "oid", 4, CatNumeric, 0, OIDArrayOID},
	{JSONOID, "json", -1, CatUser, 0, JSONArrayOID},
	{Float4OID, "float4", 4, CatNumeric, 0, Float4ArrayOID},
	{Float8OID, "float8", 8, CatNumeric, 0, Float8ArrayOID},
	{UnknownOID, "unknown", -2, CatUnknown, 0, 0},
	{BPCharOID, "bpchar", -1, CatString, 0, BPCharArrayOID},
	{VarcharOID, "varchar", -1, CatString, 0, VarcharArrayOID},
	{DateOID, "date", 4, CatDatetime, 0, DateArrayOID},
	{TimeOID, "time", 8, CatDatetime, 0, TimeArrayOID},
	{TimestampOID, "timestamp", 8, CatDatetime, 0, TimestampArrayOID},
	{TimestamptzOID, "timestamptz", 8, CatDatetime, 0, TimestamptzArrayOID},
	{IntervalOID, "interval", 16, CatTimespan, 0, IntervalArrayOID},
	{NumericOID, "numeric", -1, CatNumeric, 0, NumericArrayOID},
	{RegclassOID, "regclass", 4, CatNumeric, 0, RegclassArrayOID},
	{RegtypeOID, "regtype", 4, CatNumeric, 0, RegtypeArrayOID},
	{RegprocedureOID, "regprocedure", 4, CatNumeric, 0, 0},
	{RegoperOID, "regoper", 4, CatNumeric, 0, 0},
	{RegoperatorOID, "regoperator", 4, CatNumeric, 0, 0},
	{RegnamespaceOID, "regnamespace", 4, CatNumeric, 0, 0},
	{RegroleOID, "regrole", 4, CatNumeric, 0, 0},
	{UUIDOID, "uuid", 16, CatUser, 0, UUIDArrayOID},
	{JSONBOID, "jsonb", -1, CatUser, 0, JSONBArrayOID},
	{RecordOID, "record", -1, CatUser, 0, 0},
	{VoidOID, "void", 4, CatUser, 0, 0},

	{BoolArrayOID, "_bool", -1, CatArray, BoolOID, 0},
	{ByteaArrayOID, "_bytea", -1, CatArray, ByteaOID, 0},
	{CharArrayOID, "_char", -1, CatArray, CharOID, 0},
	{NameArrayOID, "_name", -1, CatArray, NameOID, 0},
	{Int2ArrayOID, "_int2", -1, CatArray, Int2OID, 0},
	{Int4ArrayOID, "_int4", -1, CatArray, Int4OID, 0},
	{TextArrayOID, "_text", -1, CatArray, TextOID, 0},
	{BPCharArrayOID, "_bpchar", -1, CatArray, BPCharOID, 0},
	{VarcharArrayOID, "_varchar", -1, CatArray, VarcharOID, 0},
	{Int8ArrayOID, "_int8", -1, CatArray, Int8OID, 0},
	{Float4ArrayOID, "_float4", -1, CatArray, Float4OID, 0},
	{Float8ArrayOID, "_float8", -1, CatArray, Float8OID, 0},
	{OIDArrayOID, "_oid", -1, CatArray, OIDOID, 0},
	{TimestampArrayOID, "_timestamp", -1, CatArray, TimestampOID, 0},
	{DateArrayOID, "_date", -1, CatArray, DateOID, 0},
	{TimeArrayOID, "_time", -1, CatArray, TimeOID, 0},
	{TimestamptzArrayOID, "_timestamptz", -1, CatArray, TimestamptzOID, 0},
	{IntervalArrayOID, "_interval", -1, CatArray, IntervalOID, 0},
	{NumericArrayOID, "_numeric", -1, CatArray, NumericOID, 0},
	{UUIDArrayOID, "_uuid", -1, CatArray, UUIDOID, 0},
	{JSONArrayOID, "_json", -1, CatArray, JSONOID, 0},
	{JSONBArrayOID, "_jsonb", -1, CatArray, JSONBOID, 0},
	{RegprocArrayOID, "_regproc", -1, CatArray, RegprocOID, 0},
	{RegclassArrayOID, "_regclass", -1, CatArray, RegclassOID, 0},
	{RegtypeArrayOID, "_regtype", -1, CatArray, RegtypeOID, 0},

	{AclitemOID, "aclitem", 12, CatUser, 0, AclitemArrayOID}, // aclitem.go

	// Types of PostgreSQL's own catalog columns (pg_index.indkey,
	// pg_class.relfrozenxid, pg_attrdef.adbin, pg_statistic's values).
	{Int2VectorOID, "int2vector", -1, CatArray, Int2OID, 0}, // vector.go
	{OIDVectorOID, "oidvector", -1, CatArray, OIDOID, 0},
	{XidOID, "xid", 4, CatUser, 0, 0},
	{PgNodeTreeOID, "pg_node_tree", -1, CatInternal, 0, 0},
	{AnyArrayOID, "anyarray", -1, CatPseudo, 0, 0},
	{InetOID, "inet", -1, CatNetwork, 0, 0}, // catalogtypes.go
	{PgLSNOID, "pg_lsn", 8, CatUser, 0, 0},
	{PgNdistinctOID, "pg_ndistinct", -1, CatInternal, 0, 0},
	{PgDependenciesOID, "pg_dependencies", -1, CatInternal, 0, 0},
	{PgMCVListOID, "pg_mcv_list", -1, CatInternal, 0, 0},
	{AclitemArrayOID, "_aclitem", -1, CatArray, AclitemOID, 0},
	{PgStatisticOID, "pg_statistic", -1, CatComposite, 0, PgStatisticArrayOID},
	{PgStatisticArrayOID, "_pg_statistic", -1, CatArray, PgStatisticOID, 0},
}

var byOID = func() map[OID]*Info {
	m := make(map[OID]*Info, len(infos))
	for i := range infos {
		m[infos[i].OID] = &infos[i]
	}
	return m
}()

var byName = func() map[string]*Info {
	m := make(map[string]*Info, len(infos))
	for i := range infos {
		m[infos[i].Name] = &infos[i]
	}
	return m
}()

// Lookup returns what Sluice knows of a type OID.
func Lookup(oid OID) (*Info, bool) {
	i, ok := byOID[oid]
	return i, ok
}

// LookupName finds a built-in type by its typname ("int4", "_text").
func LookupName(name string) (*Info, bool) {
	i, ok := byName[name]
	return i, ok
}

// Infos lists every built-in type Sluice knows, for catalog tables.
func Infos() []Info { return infos }

// IsArray reports whether t is an array type.
func (t Type) IsArray() bool {
	i, ok := byOID[t.OID]
	return ok && i.Elem != 0
}

// Elem returns the element type of an array type.
func (t Type) Elem() Type {
	if i, ok := byOID[t.OID]; ok && i.Elem != 0 {
		return Type{i.Elem, t.Typmod}
	}
	return Unknown
}

// ArrayOf returns the array type whose elements are t.
func ArrayOf(t Type) (Type, bool) {
	if i, ok := byOID[t.OID]; ok && i.Array != 0 {
		return Type{i.Array, t.Typmod}, true
	}
	return Unknown, false
}

// Category returns t's typcategory.
func (t Type) Category() Category {
	if i, ok := byOID[t.OID]; ok {
		return i.Category
	}
	return CatUser
}

// Len returns t's typlen as RowDescription reports it.
func (t Type) Len() int16 {
	if i, ok := byOID[t.OID]; ok {
		return i.Len
	}
	return -1
}

// NumericTypmod encodes numeric(precision, scale) as PostgreSQL does: the
// scale in 11 bits, two's complement, since scales run from -1000 to 1000.
func NumericTypmod(precision, scale int) int32 {
	return int32((precision<<16)|(scale&0x7ff)) + 4
}

// NumericPrecisionScale decodes a numeric typmod; ok is false for -1.
func NumericPrecisionScale(typmod int32) (precision, scale int, ok bool) {
	if typmod < 4 {
		return 0, 0, false
	}
	v := typmod - 4
	return int(v >> 16), int((v&0x7ff)^1024) - 1024, true
}

// VarcharTypmod encodes varchar(n) / bpchar(n).
func VarcharTypmod(n int) int32 { return int32(n) + 4 }

// MaxDecimalPrecision is the widest numeric(p,s) carried as an Arrow
// Decimal128.
const MaxDecimalPrecision = 38

// MaxDecimal64Precision is the widest numeric(p,s) carried as an Arrow
// Decimal64: every value of 18 digits fits an int64, so the columns that
// dominate scans (TPC-H's decimal(15,2)) stay 64-bit from the file's INT64
// pages through filters and sums instead of being widened to 128 bits.
const MaxDecimal64Precision = 18

// ArrowType returns the Arrow type that carries values of t.
//
//	bool → Boolean; int2/int4/int8 → Int16/Int32/Int64; float4/8 → Float32/64;
//	numeric(p,s) → Decimal64(p,s) for p ≤ 18, Decimal128(p,s) for p ≤ 38
//	(unconstrained, or p > 38: String
//	holding numeric_out's text, so every value keeps its own scale);
//	text, varchar, bpchar, name, char, json, jsonb → String; bytea → Binary;
//	date → Date32; time → Time64(µs); timestamp → Timestamp(µs, "");
//	timestamptz → Timestamp(µs, "UTC"); interval → MonthDayNanoInterval (nanos
//	are whole microseconds); uuid → FixedSizeBinary(16); oid and reg* →
//	Uint32; arrays → List of the element type.
func (t Type) ArrowType() arrow.DataType {
	switch t.OID {
	case BoolOID:
		return arrow.FixedWidthTypes.Boolean
	case Int2OID:
		return arrow.PrimitiveTypes.Int16
	case Int4OID:
		return arrow.PrimitiveTypes.Int32
	case Int8OID:
		return arrow.PrimitiveTypes.Int64
	case Float4OID:
		return arrow.PrimitiveTypes.Float32
	case Float8OID:
		return arrow.PrimitiveTypes.Float64
	case NumericOID:
		if p, s, ok := NumericPrecisionScale(t.Typmod); ok && p <= MaxDecimalPrecision {
			if p <= MaxDecimal64Precision {
				return &arrow.Decimal64Type{Precision: int32(p), Scale: int32(s)}
			}
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
		}
		// Unconstrained numeric: each value has its own scale (and may be
		// NaN or ±Infinity, or wider than 38 digits), which no fixed-scale
		// Arrow decimal holds; it travels as PostgreSQL's canonical text.
		return arrow.BinaryTypes.String
	case TextOID, VarcharOID, BPCharOID, NameOID, CharOID, JSONOID, JSONBOID, UnknownOID, AclitemOID:
		return arrow.BinaryTypes.String
	case ByteaOID, RecordOID, PgStatisticOID:
		return arrow.BinaryTypes.Binary
	case DateOID:
		return arrow.FixedWidthTypes.Date32
	case TimeOID:
		return arrow.FixedWidthTypes.Time64us
	case TimestampOID:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case TimestamptzOID:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case IntervalOID:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case UUIDOID:
		return &arrow.FixedSizeBinaryType{ByteWidth: 16}
	case OIDOID, RegprocOID, RegclassOID, RegtypeOID, RegprocedureOID, RegoperOID,
		RegoperatorOID, RegnamespaceOID, RegroleOID, XidOID:
		return arrow.PrimitiveTypes.Uint32
	}
	if t.IsArray() {
		return arrow.ListOf(t.Elem().ArrowType())
	}
	return arrow.BinaryTypes.String
}

// FromArrow picks the PostgreSQL type for an Arrow type, for data whose
// producer did not say (Parquet files).
func FromArrow(dt arrow.DataType) (Type, error) {
	switch d := dt.(type) {
	case *arrow.BooleanType:
		return Bool, nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return Int2, nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return Int4, nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return Int8, nil
	case *arrow.Uint64Type:
		return Type{NumericOID, NumericTypmod(20, 0)}, nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return Float4, nil
	case *arrow.Float64Type:
		return Float8, nil
	case *arrow.Decimal32Type:
		return Type{NumericOID, NumericTypmod(int(d.Precision), int(d.Scale))}, nil
	case *arrow.Decimal64Type:
		return Type{NumericOID, NumericTypmod(int(d.Precision), int(d.Scale))}, nil
	case *arrow.Decimal128Type:
		return Type{NumericOID, NumericTypmod(int(d.Precision), int(d.Scale))}, nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return Text, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return Bytea, nil
	case *arrow.FixedSizeBinaryType:
		if d.ByteWidth == 16 {
			return UUID, nil
		}
		return Bytea, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return Date, nil
	case *arrow.Time32Type, *arrow.Time64Type:
		return Time, nil
	case *arrow.TimestampType:
		if d.TimeZone != "" {
			return Timestamptz, nil
		}
		return Timestamp, nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType:
		return Interval, nil
	case *arrow.ListType:
		et, err := FromArrow(d.Elem())
		if err != nil {
			return Unknown, err
		}
		if at, ok := ArrayOf(et); ok {
			return at, nil
		}
	case *arrow.DictionaryType:
		return FromArrow(d.ValueType)
	}
	return Unknown, fmt.Errorf("no PostgreSQL type for Arrow type %s", dt)
}

// String renders t as format_type does ("numeric(12,2)", "text[]").
func (t Type) String() string {
	switch t.OID {
	case NumericOID:
		if p, s, ok := NumericPrecisionScale(t.Typmod); ok {
			return fmt.Sprintf("numeric(%d,%d)", p, s)
		}
		return "numeric"
	case VarcharOID:
		if t.Typmod >= 4 {
			return fmt.Sprintf("character varying(%d)", t.Typmod-4)
		}
		return "character varying"
	case BPCharOID:
		if t.Typmod >= 4 {
			return fmt.Sprintf("character(%d)", t.Typmod-4)
		}
		return "bpchar"
	case BoolOID:
		return "boolean"
	case Int2OID:
		return "smallint"
	case Int4OID:
		return "integer"
	case Int8OID:
		return "bigint"
	case Float4OID:
		return "real"
	case Float8OID:
		return "double precision"
	case TimeOID:
		return "time without time zone"
	case TimestampOID:
		return "timestamp without time zone"
	case TimestamptzOID:
		return "timestamp with time zone"
	case CharOID:
		return `"char"`
	case Int2VectorOID, OIDVectorOID:
		return byOID[t.OID].Name // arrays, but named on their own
	}
	if t.IsArray() {
		return t.Elem().String() + "[]"
	}
	if i, ok := byOID[t.OID]; ok {
		return i.Name
	}
	return fmt.Sprintf("??? (oid %d)", t.OID)
}
