package gateway

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestRandomSessionsMatchPostgres runs random sequences of session
// statements (transactions, savepoints, settings, cursors, prepared
// statements, errors) against Sluice and PostgreSQL 15 and compares every
// answer. The sequences are fixed by the seed, so a failure reproduces.
func TestRandomSessionsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	pool := []string{
		"BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION READ ONLY", "COMMIT", "ROLLBACK", "END",
		"COMMIT AND CHAIN", "ROLLBACK AND CHAIN",
		"SAVEPOINT a", "SAVEPOINT b", "RELEASE a", "RELEASE SAVEPOINT b", "ROLLBACK TO a", "ROLLBACK TO SAVEPOINT b",
		"SELECT 1", "SELECT 1/0", "SELEC 1", "SELECT 1; SELECT 2", "SELECT 1; SELECT 1/0", "BEGIN; SELECT 1",
		"SET application_name = 'x'", "SET LOCAL application_name = 'y'", "RESET application_name", "SHOW application_name",
		"SET DateStyle = 'German'", "SET LOCAL DateStyle = 'SQL, YMD'", "SHOW DateStyle", "RESET ALL",
		"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation", "SET x.y = 'z'", "SHOW x.y",
		"DECLARE c NO SCROLL CURSOR FOR " + tenRows, "DECLARE c SCROLL CURSOR FOR " + tenRows,
		"DECLARE h NO SCROLL CURSOR WITH HOLD FOR " + tenRows, "DECLARE h SCROLL CURSOR WITH HOLD FOR " + tenRows,
		"FETCH 3 FROM c", "FETCH PRIOR FROM c", "FETCH ALL FROM c", "FETCH ABSOLUTE 2 FROM c", "MOVE 4 IN c", "FETCH RELATIVE 0 FROM c",
		"FETCH 3 FROM h", "FETCH BACKWARD 2 FROM h", "FETCH LAST FROM h", "MOVE BACKWARD ALL IN h", "FETCH 0 FROM h",
		"CLOSE c", "CLOSE h", "CLOSE ALL",
		"PREPARE p(int) AS SELECT $1 * 2", "EXECUTE p(21)", "EXECUTE p('x')", "DEALLOCATE p", "DEALLOCATE ALL",
		"DISCARD ALL", "SET statement_timeout = '1min'", "SHOW statement_timeout",
		"CREATE TABLE t (a int)", "SET no_such = 1", "", ";",
		"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW default_transaction_isolation",
		"BEGIN; DECLARE c NO SCROLL CURSOR FOR " + tenRows + "; FETCH 2 FROM c", "DECLARE c CURSOR FOR SELECT 1; FETCH c",
		"SET LOCAL statement_timeout = '2min'", "PREPARE q AS SELECT 1", "EXECUTE q", "COMMIT; SELECT 1", "SELECT 1; COMMIT",
		"SELECT 1; ROLLBACK; SELECT 2", "SAVEPOINT a; SELECT 1/0", "ROLLBACK TO a; SELECT 3", "DECLARE c SCROLL CURSOR WITH HOLD FOR " + tenRows,
		"FETCH ABSOLUTE -2 FROM c", "MOVE ABSOLUTE 0 IN h", "FETCH BACKWARD ALL FROM c",
	}
	rng := rand.New(rand.NewPCG(20261121, 2))
	var scripts []script
	for i := 0; i < 150; i++ {
		steps := make([]string, 12+rng.IntN(12))
		for j := range steps {
			steps[j] = pool[rng.IntN(len(pool))]
		}
		scripts = append(scripts, script{name: fmt.Sprintf("seq%02d", i), steps: steps})
	}
	compareScripts(t, ts, scripts)
}

