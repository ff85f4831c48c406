package gateway

import (
	"fmt"
	"math/rand/v2"
	"testing"
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
