package pgtype_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestRecordAgainstPostgres checks record_out's and record_send's forms
// of anonymous records (what json_each and _pg_expandarray yield in a
// select list) against PostgreSQL's ROW(...) over the same fields: the
// Datum path, and the Arrow column a record travels in (Binary holding
// record_send) through its Encoder, under two DateStyles.
func TestRecordAgainstPostgres(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	pgc := conn.PgConn()
	text := pgtype.Text
	recType := pgtype.Type{OID: pgtype.RecordOID, Typmod: -1}
	cases := []struct {
		sql string
		rec pgtype.Record
	}{
		{`ROW(1::int4, 2::int4)`, pgtype.Record{Types: []pgtype.Type{pgtype.Int4, pgtype.Int4}, Values: []pgtype.Datum{int64(1), int64(2)}}},
		{`ROW('a b'::text, ''::text, NULL::text, 'x"y'::text, 'p\q'::text, '('::text, ')'::text, ','::text, E'\t'::text, 'plain'::text)`,
			pgtype.Record{Types: []pgtype.Type{text, text, text, text, text, text, text, text, text, text},
				Values: []pgtype.Datum{"a b", "", nil, `x"y`, `p\q`, "(", ")", ",", "\t", "plain"}}},
		{`ROW(NULL::int2, 7::int2)`, pgtype.Record{Types: []pgtype.Type{pgtype.Int2, pgtype.Int2}, Values: []pgtype.Datum{nil, int64(7)}}},
		{`ROW('k'::text, '{"b": [1, 2]}'::jsonb, '{"a" : 1}'::json)`, pgtype.Record{Types: []pgtype.Type{text, pgtype.JSONB, pgtype.JSON},
			Values: []pgtype.Datum{"k", `{"b": [1, 2]}`, `{"a" : 1}`}}},
		{`ROW(12.50::numeric, DATE '2024-03-01', ARRAY['a b', NULL]::text[], true)`, pgtype.Record{
			Types: []pgtype.Type{{OID: pgtype.NumericOID, Typmod: -1}, pgtype.Date, {OID: pgtype.TextArrayOID, Typmod: -1}, pgtype.Bool},
			Values: []pgtype.Datum{pgtype.NumericValue{Coef: big.NewInt(1250), Scale: 2}, pgtype.DateValue(19783),
				pgtype.Array{Elem: text, Elements: []pgtype.Datum{"a b", nil}, Lower: 1}, true}}},
		// A record inside a record (ROW(ROW(...))): its bytes in Arrow are
		// read back as a record, quoted in the outer text form.
		{`ROW(ROW(1::int4, 'a b'::text), NULL::int4, ROW(NULL::int4), ROW(ROW(''::text)))`, pgtype.Record{
			Types: []pgtype.Type{recType, pgtype.Int4, recType, recType},
			Values: []pgtype.Datum{pgtype.Record{Types: []pgtype.Type{pgtype.Int4, text}, Values: []pgtype.Datum{int64(1), "a b"}}, nil,
				pgtype.Record{Types: []pgtype.Type{pgtype.Int4}, Values: []pgtype.Datum{nil}},
				pgtype.Record{Types: []pgtype.Type{recType}, Values: []pgtype.Datum{pgtype.Record{Types: []pgtype.Type{text}, Values: []pgtype.Datum{""}}}}}}},
	}
	rec := recType
	for _, style := range []string{"ISO, MDY", "German, DMY"} {
		if _, err := pgc.Exec(ctx, "SET DateStyle = '"+style+"'").ReadAll(); err != nil {
			t.Fatal(err)
		}
		s := pgtype.DefaultSettings()
		s.DateStyle = style
		for _, c := range cases {
			for _, format := range []int16{pgtype.TextFormat, pgtype.BinaryFormat} {
				res := pgc.ExecParams(ctx, "SELECT "+c.sql, nil, nil, nil, []int16{format}).Read()
				want := askPG(res)
				if want.code != "" {
					t.Fatalf("%s: PostgreSQL failed: %s %s", c.sql, want.code, want.msg)
				}
				if oid := res.FieldDescriptions[0].DataTypeOID; oid != uint32(pgtype.RecordOID) {
					t.Fatalf("%s: PostgreSQL's type is %d, not record", c.sql, oid)
				}
				var got []byte
				var err error
				if format == pgtype.TextFormat {
					got, err = pgtype.AppendText(nil, rec, c.rec, s)
				} else {
					got, err = pgtype.AppendBinary(nil, rec, c.rec)
				}
				if err != nil || !bytes.Equal(got, want.value) {
					t.Errorf("%s [%s] format %d:\n sluice   %q (%v)\n postgres %q", c.sql, style, format, got, err, want.value)
				}
				if arrowGot, ok := viaArrow(t, rec, c.rec, format, s); !ok || !bytes.Equal(arrowGot, want.value) {
					t.Errorf("%s [%s] format %d via Arrow:\n sluice   %q\n postgres %q", c.sql, style, format, arrowGot, want.value)
				}
			}
		}
	}
}
