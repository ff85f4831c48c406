package gateway

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestTempTablesExtendedParamsMatchPostgres runs INSERT with $n parameters
// through the extended protocol, as drivers send it (parameter types left
// to the server, text and binary values), and compares every message with
// PostgreSQL's.
func TestTempTablesExtendedParamsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
	or := connectPG(t, pg.Get(t).DSN()+"&application_name=oracle&TimeZone=UTC")
	for _, c := range []*pgconn.PgConn{sl, or} {
		render(ctx, c, `CREATE TEMP TABLE tp (id integer, name text, amount numeric(10,2), day date)`)
	}
	int4 := func(v int32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	steps := [][]pgproto3.FrontendMessage{
		// Types from the target columns; Describe shows them.
		{&pgproto3.Parse{Name: "ins", Query: `INSERT INTO tp VALUES ($1, $2, $3, $4)`},
			&pgproto3.Describe{ObjectType: 'S', Name: "ins"}, &pgproto3.Sync{}},
		{&pgproto3.Bind{PreparedStatement: "ins", Parameters: [][]byte{[]byte("1"), []byte("a"), []byte("1.50"), []byte("2024-01-02")}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{}},
		// Binary integers decode as the column's type.
		{&pgproto3.Bind{PreparedStatement: "ins", ParameterFormatCodes: []int16{1, 0, 0, 0},
			Parameters: [][]byte{int4(2), []byte("b"), nil, nil}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
		// Again, the same statement.
		{&pgproto3.Bind{PreparedStatement: "ins", Parameters: [][]byte{[]byte("3"), nil, []byte("7"), nil}},
			&pgproto3.Execute{}, &pgproto3.Sync{}},
		// Named columns, a declared type, an expression over a parameter.
		{&pgproto3.Parse{Query: `INSERT INTO tp (name, id) VALUES ($1, $2 + 10)`, ParameterOIDs: []uint32{25}},
			&pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("c"), []byte("4")}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
		// Several rows.
		{&pgproto3.Parse{Query: `INSERT INTO tp (id, day) VALUES ($1, $2), ($3, NULL)`},
			&pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("5"), []byte("2024-03-04"), []byte("6")}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
		// A bad value is the column type's input error.
		{&pgproto3.Bind{PreparedStatement: "ins", Parameters: [][]byte{[]byte("x"), nil, nil, nil}},
			&pgproto3.Execute{}, &pgproto3.Sync{}},
		{&pgproto3.Query{String: `SELECT * FROM tp ORDER BY id`}},
		// Into a table that does not exist: Parse fails.
		{&pgproto3.Parse{Query: `INSERT INTO nosuch VALUES ($1)`}, &pgproto3.Sync{}},
		// Tableau's filter table: created, filled row by row through one
		// prepared INSERT, read, dropped.
		{&pgproto3.Query{String: `CREATE LOCAL TEMPORARY TABLE "#Tableau_7_1_Filter" ("name" TEXT, "name__alias__0" BIGINT) ON COMMIT PRESERVE ROWS`}},
		{&pgproto3.Parse{Name: "tab", Query: `INSERT INTO "#Tableau_7_1_Filter" ("name", "name__alias__0") VALUES ($1, $2)`},
			&pgproto3.Describe{ObjectType: 'S', Name: "tab"}, &pgproto3.Sync{}},
		{&pgproto3.Bind{PreparedStatement: "tab", Parameters: [][]byte{[]byte("a"), []byte("1")}}, &pgproto3.Execute{},
			&pgproto3.Bind{PreparedStatement: "tab", ParameterFormatCodes: []int16{0, 1},
				Parameters: [][]byte{[]byte("b"), {0, 0, 0, 0, 0, 0, 0, 2}}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
		{&pgproto3.Query{String: `SELECT tp.id, f."name__alias__0" FROM tp JOIN "#Tableau_7_1_Filter" f ON tp.name = f."name" ORDER BY 1`}},
		{&pgproto3.Query{String: `DROP TABLE "#Tableau_7_1_Filter"`}},
		{&pgproto3.Bind{PreparedStatement: "tab", Parameters: [][]byte{[]byte("c"), []byte("3")}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
	}
	for _, msgs := range steps {
		got, want := exchange(ctx, t, sl, msgs...), exchange(ctx, t, or, msgs...)
		if g, w := stringsJoin(got), stringsJoin(want); g != w {
			t.Errorf("%T...\n  sluice:   %s\n  postgres: %s", msgs[0], g, w)
		}
	}
}

func stringsJoin(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " | "
		}
		out += x
	}
	return out
}
