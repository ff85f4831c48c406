package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

const tenRows = "VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h'), (9, 'i'), (10, 'j')"

// TestCursorsMatchPostgres compares DECLARE/FETCH/MOVE/CLOSE with
// PostgreSQL 15: every direction on SCROLL cursors, the forward-only rules
// of NO SCROLL ones, WITH HOLD across COMMIT, and what transaction ends and
// savepoint rollbacks close.
func TestCursorsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{
		{"scroll directions", []string{
			"BEGIN", "DECLARE c SCROLL CURSOR FOR " + tenRows,
			"FETCH 3 FROM c", "FETCH NEXT FROM c", "FETCH PRIOR FROM c", "FETCH FIRST FROM c", "FETCH LAST FROM c",
			"FETCH ABSOLUTE 4 FROM c", "FETCH RELATIVE -2 FROM c", "FETCH RELATIVE 0 FROM c", "FETCH RELATIVE 3 FROM c",
			"FETCH FORWARD ALL FROM c", "FETCH NEXT FROM c", "FETCH BACKWARD 3 FROM c", "FETCH BACKWARD ALL FROM c",
			"FETCH PRIOR FROM c", "FETCH ABSOLUTE -3 FROM c", "FETCH ABSOLUTE 0 FROM c", "FETCH 0 FROM c",
			"FETCH ABSOLUTE 9 FROM c", "FETCH ABSOLUTE 2 FROM c", "FETCH ABSOLUTE 20 FROM c", "FETCH PRIOR FROM c",
			"FETCH ABSOLUTE -20 FROM c", "FETCH NEXT FROM c", "FETCH 0 FROM c", "FETCH FORWARD 0 FROM c",
			"FETCH BACKWARD 0 FROM c", "FETCH c", "FETCH IN c", "FETCH 100 IN c", "FETCH BACKWARD 100 FROM c", "ROLLBACK",
		}},
		{"scroll moves", []string{
			"BEGIN", "DECLARE c SCROLL CURSOR FOR " + tenRows,
			"MOVE 5 IN c", "FETCH NEXT FROM c", "MOVE BACKWARD ALL IN c", "FETCH NEXT FROM c", "MOVE RELATIVE 0 IN c",
			"MOVE ABSOLUTE 20 IN c", "MOVE RELATIVE 0 IN c", "FETCH PRIOR FROM c", "MOVE FORWARD ALL IN c", "MOVE BACKWARD 2 IN c",
			"FETCH RELATIVE 0 FROM c", "MOVE LAST IN c", "MOVE FIRST IN c", "MOVE ABSOLUTE -1 IN c", "MOVE 0 IN c",
			"MOVE ABSOLUTE 0 IN c", "MOVE 0 IN c", "MOVE BACKWARD 1 IN c", "CLOSE c", "FETCH c", "ROLLBACK",
		}},
		{"no scroll", []string{
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows,
			"FETCH FORWARD 0 FROM c", "MOVE ABSOLUTE 0 IN c", "FETCH ABSOLUTE 1 FROM c", "FETCH 2 FROM c", "FETCH ABSOLUTE 6 FROM c",
			"FETCH RELATIVE 2 FROM c", "MOVE 1 IN c", "FETCH ABSOLUTE 1 FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "FETCH 1 FROM c", "FETCH 0 FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "FETCH ALL FROM c", "FETCH NEXT FROM c", "FETCH PRIOR FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "MOVE 3 IN c", "FETCH RELATIVE -1 FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "FETCH LAST FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "FETCH ABSOLUTE 3 FROM c", "FETCH ABSOLUTE 3 FROM c", "ROLLBACK",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "MOVE BACKWARD ALL IN c", "ROLLBACK",
		}},
		{"hold", []string{
			"DECLARE h NO SCROLL CURSOR WITH HOLD FOR " + tenRows, "FETCH 2 FROM h",
			"BEGIN", "FETCH 2 FROM h", "COMMIT", "FETCH 2 FROM h",
			"BEGIN", "FETCH 2 FROM h", "ROLLBACK", "FETCH ALL FROM h", "FETCH h", "CLOSE h", "CLOSE h",
			"BEGIN", "DECLARE h2 CURSOR WITH HOLD FOR " + tenRows, "FETCH 1 FROM h2", "COMMIT", "FETCH 1 FROM h2", "CLOSE h2",
			"BEGIN", "DECLARE h3 CURSOR WITH HOLD FOR " + tenRows, "ROLLBACK", "FETCH h3",
			"BEGIN", "DECLARE h4 CURSOR WITH HOLD FOR " + tenRows, "SELECT 1/0", "ROLLBACK", "FETCH h4",
			"DECLARE s SCROLL CURSOR WITH HOLD FOR " + tenRows, "FETCH LAST FROM s", "FETCH PRIOR FROM s", "CLOSE s",
		}},
		{"lifetimes", []string{
			"DECLARE c CURSOR FOR SELECT 1", "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
			"BEGIN", "DECLARE c CURSOR FOR " + tenRows, "COMMIT", "FETCH c",
			"BEGIN", "DECLARE c CURSOR FOR " + tenRows, "DECLARE c CURSOR FOR SELECT 1", "ROLLBACK",
			"BEGIN", "DECLARE a NO SCROLL CURSOR FOR " + tenRows, "SAVEPOINT s", "DECLARE b NO SCROLL CURSOR FOR " + tenRows,
			"FETCH 1 FROM a", "ROLLBACK TO s", "FETCH 1 FROM a", "FETCH 1 FROM b", "FETCH 1 FROM a", "COMMIT",
			"BEGIN", "DECLARE a CURSOR FOR SELECT 1", "DECLARE b CURSOR FOR SELECT 2", "CLOSE ALL", "FETCH a", "ROLLBACK",
			"CLOSE nope", "FETCH nope", "MOVE nope", "CLOSE ALL",
			"DECLARE c CURSOR FOR SELECT 1; FETCH c", "FETCH c",
			"BEGIN", "DECLARE c NO SCROLL CURSOR FOR " + tenRows, "FETCH 2 FROM c", "SELECT 1/0", "FETCH c", "ROLLBACK",
		}},
		{"binary", []string{
			"BEGIN", "DECLARE b BINARY NO SCROLL CURSOR FOR SELECT 1::int4, 'x'::text, 2::int8", "FETCH ALL FROM b", "ROLLBACK",
		}},
		{"psqlodbc", []string{
			`BEGIN;declare "SQL_CUR0x1" cursor with hold for ` + tenRows + `;fetch 4 in "SQL_CUR0x1"`,
			`fetch 4 in "SQL_CUR0x1"`, `fetch 4 in "SQL_CUR0x1"`, `fetch 4 in "SQL_CUR0x1"`,
			`close "SQL_CUR0x1";commit`,
		}},
		{"psycopg2 named cursor", []string{
			"BEGIN", `DECLARE "c_7f20fdb0c210_1" CURSOR WITHOUT HOLD FOR ` + tenRows,
			`FETCH FORWARD 1 FROM "c_7f20fdb0c210_1"`, `FETCH FORWARD 99 FROM "c_7f20fdb0c210_1"`,
			`CLOSE "c_7f20fdb0c210_1"`, "ROLLBACK",
		}},
	})
}

