package pgtype_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestOracleVectorColumns encodes int2vector and oidvector columns held as
// Arrow lists (as the catalog serves pg_index.indkey and indclass), sliced
// and with NULLs, and compares every row with PostgreSQL's text and binary
// of the same value; the types' infos agree with PostgreSQL's pg_type.
func TestOracleVectorColumns(t *testing.T) {
	ctx := context.Background()
	conn := connect(ctx, t)
	c := conn.PgConn()
	s := pgtype.DefaultSettings()
	for _, tc := range []struct {
		typ    pgtype.Type
		values []string
	}{
		{pgtype.Type{OID: pgtype.Int2VectorOID, Typmod: -1}, []string{"1", "1 2 3", "", "-32768 32767", "3 1"}},
		{pgtype.Type{OID: pgtype.OIDVectorOID, Typmod: -1}, []string{"23 25", "", "4294967295 0", "1700"}},
	} {
		name := tc.typ.String()
		var typname, category string
		var elem, oid uint32
		if err := conn.QueryRow(ctx, "SELECT oid, typname, typcategory, typelem FROM pg_type WHERE typname = $1", name).Scan(&oid, &typname, &category, &elem); err != nil {
			t.Fatalf("%s in pg_type: %v", name, err)
		}
		info, ok := pgtype.Lookup(tc.typ.OID)
		if !ok || oid != tc.typ.OID || info.Name != typname || string(info.Category) != category || info.Elem != elem {
			t.Errorf("%s: sluice %+v, PostgreSQL oid %d typname %s typcategory %s typelem %d", name, info, oid, typname, category, elem)
		}
		b := array.NewBuilder(memory.DefaultAllocator, tc.typ.ArrowType())
		b.AppendNull()
		for _, v := range tc.values {
			d, err := pgtype.Decode(tc.typ, pgtype.TextFormat, []byte(v), s)
			if err != nil {
				t.Fatalf("%s %q: %v", name, v, err)
			}
			if err := pgtype.AppendDatum(b, tc.typ, d); err != nil {
				t.Fatalf("%s %q: %v", name, v, err)
			}
			b.AppendNull()
		}
		full := b.NewArray()
		b.Release()
		sliced := array.NewSlice(full, 1, int64(full.Len())) // drops the first NULL
		for _, format := range []int16{pgtype.TextFormat, pgtype.BinaryFormat} {
			enc, err := pgtype.NewEncoder(tc.typ, sliced, format, s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for row := 0; row < sliced.Len(); row += 2 {
				lit := tc.values[row/2]
				want := askPG(c.ExecParams(ctx, fmt.Sprintf("SELECT %s::%s", quoteLiteral(lit), name), nil, nil, nil, []int16{format}).Read())
				if want.code != "" {
					t.Fatalf("%s %q on PostgreSQL: %s %s", name, lit, want.code, want.msg)
				}
				if got := enc(nil, row); !bytes.Equal(got, want.value) {
					t.Errorf("%s format %d row %d (%q): pg %q, sluice %q", name, format, row, lit, want.value, got)
				}
				// The Datum of the row writes the same bytes.
				d := pgtype.DatumAt(tc.typ, sliced, row)
				var again []byte
				if format == pgtype.TextFormat {
					again, err = pgtype.AppendText(nil, tc.typ, d, s)
				} else {
					again, err = pgtype.AppendBinary(nil, tc.typ, d)
				}
				if err != nil || !bytes.Equal(again, want.value) {
					t.Errorf("%s format %d of the row's Datum (%q): pg %q, sluice %q (%v)", name, format, lit, want.value, again, err)
				}
			}
		}
		sliced.Release()
		full.Release()
	}
}