// TestRandomExtendedMatchesPostgres does the same with extended-protocol
// messages: random Parse, Bind, Describe, Execute (with max_rows), Close,
// Sync and Query messages against both servers.
func TestRandomExtendedMatchesPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	five := "VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')"
	txt := func(s string) []byte { return []byte(s) }
	pool := []pgproto3.FrontendMessage{
		&pgproto3.Parse{Query: five}, &pgproto3.Parse{Name: "s", Query: five}, &pgproto3.Parse{Name: "s", Query: "SELECT 1"},
		&pgproto3.Parse{Query: "SELECT $1::int4 + 1"}, &pgproto3.Parse{Name: "pp", Query: "SELECT $1::text"},
		&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Parse{Query: "COMMIT"}, &pgproto3.Parse{Query: "ROLLBACK"},
		&pgproto3.Parse{Query: "SET application_name = 'e'"}, &pgproto3.Parse{Query: "SHOW application_name"},
		&pgproto3.Parse{Query: "SAVEPOINT a"}, &pgproto3.Parse{Query: "ROLLBACK TO a"}, &pgproto3.Parse{Query: ""},
		&pgproto3.Parse{Query: "SELEC 1"}, &pgproto3.Parse{Query: "FETCH 2 FROM c"},
		&pgproto3.Bind{}, &pgproto3.Bind{DestinationPortal: "p"}, &pgproto3.Bind{PreparedStatement: "s"},
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"}, &pgproto3.Bind{Parameters: [][]byte{txt("41")}},
		&pgproto3.Bind{Parameters: [][]byte{txt("x")}}, &pgproto3.Bind{PreparedStatement: "pp", Parameters: [][]byte{txt("hi")}},
		&pgproto3.Bind{PreparedStatement: "pp", Parameters: [][]byte{nil}, ResultFormatCodes: []int16{1}},
		&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Bind{DestinationPortal: "c"},
		&pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Describe{ObjectType: 'S', Name: "s"}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Describe{ObjectType: 'P', Name: "c"},
		&pgproto3.Execute{}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{Portal: "p"}, &pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Execute{Portal: "c", MaxRows: 1},
		&pgproto3.Close{ObjectType: 'S', Name: "s"}, &pgproto3.Close{ObjectType: 'P', Name: "p"}, &pgproto3.Close{ObjectType: 'P'},
		&pgproto3.Sync{}, &pgproto3.Sync{}, &pgproto3.Sync{},
		&pgproto3.Query{String: "BEGIN"}, &pgproto3.Query{String: "COMMIT"}, &pgproto3.Query{String: "SELECT 1/0"},
		&pgproto3.Query{String: "DECLARE c NO SCROLL CURSOR WITH HOLD FOR " + five}, &pgproto3.Query{String: "CLOSE ALL"},
		&pgproto3.Query{String: "PREPARE s AS SELECT 2"}, &pgproto3.Query{String: "DEALLOCATE ALL"},
	}
	rng := rand.New(rand.NewPCG(20261122, 1))
	ctx := testCtx(t)
	for i := 0; i < 100; i++ {
		var msgs []pgproto3.FrontendMessage
		for j := 0; j < 10+rng.IntN(20); j++ {
			m := pool[rng.IntN(len(pool))]
			switch x := m.(type) {
			case *pgproto3.Query:
				// After an error both servers skip to Sync, Query included.
				msgs = append(msgs, &pgproto3.Sync{})
			case *pgproto3.Describe:
				if x.ObjectType == 'P' && x.Name == "" {
					msgs = append(msgs, &pgproto3.Bind{})
				}
			case *pgproto3.Execute:
				if x.Portal == "" {
					// PostgreSQL keeps the unnamed portal of a simple query
					// that failed in a block until the block ends, which
					// Sluice does not imitate: bind it first.
					msgs = append(msgs, &pgproto3.Bind{})
				}
			}
			msgs = append(msgs, m)
		}
		msgs = append(msgs, &pgproto3.Sync{})
		t.Run(fmt.Sprintf("seq%02d", i), func(t *testing.T) {
			sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
			or := connectPG(t, oracleDSN(t))
			var batch, sent []pgproto3.FrontendMessage
			for _, m := range msgs {
				batch = append(batch, m)
				switch m.(type) {
				case *pgproto3.Sync, *pgproto3.Query:
				default:
					continue
				}
				got := exchange(ctx, t, sl, batch...)
				want := exchange(ctx, t, or, batch...)
				if !equalStrings(got, want) {
					t.Errorf("%s\n  sluice:   %q\n  postgres: %q\n  after: %s", describeBatch(batch), got, want, describeBatch(sent))
					return
				}
				sent = append(sent, batch...)
				batch = nil
			}
		})
	}
}