// TestPreparedMatchPostgres compares SQL PREPARE/EXECUTE/DEALLOCATE.
func TestPreparedMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{
		{"prepare execute", []string{
			"PREPARE q1(int) AS SELECT $1 + 1", "EXECUTE q1(41)", "EXECUTE q1", "EXECUTE q1(1, 2)", "EXECUTE nope(1)",
			"PREPARE q1 AS SELECT 1", "EXECUTE q1('x')", "EXECUTE q1(NULL)",
			"PREPARE q2(text, int) AS SELECT $1 || 'x', $2 * 2", "EXECUTE q2('a', 3)", "EXECUTE q2('b', -4)",
			"DEALLOCATE q1", "DEALLOCATE q1", "DEALLOCATE PREPARE q2", "EXECUTE q2('a', 3)",
			"PREPARE a AS SELECT 1", "PREPARE b AS SELECT 2", "DEALLOCATE ALL", "EXECUTE a",
			"PREPARE v AS VALUES (1), (2)", "EXECUTE v", "BEGIN", "PREPARE inner_tx AS SELECT 3", "ROLLBACK", "EXECUTE inner_tx",
			"PREPARE c(int) AS SELECT $1 / 0", "EXECUTE c(1)",
		}},
	})
}

// TestExtendedProtocolMatchesPostgres sends the same extended-protocol
// messages to Sluice and PostgreSQL and compares every answer.
func TestExtendedProtocolMatchesPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	five := "VALUES (1), (2), (3), (4), (5)"
	type flow struct {
		name string
		msgs []pgproto3.FrontendMessage
	}
	text := func(s string) []byte { return []byte(s) }
	flows := []flow{
		{"max rows in a block", []pgproto3.FrontendMessage{
			&pgproto3.Query{String: "BEGIN"},
			&pgproto3.Parse{Query: five}, &pgproto3.Bind{DestinationPortal: "p"}, &pgproto3.Describe{ObjectType: 'P', Name: "p"},
			&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{},
			&pgproto3.Query{String: "COMMIT"},
		}},
		{"exact max rows suspends", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: five}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 5}, &pgproto3.Execute{MaxRows: 5}, &pgproto3.Sync{},
		}},
		{"portal dies at implicit commit", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: five}, &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"},
			&pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"}, &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"}, &pgproto3.Sync{},
		}},
		{"describe and parameters", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "SELECT $1::int4 + $2, $3::text"}, &pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{text("40"), text("2"), nil}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 7}, {0, 0, 0, 8}, text("t")},
				ResultFormatCodes: []int16{1}},
			&pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{text("x"), text("2"), nil}}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{text("1")}}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{0, 0}, Parameters: [][]byte{text("1"), text("1"), nil}}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{text("1"), text("1"), nil}, ResultFormatCodes: []int16{0, 0, 0}}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{text("1"), text("1"), nil}, ResultFormatCodes: []int16{0, 1}},
			&pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{"statement names", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: "SELECT 1"}, &pgproto3.Parse{Name: "s", Query: "SELECT 2"}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "s"}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Query{String: "EXECUTE s"}, &pgproto3.Query{String: "PREPARE s AS SELECT 3"},
			&pgproto3.Query{String: "PREPARE t AS SELECT 4"}, &pgproto3.Parse{Name: "t", Query: "SELECT 5"}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "t"}, &pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'S', Name: "t"}, &pgproto3.Sync{},
			&pgproto3.Query{String: "EXECUTE t"}, &pgproto3.Close{ObjectType: 'S', Name: "never"}, &pgproto3.Close{ObjectType: 'P', Name: "never"}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELECT 1; SELECT 2"}, &pgproto3.Sync{},
			&pgproto3.Describe{ObjectType: 'S', Name: "gone"}, &pgproto3.Sync{}, &pgproto3.Describe{ObjectType: 'P', Name: "gone"}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "gone"}, &pgproto3.Sync{},
		}},
		{"errors skip to sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT $1::int4"}, &pgproto3.Bind{Parameters: [][]byte{text("x")}}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "SELECT 2"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELEC 2"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELECT 3"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{"transactions", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELECT $1::int4"}, &pgproto3.Bind{Parameters: [][]byte{text("x")}}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELECT 1"}, &pgproto3.Sync{}, &pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Sync{},
			&pgproto3.Parse{Name: "x", Query: "ROLLBACK"}, &pgproto3.Bind{PreparedStatement: "x"}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SET application_name = 'ext'"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "SELECT $1::int4"}, &pgproto3.Bind{Parameters: [][]byte{text("x")}}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Query{String: "SHOW application_name"},
			&pgproto3.Parse{Query: "DECLARE c CURSOR FOR SELECT 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "COMMIT"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{"pgjdbc", []pgproto3.FrontendMessage{
			// Connection setup, isValid() (an empty query), a named
			// statement after five executions, BEGIN/COMMIT as statements.
			&pgproto3.Parse{Query: "SET extra_float_digits = 3"}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SET application_name = 'PostgreSQL JDBC Driver'"}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Parse{Name: "S_1", Query: "SELECT $1::int4 * 2", ParameterOIDs: []uint32{23}},
			&pgproto3.Describe{ObjectType: 'S', Name: "S_1"}, &pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "S_1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 21}}, ResultFormatCodes: []int16{1}},
			&pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "COMMIT"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SHOW TRANSACTION ISOLATION LEVEL"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{}, &pgproto3.Sync{},
		}},
		{"utility statements", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SHOW TRANSACTION ISOLATION LEVEL"}, &pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "SET extra_float_digits = 3"}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{},
			&pgproto3.Execute{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: ""}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Query{String: "BEGIN; DECLARE c NO SCROLL CURSOR FOR " + five},
			&pgproto3.Parse{Query: "FETCH 2 FROM c"}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Bind{DestinationPortal: "c"}, &pgproto3.Sync{},
			&pgproto3.Execute{Portal: "c", MaxRows: 1}, &pgproto3.Sync{},
			&pgproto3.Query{String: "ROLLBACK"},
			&pgproto3.Parse{Name: "pq", Query: "PREPARE inner_q(int) AS SELECT $1 * 10"}, &pgproto3.Bind{PreparedStatement: "pq"},
			&pgproto3.Execute{}, &pgproto3.Parse{Query: "EXECUTE inner_q(4)"}, &pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}},
	}
	ctx := testCtx(t)
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
			or := connectPG(t, oracleDSN(t))
			// One exchange per Sync or Query, so a difference shows where it is.
			var batch []pgproto3.FrontendMessage
			for _, m := range f.msgs {
				batch = append(batch, m)
				_, isSync := m.(*pgproto3.Sync)
				_, isQuery := m.(*pgproto3.Query)
				if !isSync && !isQuery {
					continue
				}
				got := exchange(ctx, t, sl, batch...)
				want := exchange(ctx, t, or, batch...)
				if !equalStrings(got, want) {
					t.Errorf("%s\n  sluice:   %q\n  postgres: %q", describeBatch(batch), got, want)
				}
				batch = nil
			}
		})
	}
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

func describeBatch(msgs []pgproto3.FrontendMessage) string {
	var parts []string
	for _, m := range msgs {
		switch x := m.(type) {
		case *pgproto3.Query:
			parts = append(parts, fmt.Sprintf("Query(%q)", x.String))
		case *pgproto3.Parse:
			parts = append(parts, fmt.Sprintf("Parse(%q, %q)", x.Name, x.Query))
		case *pgproto3.Bind:
			parts = append(parts, fmt.Sprintf("Bind(%q <- %q)", x.DestinationPortal, x.PreparedStatement))
		case *pgproto3.Execute:
			parts = append(parts, fmt.Sprintf("Execute(%q, %d)", x.Portal, x.MaxRows))
		case *pgproto3.Describe:
			parts = append(parts, fmt.Sprintf("Describe(%c %q)", x.ObjectType, x.Name))
		case *pgproto3.Close:
			parts = append(parts, fmt.Sprintf("Close(%c %q)", x.ObjectType, x.Name))
		default:
			parts = append(parts, strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3."))
		}
	}
	return strings.Join(parts, " ")
}
