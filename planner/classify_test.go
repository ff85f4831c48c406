package planner

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		sql  string
		want Statement
	}{
		{"SET extra_float_digits = 3", &SetVar{Name: "extra_float_digits", Values: []string{"3"}}},
		{"SET application_name = 'PostgreSQL JDBC Driver'", &SetVar{Name: "application_name", Values: []string{"PostgreSQL JDBC Driver"}}},
		{"set search_path to gold, public", &SetVar{Name: "search_path", Values: []string{"gold", "public"}}},
		{"SET LOCAL statement_timeout TO DEFAULT", &SetVar{Name: "statement_timeout", Local: true, Default: true}},
		{"SET TIME ZONE 'Europe/Paris'", &SetVar{Name: "timezone", Values: []string{"Europe/Paris"}}},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
			&SetVar{Name: "session characteristics", Values: []string{"transaction_isolation=read committed"}}},
		{"RESET ALL", &ResetVar{All: true}},
		{"reset DateStyle", &ResetVar{Name: "datestyle"}},
		{"SHOW TRANSACTION ISOLATION LEVEL", &ShowVar{Name: "transaction_isolation"}},
		{"show all", &ShowVar{Name: "all", All: true}},
		{"begin isolation level repeatable read read only", &Transaction{Kind: TxBegin,
			Options: map[string]string{"transaction_isolation": "repeatable read", "transaction_read_only": "on"}}},
		{"COMMIT", &Transaction{Kind: TxCommit}},
		{"END", &Transaction{Kind: TxCommit}},
		{"ABORT", &Transaction{Kind: TxRollback}},
		{"SAVEPOINT _per_query_svp_", &Transaction{Kind: TxSavepoint, Savepoint: "_per_query_svp_"}},
		{"RELEASE _per_query_svp_", &Transaction{Kind: TxRelease, Savepoint: "_per_query_svp_"}},
		{"ROLLBACK TO SAVEPOINT s1", &Transaction{Kind: TxRollbackTo, Savepoint: "s1"}},
		{`FETCH FORWARD 99 FROM "c_7f20fdb0c210_1"`, &Fetch{Name: "c_7f20fdb0c210_1", Count: 99}},
		{`fetch 2048 in "SQL_CUR0x1"`, &Fetch{Name: "SQL_CUR0x1", Count: 2048}},
		{"FETCH ALL FROM c", &Fetch{Name: "c", Count: -1}},
		{"FETCH -1 FROM c", &Fetch{Name: "c", Direction: FetchBackward, Count: 1}},
		{"FETCH BACKWARD -2 FROM c", &Fetch{Name: "c", Direction: FetchForward, Count: 2}},
		{"FETCH ABSOLUTE -1 FROM c", &Fetch{Name: "c", Direction: FetchAbsolute, Count: -1}},
		{"SET TIME ZONE INTERVAL '-08:30' HOUR TO MINUTE", &SetVar{Name: "timezone", Values: []string{"-8.5"}}},
		{"MOVE BACKWARD 3 IN c", &Fetch{Name: "c", Move: true, Direction: FetchBackward, Count: 3}},
		{"CLOSE ALL", &ClosePortal{All: true}},
		{`close "SQL_CUR0x1"`, &ClosePortal{Name: "SQL_CUR0x1"}},
		{"DEALLOCATE q1", &Deallocate{Name: "q1"}},
		{"DEALLOCATE ALL", &Deallocate{All: true}},
		{"DISCARD ALL", &Discard{What: "ALL"}},
		{"EXECUTE q1(42, 'x', NULL, -1.5)", &Execute{Name: "q1", Params: []*string{ptr("42"), ptr("x"), nil, ptr("-1.5")}}},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			stmts, err := p.Parse(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if len(stmts) != 1 {
				t.Fatalf("got %d statements", len(stmts))
			}
			got := stmts[0]
			// Compare all but the text and tag, checked elsewhere.
			*tt.want.(interface{ baseRef() *stmtBase }).baseRef() = *got.(interface{ baseRef() *stmtBase }).baseRef()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestClassifyCursorsAndCopy(t *testing.T) {
	p := New()
	stmts, err := p.Parse(`BEGIN;declare "SQL_CUR0x55" cursor with hold for SELECT * FROM gold.orders;fetch 2048 in "SQL_CUR0x55"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 {
		t.Fatalf("got %d statements", len(stmts))
	}
	d, ok := stmts[1].(*DeclareCursor)
	if !ok || d.Name != "SQL_CUR0x55" || !d.Hold || d.Binary || d.Query == nil {
		t.Fatalf("declare: %#v", stmts[1])
	}
	if d.Query.SQL() != `declare "SQL_CUR0x55" cursor with hold for SELECT * FROM gold.orders` {
		t.Fatalf("declare text: %q", d.Query.SQL())
	}
	if got := stmts[2].Tag(); got != "FETCH" {
		t.Fatalf("tag %q", got)
	}

	stmts, err = p.Parse(`COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';', FORCE_QUOTE *)`)
	if err != nil {
		t.Fatal(err)
	}
	c := stmts[0].(*Copy)
	if !c.CSV || !c.Header || c.Delimiter != ";" || !c.ForceQuoteAll || c.Query == nil {
		t.Fatalf("copy: %#v", c)
	}
	stmts, err = p.Parse(`COPY gold.orders (order_id, status) TO STDOUT`)
	if err != nil {
		t.Fatal(err)
	}
	if c := stmts[0].(*Copy); c.CSV || c.Query.SQL() != "SELECT order_id, status FROM gold.orders" {
		t.Fatalf("copy table: %#v %q", c, c.Query.SQL())
	}

	stmts, err = p.Parse(`PREPARE q1(int, text) AS SELECT $1, $2`)
	if err != nil {
		t.Fatal(err)
	}
	pr := stmts[0].(*Prepare)
	if pr.Name != "q1" || !reflect.DeepEqual(pr.ParamTypes, []pgtype.Type{pgtype.Int4, pgtype.Text}) {
		t.Fatalf("prepare: %#v", pr)
	}
	if q, ok := pr.Body.(*Query); !ok || q.ParamCount != 2 {
		t.Fatalf("prepare body: %#v", pr.Body)
	}
}

func TestRefusedStatements(t *testing.T) {
	tests := map[string]string{
		"CREATE TABLE t (a int)":                         "CREATE TABLE",
		"CREATE TABLE t AS SELECT 1":                     "CREATE TABLE AS",
		"INSERT INTO gold.orders VALUES (1) RETURNING *": "INSERT",
		"UPDATE gold.orders SET status = 'x'":            "UPDATE",
		"DELETE FROM gold.orders":                        "DELETE",
		"DROP TABLE gold.orders CASCADE":                 "DROP TABLE",
		"DROP VIEW v":                                    "DROP VIEW",
		"TRUNCATE gold.orders":                           "TRUNCATE TABLE",
		"COPY gold.orders FROM STDIN":                    "COPY",
		"CREATE VIEW v AS SELECT 1":                      "CREATE VIEW",
	}
	p := New()
	for sql, tag := range tests {
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		u, ok := stmts[0].(*Unsupported)
		if !ok {
			t.Fatalf("%s: got %T", sql, stmts[0])
		}
		if u.Code != pgerr.ReadOnlySQLTransaction || u.Tag() != tag {
			t.Fatalf("%s: code %s tag %q", sql, u.Code, u.Tag())
		}
	}
}

// TestTempTableStatements: the writes a temporary table takes are
// classified for the gateway, which refuses them on lake tables (INSERT,
// DROP) and runs them on the session's temporary tables.
func TestTempTableStatements(t *testing.T) {
	p := New()
	parse1 := func(sql string) Statement {
		t.Helper()
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return stmts[0]
	}
	c, ok := parse1("CREATE LOCAL TEMPORARY TABLE x (a int, b numeric(12,2)) ON COMMIT PRESERVE ROWS").(*CreateTemp)
	if !ok || c.Name != "x" || len(c.Columns) != 2 || c.Columns[1].Type.String() != "numeric(12,2)" || c.Tag() != "CREATE TABLE" {
		t.Fatalf("CREATE TEMP TABLE: %+v", c)
	}
	c, ok = parse1("CREATE TEMP TABLE y (k) AS SELECT 1").(*CreateTemp)
	if !ok || c.Query == nil || len(c.ColumnNames) != 1 || c.Tag() != "SELECT" {
		t.Fatalf("CREATE TEMP TABLE AS: %+v", c)
	}
	i, ok := parse1("INSERT INTO gold.orders (a, b) VALUES (1, 2)").(*InsertTemp)
	if !ok || i.Schema != "gold" || i.Name != "orders" || len(i.Columns) != 2 {
		t.Fatalf("INSERT: %+v", i)
	}
	d, ok := parse1("DROP TABLE IF EXISTS a, pg_temp.b").(*DropTables)
	if !ok || !d.IfExists || len(d.Names) != 2 || d.Names[1] != [2]string{"pg_temp", "b"} {
		t.Fatalf("DROP TABLE: %+v", d)
	}
	for sql, code := range map[string]string{
		"CREATE TEMP TABLE x (a int) ON COMMIT DROP": pgerr.FeatureNotSupported,
		"CREATE TEMP TABLE x (a int PRIMARY KEY)":    pgerr.FeatureNotSupported,
		"CREATE TEMP TABLE gold.x (a int)":           "42P16",
		"CREATE TEMP TABLE x (a int, a text)":        "42701",
		"CREATE TEMP TABLE x (a nosuchtype)":         pgerr.UndefinedObject,
	} {
		_, err := p.Parse(sql)
		if e := pgerr.Convert(err); err == nil || e.Code != code {
			t.Errorf("%s: got %v, want %s", sql, err, code)
		}
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := New().Parse("SELECT 1 FROM WHERE")
	e := pgerr.Convert(err)
	if e.Code != pgerr.SyntaxError || e.Position != 15 || e.Message != `syntax error at or near "WHERE"` {
		t.Fatalf("got %+v", e)
	}
	stmts, err := New().Parse("")
	if err != nil || len(stmts) != 0 {
		t.Fatalf("empty: %v %v", stmts, err)
	}
	stmts, err = New().Parse(" ; ;")
	if err != nil || len(stmts) != 0 {
		t.Fatalf("semicolons: %v %v", stmts, err)
	}
}

// TestCorpusParses parses every statement real clients sent to PostgreSQL:
// PostgreSQL's own grammar must accept all of them.
func TestCorpusParses(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "shared", "corpus", "pg-clients.jsonl"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	defer f.Close()
	p := New()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			SQL string `json:"sql"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Parse(rec.SQL); err != nil {
			t.Errorf("%q: %v", rec.SQL, err)
		}
		n++
	}
	if n < 200 {
		t.Fatalf("read only %d statements", n)
	}
}
