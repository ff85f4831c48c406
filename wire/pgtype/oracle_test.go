package pgtype_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtest"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The oracle test asks a real PostgreSQL 15 for the text and binary bytes
// of SELECT '<literal>'::type under several session settings and checks
// that Sluice produces the same bytes, by each path a value can take:
// Decode of the literal then AppendText/AppendBinary; Decode, AppendDatum
// into an Arrow builder, then the column Encoder; and Decode of PostgreSQL's
// own binary bytes then encode again. Literals PostgreSQL rejects must be
// rejected with the same SQLSTATE and message.

var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		code = 1
	}
	os.Exit(code)
}

// session is one combination of the settings that change text forms.
type session struct {
	dateStyle, timeZone, intervalStyle, byteaOutput string
	extraFloatDigits                                int
}

var sessions = []session{
	{"ISO, MDY", "UTC", "postgres", "hex", 1},
	{"SQL, DMY", "America/New_York", "postgres_verbose", "escape", 0},
	{"Postgres, MDY", "Asia/Kolkata", "sql_standard", "hex", -3},
	{"German", "Australia/Adelaide", "iso_8601", "escape", 3},
	{"ISO, YMD", "America/St_Johns", "postgres", "hex", -15},
	{"Postgres, DMY", "Europe/Moscow", "iso_8601", "hex", 2},
	{"SQL, MDY", "Pacific/Chatham", "sql_standard", "escape", 1},
	{"ISO, DMY", "America/Sao_Paulo", "postgres_verbose", "hex", 0},
}

func (s session) settings(t testing.TB) *pgtype.Settings {
	loc, err := time.LoadLocation(s.timeZone)
	if err != nil {
		t.Fatalf("time zone %s: %v", s.timeZone, err)
	}
	return &pgtype.Settings{
		DateStyle:        s.dateStyle,
		IntervalStyle:    s.intervalStyle,
		TimeZone:         loc,
		ExtraFloatDigits: s.extraFloatDigits,
		ByteaOutput:      s.byteaOutput,
	}
}

func (s session) String() string {
	return fmt.Sprintf("[%s|%s|%s|efd=%d|%s]", s.dateStyle, s.timeZone, s.intervalStyle, s.extraFloatDigits, s.byteaOutput)
}

