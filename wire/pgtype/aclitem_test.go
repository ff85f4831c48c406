package pgtype_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestACLItemMatchesPostgres reads aclitem literals with ParseACLItem and
// prints them back, and has PostgreSQL's aclitemin/aclitemout do the same:
// the text, or the SQLSTATE and message, must agree. Roles named are ones
// every PostgreSQL has (postgres is the oracle's bootstrap superuser).
func TestACLItemMatchesPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := connect(ctx, t)
	inputs := []string{
		`postgres=arwdDxt/postgres`,
		`=r/postgres`,
		`=U/pg_database_owner`,
		`pg_database_owner=UC/pg_database_owner`,
		`postgres=tDdwra/postgres`, // printed in canonical order
		`postgres=r*w*a/postgres`,
		`postgres=*r/postgres`, // a * before any letter grants nothing
		`  postgres = r / postgres  `,
		`"postgres"=r/"postgres"`,
		`user postgres=r/postgres`,
		`group pg_read_all_data=r/postgres`,
		`postgres=XUCTcsA/postgres`,
		`postgres=/postgres`,
		`postgres=rq/postgres`,
		`postgres r/postgres`,
		`postgres`,
		`postgres=r/`,
		`postgres=r/postgres x`,
		`"pg_read_all_data=r/postgres`,
		`pg_read_all_data=r/postgres`,
	}
	for _, in := range inputs {
		var want string
		var pgErr *pgconn.PgError
		err := conn.QueryRow(ctx, `SELECT $1::text::aclitem::text`, in).Scan(&want)
		if errors.As(err, &pgErr) {
			want = "ERROR " + pgErr.Code + " " + pgErr.Message
		} else if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var got string
		a, perr := pgtype.ParseACLItem(in)
		var e *pgerr.Error
		switch {
		case errors.As(perr, &e):
			got = "ERROR " + e.Code + " " + e.Message
		case perr != nil:
			t.Fatalf("%q: %v", in, perr)
		default:
			got = a.String()
		}
		if got != want {
			t.Errorf("%q\n  sluice:   %s\n  postgres: %s", in, got, want)
		}
	}
}

// TestACLItemArrayEncodesAsPostgres sends aclitem[] values as the catalog
// serves them (a List of String) and compares the text with PostgreSQL's
// output of the same array, quoting included.
func TestACLItemArrayEncodesAsPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := connect(ctx, t)
	items := [][]string{
		{"postgres=arwdDxt/postgres", "=r/postgres"},
		{"pg_database_owner=UC/pg_database_owner", "=U/pg_database_owner"},
		{"postgres=r*/postgres"},
		{},
	}
	lb := array.NewListBuilder(memory.DefaultAllocator, arrow.BinaryTypes.String)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, row := range items {
		lb.Append(true)
		for _, v := range row {
			vb.Append(v)
		}
	}
	arr := lb.NewArray()
	defer arr.Release()
	if !arrow.TypeEqual(arr.DataType(), pgtype.AclitemArray.ArrowType()) {
		t.Fatalf("aclitem[] travels as %s, the catalog builds %s", pgtype.AclitemArray.ArrowType(), arr.DataType())
	}
	enc, err := pgtype.NewEncoder(pgtype.AclitemArray, arr, pgtype.TextFormat, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range items {
		var want string
		if err := conn.QueryRow(ctx, `SELECT $1::text[]::aclitem[]::text`, row).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := string(enc(nil, i)); got != want {
			t.Errorf("%q: sluice %s, postgres %s", row, got, want)
		}
	}
	var oid, arrOID uint32
	if err := conn.QueryRow(ctx, `SELECT 'aclitem'::regtype::oid, '_aclitem'::regtype::oid`).Scan(&oid, &arrOID); err != nil {
		t.Fatal(err)
	}
	if oid != pgtype.AclitemOID || arrOID != pgtype.AclitemArrayOID {
		t.Errorf("PostgreSQL's aclitem OIDs are %d/%d, sluice's %d/%d", oid, arrOID, pgtype.AclitemOID, pgtype.AclitemArrayOID)
	}
	if info, ok := pgtype.Lookup(pgtype.AclitemArrayOID); !ok || info.Elem != pgtype.AclitemOID {
		t.Errorf("aclitem[] lookup: %+v %v", info, ok)
	}
}