func (s session) apply(ctx context.Context, t testing.TB, c *pgconn.PgConn) {
	sql := fmt.Sprintf("SET DateStyle = '%s'; SET TimeZone = '%s'; SET IntervalStyle = '%s'; SET extra_float_digits = %d; SET bytea_output = '%s'",
		s.dateStyle, s.timeZone, s.intervalStyle, s.extraFloatDigits, s.byteaOutput)
	if _, err := c.Exec(ctx, sql).ReadAll(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// oracleCase is a type and literals of it.
type oracleCase struct {
	sql      string // type as written in the cast
	typ      pgtype.Type
	literals []string
}

func arr(elem pgtype.Type) pgtype.Type {
	a, ok := pgtype.ArrayOf(elem)
	if !ok {
		panic("no array type for " + elem.String())
	}
	return a
}

var oracleCases = []oracleCase{
	{"bool", pgtype.Bool, []string{"t", "f", "true", "FALSE", " yes ", "no", "on", "off", "1", "0", "y", "n", "tr", "of",
		"o", "x", "", "2", "truex"}},
	{"int2", pgtype.Int2, []string{"0", "-32768", "32767", " 12 ", "+5", "32768", "-32769", "1.5", "abc", "", "- 1"}},
	{"int4", pgtype.Int4, []string{"0", "-2147483648", "2147483647", "  -42", "2147483648", "99999999999", "1e3", "0x10", "12 3"}},
	{"int8", pgtype.Int8, []string{"-9223372036854775808", "9223372036854775807", "123", "9223372036854775808", "-9223372036854775809", "x"}},
	{"float4", pgtype.Float4, []string{"0", "-0", "1.1", "3.4028235e38", "1e-45", "1e-40", "NaN", "Infinity", "-inf", "123456",
		"1234567", "0.0001", "1e-5", "16777217", "1.5e10", "3e10", "7e10", "1e23", "0.1", "-1.5e10", "1e6", "100", "3.14159", "1e39", "1e-50", "abc", "1.5x", " 2.5 "}},
	{"float8", pgtype.Float8, []string{"0", "-0", "0.1", "1e15", "1e14", "123456789012345678", "1e-5", "0.0001", "4.9e-324",
		"1.7976931348623157e308", "NaN", "-Infinity", "inf", "2.5", "3.141592653589793", "100", "1e100", "-1.23e-100", "0x10",
		"0.30000000000000004", "1e22", "1e23", "5e-324", "9007199254740993", "123456789.123456789", "1e400", "1e-400", "", "abc", "1_0", "1e", ".", ".5", "5."}},
	{"numeric", pgtype.Numeric, []string{"0", "-0", "1.50", "-1.50", "123456789012345678901234567890.123456789",
		"0.000000001", "1e10", "1.5e-3", "-12.345e2", "NaN", "nan", "Infinity", "-Infinity", "inf", "  7  ", ".5", "5.",
		"9999999999999999999999999999999999999999999999999999", "-0.00", "1e-20", "100000000", "0.0001", "12345.6789",
		"-98765432109876543210.0123456789", "1E+5", "abc", "1e", ".", "1.2.3", "- 1", "1 2"}},
	{"numeric(5,2)", pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(5, 2)}, []string{"123.456", "-1.005", "0.004",
		"999.994", "NaN", "0", "999.995", "1e3", "Infinity"}},
	{"numeric(3,-2)", pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(3, -2)}, []string{"12345", "-150", "49"}},
	{"text", pgtype.Text, []string{"hello", "", "unicode ✓ ñ 日本 😀", "tab\there", "quote's", `back\slash`, "NULL", "  spaces  "}},
	{"varchar", pgtype.Varchar, []string{"abc", ""}},
	{"char(5)", pgtype.Type{OID: pgtype.BPCharOID, Typmod: pgtype.VarcharTypmod(5)}, []string{"ab", "abcde", "", "日本"}},
	{"name", pgtype.Name, []string{"abc", strings.Repeat("x", 70), strings.Repeat("é", 40)}},
	{`"char"`, pgtype.Type{OID: pgtype.CharOID, Typmod: -1}, []string{"a", "", "ab", `\101`, "é", `\`}},
	{"json", pgtype.JSON, []string{`{"a":1}`, "[1, 2 ,3]", ` "x" `, "null", `{"a":{"b":[true,false,null]}}`, "1e5",
		`{"a":1,"a":2}`, `"\u00e9"`, "{", `{"a"}`, "[1,]", `{'a':1}`, "", "01"}},
	{"jsonb", pgtype.JSONB, []string{`{"b":1,"a":2}`, `{"a":1,"a":2}`, `[1.50, 1e2, -0, 0.0, 1E-3]`, `"\u00e9\n"`,
		`{"aa":1,"b":2,"ccc":{"z":1,"y":[]}}`, "{}", "[]", `"\t\u001f"`, `  true `, `{"key": "va\"lue"}`,
		`"\u0000"`, "{", "[1 2]"}},
	{"bytea", pgtype.Bytea, []string{`\x`, `\x00ff10`, `\xDEADbeef`, "abc", `a\\b`, `\001\002`, `\x01 02`, "", "é",
		`\xzz`, `\x123`, `a\b`, `\400`}},
	{"uuid", pgtype.UUID, []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}",
		"a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
		"g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}},
	{"oid", pgtype.OIDType, []string{"0", "4294967295", "-1", "42", " 7 ", "-2147483648", "4294967296", "-2147483649", "x", ""}},
	{"regclass", pgtype.Regclass, []string{"0", "999999", "-"}},
	{"regtype", pgtype.Regtype, []string{"999999", "0"}},
	{"regproc", pgtype.Type{OID: pgtype.RegprocOID, Typmod: -1}, []string{"999999", "-"}},
	{"int2vector", pgtype.Type{OID: pgtype.Int2VectorOID, Typmod: -1}, []string{"1 2 3", "", " 1  -2 ", "1 x", "99999", "1,2"}},
	{"oidvector", pgtype.Type{OID: pgtype.OIDVectorOID, Typmod: -1}, []string{"23 25", "", "-1 4294967295", "4294967296"}},
	{"xid", pgtype.Type{OID: pgtype.XidOID, Typmod: -1}, []string{"0", "5", "4294967295", "-1", " 7 "}},
	{"inet", pgtype.Type{OID: pgtype.InetOID, Typmod: -1}, []string{"127.0.0.1", "10.1.2.3/8", "192.168.0.0/24", "0.0.0.0/0",
		"::1", "2001:db8::1/64", "fe80::1:2:3:4", "::ffff:1.2.3.4", "2001:0db8:0000:0000:0000:0000:0000:0001", " 127.0.0.1 ",
		"1.2.3.4/33", "x", "1.2.3", ""}},
	{"pg_lsn", pgtype.Type{OID: pgtype.PgLSNOID, Typmod: -1}, []string{"16/B374D848", "0/0", "ffffffff/ffffffff", "00000001/0000000a",
		"1/", "/1", "123456789/0", "x/y", "1/2/3"}},
	{"pg_node_tree", pgtype.Type{OID: pgtype.PgNodeTreeOID, Typmod: -1}, []string{"{CONST}"}},
	{"date", pgtype.Date, []string{"2020-01-02", "1999-12-31", "0001-01-01", "0044-03-15 BC", "4714-11-24 BC", "5874897-12-31",
		"infinity", "-infinity", "epoch", "Jan 8 1999", "8 January 1999", "1999-Jan-08", "01/02/2003", "02.01.2003", "19990108",
		"990108", "1999.008", "J2451187", "January 8, 99 BC", "2020-02-29", "1900-02-28", "1969-07-20", "2000-01-01 12:34",
		"2020-02-30", "2019-02-29", "abc", "2020-13-01", "5874898-01-01", "4714-11-23 BC", "1/2/3", "99-01-08", "08-Jan-99"}},
	{"time", pgtype.Time, []string{"00:00", "23:59:59.999999", "24:00:00", "12:34:56.789", "1:2:3", "04:05 PM", "12:00 AM",
		"040506", "04:05:06.5 +03", "allballs", "04:05 America/New_York", "04:05 UTC", "04:05 Asia/Kolkata",
		"2020-01-01 04:05 America/New_York", "04:05 PST", "04:05 Etc/GMT+5", "04:05 EST5EDT", "04:05 Mars/Base", "T040506", "2003-04-12 04:05:06", "23:59:60", "25:00", "12:60", "abc", "24:00:01"}},
	{"timestamp", pgtype.Timestamp, []string{"2020-01-02 03:04:05", "2020-01-02T03:04:05.123456", "1999-01-08 04:05:06 -8:00",
		"January 8 04:05:06 1999 PST", "2001-02-16 20:38:40.5 BC", "epoch", "infinity", "-infinity", "1900-01-01",
		"2038-01-19 03:14:08", "1969-12-31 23:59:59.999999", "20011225T040506.789", "2020-01-02 03:04:05.0000005",
		"2020-01-02 03:04:05.9999995", "Wed Dec 17 07:37:16 1997", "12/17/1997 07:37:16.00", "17.12.1997 07:37:16.00",
		"294246-12-31 23:59:59", "4714-11-24 00:00:00 BC", "2020-01-02 03:04:05 America/New_York", "2020-01-02 24:00:01",
		"x", "2020-01-02 03:04:05 Mars/Olympus", "2020-01-02 +25", "2020-01-02 03:04:05 +05:30:15"}},
	{"timestamptz", pgtype.Timestamptz, []string{"2020-07-01 12:00:00+02", "2020-07-01 12:00:00 America/New_York",
		"2020-03-08 02:30 America/New_York", "2020-11-01 01:30 America/New_York", "1800-01-01 12:00 UTC",
		"1900-01-01 00:00 Europe/Amsterdam", "2020-07-01 12:00 PST", "2020-07-01 12:00 EDT", "2020-07-01 12:00:00 +05:30",
		"2020-07-01 12:00 Z", "2300-07-01 12:00 Europe/Berlin", "1000-01-01 00:00 BC", "2020-01-01", "1900-06-15 12:00",
		"1883-11-18 12:00", "2020-07-01 12:00:00.123456-03:30", "epoch", "infinity", "-infinity", "2020-07-01 12:00 america/new_york",
		"1969-12-31 23:59:59.5+00", "2020-07-01 12:00:00 +1545", "J2451187 04:05", "2020-07-01 12:00 +16", "nonsense"}},
	{"interval", pgtype.Interval, []string{"1 year 2 months 3 days 4 hours 5 minutes 6 seconds", "-1 year -2 mons +3 days -04:05:06",
		"1-2", "-1-2", "3 4:05:06", "-3 -4:05:06", "@ 1 hour ago", "1.5 days", "1.5 years", "0.5 months", "P1Y2M3DT4H5M6.5S",
		"PT0S", "P0001-02-03T04:05:06", "P1W", "1 week", "00:00:00", "0", "1 millisecond", "1.234567891 seconds",
		"100 centuries", "-0.5 seconds", "1 day -1 hour", "2 weeks 1 day ago", "10:00", "1:30:00.5", "-00:00:01",
		"2147483647 days", "P-1Y-2M3D", "1 year -1 day", "-1 days +02:03:04.000005", "@ 1 sec", "1 sec ago",
		"178000000 years", "abc", "1 foo", "1 year 99999999999 days", "1 day 1 day", "infinity"}},

	{"timestamp(0)", pgtype.Type{OID: pgtype.TimestampOID, Typmod: 0}, []string{"2020-01-02 03:04:05.5", "1999-12-31 23:59:59.5",
		"1969-12-31 23:59:59.5", "1970-01-01 00:00:00.4999", "infinity", "0044-03-15 12:00:00.5 BC"}},
	{"timestamptz(2)", pgtype.Type{OID: pgtype.TimestamptzOID, Typmod: 2}, []string{"2020-01-02 03:04:05.125+00", "1999-12-31 23:59:59.995+00",
		"1999-12-31 23:59:59.005+00", "1999-12-31 23:59:59.015+00"}},
	{"time(3)", pgtype.Type{OID: pgtype.TimeOID, Typmod: 3}, []string{"12:00:00.0005", "23:59:59.9995", "00:00:00.0004"}},
	{"interval year", pgtype.Type{OID: pgtype.IntervalOID, Typmod: 4<<16 | 0xFFFF}, []string{"1 year 11 months 3 days", "5", "-17 months"}},
	{"interval year to month", pgtype.Type{OID: pgtype.IntervalOID, Typmod: 6<<16 | 0xFFFF}, []string{"1-2", "7", "1 year 2 months 3 days"}},
	{"interval hour", pgtype.Type{OID: pgtype.IntervalOID, Typmod: (1<<10)<<16 | 0xFFFF}, []string{"5", "1 day 02:59:59", "-02:30"}},
	{"interval minute to second", pgtype.Type{OID: pgtype.IntervalOID, Typmod: (1<<11|1<<12)<<16 | 0xFFFF}, []string{"1:30", "1:30:10", "2:03.5"}},
	{"interval day to second(2)", pgtype.Type{OID: pgtype.IntervalOID, Typmod: (1<<3|1<<10|1<<11|1<<12)<<16 | 2}, []string{"1 day 00:00:00.125", "-0.005 seconds", "3 4:05:06.789"}},
	{"interval(0)", pgtype.Type{OID: pgtype.IntervalOID, Typmod: 0x7FFF<<16 | 0}, []string{"1.5 seconds", "-2.5 seconds", "1 mon 0.4 sec"}},

	{"int4[]", arr(pgtype.Int4), []string{"{}", "{1,2,3}", "{1,NULL,3}", "{ 1 , 2 }", "[0:2]={1,2,3}", "[-1:-1]={5}",
		"{1,2", "{1,2}}", "abc", "{1,x}", "[5]={7}", "{,}", "{1,}"}},
	{"text[]", arr(pgtype.Text), []string{`{a,"b c",NULL,"NULL","",d}`, `{"quote\"s","back\\slash"}`, `{"a,b","{x}"," lead"}`,
		`{ spaced  value , x}`, `{ÿ,日本}`, `{null,Null,nULL}`, `{"a}`, `{a"b}`, `{\a\,b}`, `{"",""}`}},
	{"numeric[]", arr(pgtype.Numeric), []string{"{1.5,NaN,-2,Infinity}", "{}"}},
	{"float8[]", arr(pgtype.Float8), []string{"{1.5,Infinity,NaN,-0,0.1}"}},
	{"float4[]", arr(pgtype.Float4), []string{"{1.5,0.1,NULL}"}},
	{"int2[]", arr(pgtype.Int2), []string{"{1,-2}"}},
	{"int8[]", arr(pgtype.Int8), []string{"{9223372036854775807,NULL}"}},
	{"bool[]", arr(pgtype.Bool), []string{"{t,f,NULL,yes}"}},
	{"date[]", arr(pgtype.Date), []string{"{2020-01-01,infinity,NULL,0044-03-15 BC}"}},
	{"time[]", arr(pgtype.Time), []string{"{12:00,23:59:59.5}"}},
	{"timestamp[]", arr(pgtype.Timestamp), []string{`{"2020-01-01 00:00",NULL,-infinity}`}},
	{"timestamptz[]", arr(pgtype.Timestamptz), []string{`{"2020-01-01 00:00+00",NULL}`}},
	{"interval[]", arr(pgtype.Interval), []string{`{"1 day","-1 year",00:00:01}`}},
	{"bytea[]", arr(pgtype.Bytea), []string{`{"\\x0102","",NULL}`}},
	{"uuid[]", arr(pgtype.UUID), []string{`{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}`}},
	{"json[]", arr(pgtype.JSON), []string{`{"{\"a\":1}","[1, 2]"}`}},
	{"jsonb[]", arr(pgtype.JSONB), []string{`{"{\"b\":1,\"a\":2}",null}`}},
	{"varchar[]", arr(pgtype.Varchar), []string{`{x,"y z"}`}},
	{"name[]", arr(pgtype.Name), []string{`{pg_catalog,public}`}},
	{"bpchar[]", pgtype.Type{OID: pgtype.BPCharArrayOID, Typmod: -1}, []string{`{"a ",b}`}},
	{`"char"[]`, pgtype.Type{OID: pgtype.CharArrayOID, Typmod: -1}, []string{`{a,b,""}`}},
	{"oid[]", arr(pgtype.OIDType), []string{`{1,4294967295}`}},
	{"regclass[]", arr(pgtype.Regclass), []string{`{999999,-}`}},
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// pgAnswer is what PostgreSQL said for one query.
type pgAnswer struct {
	value []byte
	code  string
	msg   string
}

func askPG(res *pgconn.Result) pgAnswer {
	if res.Err != nil {
		var pe *pgconn.PgError
		if errors.As(res.Err, &pe) {
			return pgAnswer{code: pe.Code, msg: pe.Message}
		}
		return pgAnswer{code: "?", msg: res.Err.Error()}
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return pgAnswer{code: "?", msg: "unexpected result shape"}
	}
	return pgAnswer{value: res.Rows[0][0]}
}

func connect(ctx context.Context, t testing.TB) *pgx.Conn {
	srv := pg.Get(t)
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatalf("connect to the oracle: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// arrowType is the Arrow type the Arrow path builds for d: numerics are
// carried at the scale of the value so that they print as PostgreSQL does.
func arrowTypeFor(typ pgtype.Type, d pgtype.Datum) (pgtype.Type, bool) {
	if typ.OID == pgtype.NumericOID {
		n := d.(pgtype.NumericValue)
		if n.Special != pgtype.NumericFinite || n.Scale > 38 || len(n.Coef.String()) > 38 {
			return typ, false // Arrow decimals hold neither NaN nor infinities
		}
		if typ.Typmod >= 0 {
			return typ, true
		}
		return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(38, int(n.Scale))}, true
	}
	if typ.IsArray() {
		a := d.(pgtype.Array)
		if a.Lower != 1 && len(a.Elements) > 0 {
			return typ, false // Arrow lists have no lower bound
		}
		if typ.Elem().OID == pgtype.NumericOID {
			return typ, false // one Arrow scale cannot hold every element's own scale
		}
	}
	return typ, true
}

// viaArrow encodes d through an Arrow builder and the column Encoder.
func viaArrow(t *testing.T, typ pgtype.Type, d pgtype.Datum, format int16, s *pgtype.Settings) ([]byte, bool) {
	at, ok := arrowTypeFor(typ, d)
	if !ok {
		return nil, false
	}
	b := array.NewBuilder(memory.DefaultAllocator, at.ArrowType())
	defer b.Release()
	b.AppendNull() // row 0 NULL, so offsets are exercised
	if err := pgtype.AppendDatum(b, at, d); err != nil {
		t.Errorf("AppendDatum(%s, %#v): %v", at, d, err)
		return nil, false
	}
	a := b.NewArray()
	defer a.Release()
	if got := pgtype.DatumAt(at, a, 0); got != nil {
		t.Errorf("DatumAt of a NULL row = %#v", got)
	}
	enc, err := pgtype.NewEncoder(at, a, format, s)
	if err != nil {
		t.Errorf("NewEncoder(%s, %s): %v", at, a.DataType(), err)
		return nil, false
	}
	return enc([]byte("prefix"), 1)[len("prefix"):], true
}

func TestOracle(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	c := conn.PgConn()
	checked := 0
	for _, ses := range sessions {
		ses.apply(ctx, t, c)
		s := ses.settings(t)
		for _, oc := range oracleCases {
			for _, lit := range oc.literals {
				sql := fmt.Sprintf("SELECT %s::%s", quoteLiteral(lit), oc.sql)
				results, err := c.Exec(ctx, sql).ReadAll()
				var text pgAnswer
				if len(results) == 1 {
					text = askPG(results[0])
				} else {
					text = askPG(&pgconn.Result{Err: err})
				}
				bin := askPG(c.ExecParams(ctx, sql, nil, nil, nil, []int16{pgtype.BinaryFormat}).Read())
				where := fmt.Sprintf("%s %s", ses, sql)
				checkOracle(t, where, oc.sql, oc.typ, lit, text, bin, s, c)
				checked++
			}
		}
	}
	t.Logf("compared %d literals with PostgreSQL", checked)
}

func checkOracle(t *testing.T, where, sqlType string, typ pgtype.Type, lit string, text, bin pgAnswer, s *pgtype.Settings, c *pgconn.PgConn) {
	t.Helper()
	d, err := pgtype.Decode(typ, pgtype.TextFormat, []byte(lit), s)
	if text.code != "" {
		if err == nil {
			t.Errorf("%s: PostgreSQL fails with %s %q, Sluice accepts it as %#v", where, text.code, text.msg, d)
			return
		}
		pe := pgerr.Convert(err)
		if pe.Code != text.code || pe.Message != text.msg {
			t.Errorf("%s: error\n  pg:     %s %s\n  sluice: %s %s", where, text.code, text.msg, pe.Code, pe.Message)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: PostgreSQL says %q, Sluice fails: %v", where, text.value, err)
		return
	}

	// Datum → text and binary
	got, err := pgtype.AppendText(nil, typ, d, s)
	if err != nil || !bytes.Equal(got, text.value) {
		t.Errorf("%s: AppendText\n  pg:     %q\n  sluice: %q (%v)", where, text.value, got, err)
	}
	if bin.code != "" {
		t.Errorf("%s: binary query failed: %s %s", where, bin.code, bin.msg)
		return
	}
	gotBin, err := pgtype.AppendBinary(nil, typ, d)
	if err != nil || !bytes.Equal(gotBin, bin.value) {
		t.Errorf("%s: AppendBinary\n  pg:     %x\n  sluice: %x (%v)", where, bin.value, gotBin, err)
	}

	// Datum → Arrow → Encoder
	if enc, ok := viaArrow(t, typ, d, pgtype.TextFormat, s); ok && !bytes.Equal(enc, text.value) {
		t.Errorf("%s: Encoder text\n  pg:     %q\n  sluice: %q", where, text.value, enc)
	}
	if enc, ok := viaArrow(t, typ, d, pgtype.BinaryFormat, s); ok && !bytes.Equal(enc, bin.value) {
		t.Errorf("%s: Encoder binary\n  pg:     %x\n  sluice: %x", where, bin.value, enc)
	}

	// PostgreSQL's binary → Decode → encode again
	d2, err := pgtype.Decode(typ, pgtype.BinaryFormat, bin.value, s)
	if err != nil {
		t.Errorf("%s: Decode of PostgreSQL's binary %x: %v", where, bin.value, err)
		return
	}
	if again, err := pgtype.AppendBinary(nil, typ, d2); err != nil || !bytes.Equal(again, bin.value) {
		t.Errorf("%s: binary round trip\n  pg:     %x\n  sluice: %x (%v)", where, bin.value, again, err)
	}
	if again, err := pgtype.AppendText(nil, typ, d2, s); err != nil || !bytes.Equal(again, text.value) {
		t.Errorf("%s: text of decoded binary\n  pg:     %q\n  sluice: %q (%v)", where, text.value, again, err)
	}

	// Sluice's binary as a parameter: PostgreSQL must read it as the same
	// value. (PostgreSQL cannot read back its own binary of an empty
	// int2vector or oidvector, so those are left out.)
	emptyVector := (typ.OID == pgtype.Int2VectorOID || typ.OID == pgtype.OIDVectorOID) && len(text.value) == 0
	if typ.Typmod < 0 && !emptyVector {
		param := append([]byte{}, gotBin...) // never nil: nil is NULL
		res := c.ExecParams(context.Background(), fmt.Sprintf("SELECT $1::%s", sqlType), [][]byte{param},
			[]uint32{typ.OID}, []int16{pgtype.BinaryFormat}, []int16{pgtype.TextFormat}).Read()
		back := askPG(res)
		if back.code != "" || !bytes.Equal(back.value, text.value) {
			t.Errorf("%s: PostgreSQL reading Sluice's binary %x: %q %s %s", where, gotBin, back.value, back.code, back.msg)
		}
	}
}

// TestOracleArrowColumn encodes whole Arrow columns, with NULLs, slices and
// dictionaries, and compares every row with PostgreSQL's text and binary.
func TestOracleArrowColumn(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	c := conn.PgConn()
	ses := sessions[1]
	ses.apply(ctx, t, c)
	s := ses.settings(t)

	values := []string{"2020-01-01 00:00:00.5+00", "1969-07-20 20:17:40+00", "0044-03-15 12:00:00+00 BC", "infinity"}
	typ := pgtype.Timestamptz
	b := array.NewTimestampBuilder(memory.DefaultAllocator, typ.ArrowType().(*arrow.TimestampType))
	defer b.Release()
	for _, v := range values {
		d, err := pgtype.Decode(typ, pgtype.TextFormat, []byte(v), s)
		if err != nil {
			t.Fatal(err)
		}
		if err := pgtype.AppendDatum(b, typ, d); err != nil {
			t.Fatal(err)
		}
		b.AppendNull()
	}
	full := b.NewArray()
	defer full.Release()
	sliced := array.NewSlice(full, 2, int64(full.Len())) // drops the first value and its NULL
	defer sliced.Release()
	for _, format := range []int16{pgtype.TextFormat, pgtype.BinaryFormat} {
		enc, err := pgtype.NewEncoder(typ, sliced, format, s)
		if err != nil {
			t.Fatal(err)
		}
		for row := 0; row < sliced.Len(); row++ {
			if sliced.IsNull(row) {
				continue
			}
			lit := values[1+row/2]
			want := askPG(c.ExecParams(ctx, fmt.Sprintf("SELECT %s::timestamptz", quoteLiteral(lit)), nil, nil, nil, []int16{format}).Read())
			if got := enc(nil, row); !bytes.Equal(got, want.value) {
				t.Errorf("format %d row %d (%s): pg %q, sluice %q", format, row, lit, want.value, got)
			}
		}
	}
}

// TestOracleRandom compares many generated values per type in one query
// each: random float bit patterns (shortest and %g output), timestamps
// across the whole range in historical zones, dates, intervals with mixed
// signs, and numerics with many digits.
func TestOracleRandom(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	c := conn.PgConn()
	rng := newRand(20261121)

	type gen struct {
		sql  string
		typ  pgtype.Type
		make func() (literal string, d pgtype.Datum)
	}
	iso := pgtype.DefaultSettings()
	gens := []gen{
		{"float8", pgtype.Float8, func() (string, pgtype.Datum) {
			var f float64
			for {
				f = math.Float64frombits(rng.next())
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					break
				}
			}
			if rng.next()%3 == 0 { // also values of everyday magnitude
				f = float64(int64(rng.next()%2000000)-1000000) / float64(uint64(1)<<(rng.next()%40))
			}
			return strconv.FormatFloat(f, 'g', -1, 64), f
		}},
		{"float4", pgtype.Float4, func() (string, pgtype.Datum) {
			var f float32
			for {
				f = math.Float32frombits(uint32(rng.next()))
				if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
					break
				}
			}
			return strconv.FormatFloat(float64(f), 'g', -1, 32), float64(f)
		}},
		{"timestamptz", pgtype.Timestamptz, func() (string, pgtype.Datum) {
			lo, hi := int64(-210866803200000000), int64(9223371331199999999-946684800000000)
			var v int64
			switch rng.next() % 3 {
			case 0:
				v = lo + int64(rng.next()%uint64(hi-lo))
			case 1: // 1850..2100, where zone rules change
				v = -3786825600000000 + int64(rng.next()%7889184000000000)
			default: // whole seconds, no fraction
				v = (-3786825600 + int64(rng.next()%7889184000)) * 1000000
			}
			lit, err := pgtype.AppendText(nil, pgtype.Timestamptz, pgtype.TimestampValue(v), iso)
			if err != nil {
				t.Fatal(err)
			}
			return string(lit), pgtype.TimestampValue(v)
		}},
		{"timestamp", pgtype.Timestamp, func() (string, pgtype.Datum) {
			v := int64(-210866803200000000) + int64(rng.next()%uint64(9223371331199999999-946684800000000+210866803200000000))
			lit, _ := pgtype.AppendText(nil, pgtype.Timestamp, pgtype.TimestampValue(v), iso)
			return string(lit), pgtype.TimestampValue(v)
		}},
		{"date", pgtype.Date, func() (string, pgtype.Datum) {
			v := pgtype.DateValue(-2440588 + int64(rng.next()%(2145042905+2440588)))
			if rng.next()%2 == 0 {
				v = pgtype.DateValue(-800000 + int64(rng.next()%1600000))
			}
			lit, _ := pgtype.AppendText(nil, pgtype.Date, v, iso)
			return string(lit), v
		}},
		{"interval", pgtype.Interval, func() (string, pgtype.Datum) {
			r := func(n uint64) int64 { return int64(rng.next()%(2*n+1)) - int64(n) }
			iv := pgtype.IntervalValue{}
			if rng.next()%4 != 0 {
				iv.Months = int32(r(5000))
			}
			if rng.next()%4 != 0 {
				iv.Days = int32(r(50000))
			}
			if rng.next()%4 != 0 {
				iv.Micros = r(1 << 45)
				if rng.next()%2 == 0 {
					iv.Micros -= iv.Micros % 1000000
				}
			}
			// explicit signs everywhere, so sql_standard does not spread a leading minus
			return fmt.Sprintf("%+d mons %+d days %+d microseconds", iv.Months, iv.Days, iv.Micros), iv
		}},
		{"numeric", pgtype.Numeric, func() (string, pgtype.Datum) {
			n := 1 + int(rng.next()%60)
			digits := make([]byte, n)
			for i := range digits {
				digits[i] = byte('0' + rng.next()%10)
			}
			scale := int(rng.next() % uint64(n+5))
			if scale > n {
				scale = n
			}
			lit := string(digits[:n-scale])
			if lit == "" {
				lit = "0"
			}
			if scale > 0 {
				lit += "." + string(digits[n-scale:])
			}
			if rng.next()%2 == 0 {
				lit = "-" + lit
			}
			d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(lit), iso)
			if err != nil {
				t.Fatal(err)
			}
			return lit, d
		}},
	}
	const perType = 400
	for _, g := range gens {
		lits := make([]string, perType)
		datums := make([]pgtype.Datum, perType)
		for i := range lits {
			lits[i], datums[i] = g.make()
		}
		var values strings.Builder
		for i, l := range lits {
			if i > 0 {
				values.WriteString(",")
			}
			fmt.Fprintf(&values, "(%d,%s)", i, quoteLiteral(l))
		}
		sql := fmt.Sprintf("SELECT v::%s FROM (VALUES %s) AS t(i, v) ORDER BY i", g.sql, values.String())
		for _, ses := range sessions {
			ses.apply(ctx, t, c)
			s := ses.settings(t)
			results, err := c.Exec(ctx, sql).ReadAll()
			if err != nil {
				t.Fatalf("%s %s: %v", ses, g.sql, err)
			}
			binRes := c.ExecParams(ctx, sql, nil, nil, nil, []int16{pgtype.BinaryFormat}).Read()
			if binRes.Err != nil {
				t.Fatalf("%s %s binary: %v", ses, g.sql, binRes.Err)
			}
			failures := 0
			for i, d := range datums {
				want := results[0].Rows[i][0]
				got, err := pgtype.AppendText(nil, g.typ, d, s)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s %s %q: text\n  pg:     %q\n  sluice: %q (%v)", ses, g.sql, lits[i], want, got, err)
					failures++
				}
				wantBin := binRes.Rows[i][0]
				gotBin, err := pgtype.AppendBinary(nil, g.typ, d)
				if err != nil || !bytes.Equal(gotBin, wantBin) {
					t.Errorf("%s %s %q: binary\n  pg:     %x\n  sluice: %x (%v)", ses, g.sql, lits[i], wantBin, gotBin, err)
					failures++
				}
				// and the text PostgreSQL printed reads back to the same value,
				// where PostgreSQL's own output is readable: not floats at
				// extra_float_digits ≤ 0, not zone abbreviations like LMT
				if g.typ == pgtype.Float8 || g.typ == pgtype.Float4 ||
					(g.typ == pgtype.Timestamptz && !strings.HasPrefix(ses.dateStyle, "ISO")) {
					continue
				}
				back, err := pgtype.Decode(g.typ, pgtype.TextFormat, want, s)
				if err != nil {
					t.Errorf("%s %s: Decode(%q): %v", ses, g.sql, want, err)
					failures++
				} else if again, _ := pgtype.AppendBinary(nil, g.typ, back); !bytes.Equal(again, wantBin) {
					t.Errorf("%s %s: Decode(%q) gives %x, want %x", ses, g.sql, want, again, wantBin)
					failures++
				}
				if failures > 10 {
					t.Fatalf("too many failures")
				}
			}
		}
	}
}

// rand is a small deterministic generator (splitmix64), so a failure
// reproduces exactly.
type rand struct{ s uint64 }

func newRand(seed uint64) *rand { return &rand{seed} }

func (r *rand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// TestOracleZoneAbbrevs reads a timestamp with each abbreviation PostgreSQL
// knows, at present-day dates, and compares the instants.
func TestOracleZoneAbbrevs(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	rows, err := conn.Query(ctx, "SELECT abbrev FROM pg_timezone_abbrevs ORDER BY abbrev")
	if err != nil {
		t.Fatal(err)
	}
	abbrevs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(abbrevs) < 150 {
		t.Fatalf("only %d abbreviations", len(abbrevs))
	}
	c := conn.PgConn()
	for _, a := range abbrevs {
		for _, day := range []string{"2020-07-01 12:00", "2024-01-15 03:30:15.5"} {
			lit := day + " " + a
			want := askPG(c.ExecParams(ctx, fmt.Sprintf("SELECT %s::timestamptz", quoteLiteral(lit)), nil, nil, nil, []int16{pgtype.BinaryFormat}).Read())
			d, err := pgtype.Decode(pgtype.Timestamptz, pgtype.TextFormat, []byte(lit), nil)
			if want.code != "" || err != nil {
				t.Errorf("%q: pg %s %s, sluice %v", lit, want.code, want.msg, err)
				continue
			}
			if got, _ := pgtype.AppendBinary(nil, pgtype.Timestamptz, d); !bytes.Equal(got, want.value) {
				t.Errorf("%q: pg %x, sluice %x", lit, want.value, got)
			}
		}
	}
}
