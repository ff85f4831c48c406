package gateway

import (
	"strings"
	"testing"
)

// TestTempTablesMatchPostgres runs the temporary-table statements Tableau
// sends on Sluice and on a real PostgreSQL (writable: PostgreSQL refuses
// CREATE in a read-only transaction, where Sluice allows temporary tables)
// and compares what the client sees.
func TestTempTablesMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
	or := connectPG(t, pg.Get(t).DSN()+"&application_name=oracle&TimeZone=UTC")
	steps := []string{
		`CREATE TEMP TABLE t1 (id integer, name text, amount numeric(10,2))`,
		`INSERT INTO t1 VALUES (1, 'a', 1.5), (2, 'b', NULL)`,
		`INSERT INTO t1 (name, id) VALUES ('c', 3)`,
		`INSERT INTO t1 VALUES (4)`,
		`SELECT * FROM t1 ORDER BY id`,
		`SELECT * FROM pg_temp.t1 WHERE amount IS NULL ORDER BY id`,
		`CREATE TEMP TABLE t1 (x int)`,
		`CREATE TEMP TABLE IF NOT EXISTS t1 (x int)`,
		`CREATE LOCAL TEMPORARY TABLE t2 ON COMMIT PRESERVE ROWS AS SELECT id * 10 AS k, name FROM t1 WHERE id < 3`,
		`SELECT k, name FROM t2 ORDER BY 1`,
		`INSERT INTO t2 SELECT id, name FROM t1`,
		`INSERT INTO t2 (k) SELECT 7 UNION ALL SELECT 8`,
		`SELECT count(*), sum(k), count(name) FROM t2`,
		`SELECT t1.name, t2.k FROM t1 JOIN t2 ON t1.name = t2.name ORDER BY 1, 2`,
		`CREATE TEMPORARY TABLE t3 (a, b) AS VALUES (1, 'x'), (2, 'y')`,
		`SELECT * FROM t3 ORDER BY a`,
		`CREATE TEMP TABLE t4 AS SELECT 1 AS a WITH NO DATA`,
		`SELECT a FROM t4`,
		`INSERT INTO t1 VALUES ('x')`,
		`INSERT INTO t1 VALUES (1, 'a', 2, 3)`,
		`INSERT INTO t1 (id, name) VALUES (1)`,
		`INSERT INTO t1 (nosuch) VALUES (1)`,
		`INSERT INTO t1 (id, id) VALUES (1, 2)`,
		`INSERT INTO nosuch VALUES (1)`,
		`INSERT INTO t1 SELECT true, 'z', 1`,
		`INSERT INTO t1 (id) SELECT 'q'::text`,
		`INSERT INTO t1 (amount, id) VALUES ('2.345', 9.6)`,
		`SELECT id, amount FROM t1 WHERE amount > 2`,
		`INSERT INTO t1 (id, name) SELECT '11', NULL`,
		`INSERT INTO t1 (id, name) VALUES ('12', 'p'), (NULL, 'q')`,
		`BEGIN`,
		`INSERT INTO t1 (id) VALUES (10)`,
		`SELECT max(id) FROM t1`,
		`COMMIT`,
		`SELECT count(*) FROM t1`,
		`DROP TABLE t2, t3`,
		`SELECT * FROM t2`,
		`DROP TABLE t2, t4`,
		`SELECT a FROM t4`,
		`DROP TABLE IF EXISTS t2, t4`,
		`SELECT * FROM t4`,
		`CREATE TEMP TABLE t2 (k bigint)`,
		`SELECT count(*) FROM t2`,
		`DISCARD TEMP`,
		`SELECT * FROM t1`,
	}
	for i, step := range steps {
		got, want := render(ctx, sl, step), render(ctx, or, step)
		if got != want {
			t.Errorf("%s\n  sluice:   %s\n  postgres: %s\n  after: %q", step, got, want, steps[:i])
		}
	}
}

// TestTempTablesSession checks what has no PostgreSQL counterpart here
// (the oracle holds no lake): temporary tables joined with lake tables,
// shadowing a lake table's name, writes to lake tables staying read-only,
// and that a temporary table is the session's alone and ends with it.
func TestTempTablesSession(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	dsn := ts.dsn("sluice", "sluice", "TimeZone=UTC")
	a := connectPG(t, dsn)
	b := connectPG(t, dsn)
	run := func(conn string, sql string) string {
		c := a
		if conn == "b" {
			c = b
		}
		return render(ctx, c, sql)
	}
	check := func(conn, sql, want string) {
		t.Helper()
		if got := run(conn, sql); got != want {
			t.Errorf("%s: %s\n  got:  %s\n  want: %s", conn, sql, got, want)
		}
	}
	// The lake's own answers are the expectation the temporary table's
	// join must reproduce.
	direct := run("a", `SELECT count(*), sum(amount) FROM gold.orders WHERE customer_id IN (1, 2, 3)`)
	if !strings.Contains(direct, `"`) {
		t.Fatalf("lake query failed: %s", direct)
	}
	check("a", `CREATE TEMP TABLE picked (customer_id int)`, "CREATE TABLE /  {I}")
	check("a", `INSERT INTO picked SELECT customer_id FROM gold.customers WHERE customer_id <= 3`, "INSERT 0 3 /  {I}")
	check("a", `SELECT count(*), sum(amount) FROM gold.orders o JOIN picked p ON o.customer_id = p.customer_id`, direct)
	check("a", `SELECT count(*), sum(amount) FROM gold.orders WHERE customer_id IN (SELECT customer_id FROM picked)`, direct)
	// Inserting again changes what the next query reads (no stale cache).
	check("a", `INSERT INTO picked VALUES (4)`, "INSERT 0 1 /  {I}")
	direct4 := run("a", `SELECT count(*), sum(amount) FROM gold.orders WHERE customer_id IN (1, 2, 3, 4)`)
	check("a", `SELECT count(*), sum(amount) FROM gold.orders o JOIN picked p ON o.customer_id = p.customer_id`, direct4)

	// A temporary table named like a lake table on the search path
	// shadows it, as pg_temp is searched first.
	check("a", `SET search_path = gold`, "SET /  {I}")
	check("a", `CREATE TEMP TABLE orders AS SELECT 42 AS answer`, "SELECT 1 /  {I}")
	check("a", `SELECT answer FROM orders`, `answer:23:0 | "42",; SELECT 1 /  {I}`)
	check("a", `SELECT count(*) > 1 FROM gold.orders`, `?column?:16:0 | "t",; SELECT 1 /  {I}`)
	check("a", `DROP TABLE orders`, "DROP TABLE /  {I}")
	check("a", `SELECT count(*) > 1 FROM orders`, `?column?:16:0 | "t",; SELECT 1 /  {I}`)

	// Lake tables stay read-only.
	check("a", `INSERT INTO gold.orders (order_id) VALUES (1)`, "ERROR 25006 cannot execute INSERT in a read-only transaction {I}")
	check("a", `INSERT INTO customers SELECT * FROM gold.customers`, "ERROR 25006 cannot execute INSERT in a read-only transaction {I}")
	check("a", `DROP TABLE gold.orders`, "ERROR 25006 cannot execute DROP TABLE in a read-only transaction {I}")
	check("a", `DROP TABLE picked, gold.orders`, "ERROR 25006 cannot execute DROP TABLE in a read-only transaction {I}")
	check("a", `DROP TABLE IF EXISTS nosuch`, "ERROR 25006 cannot execute DROP TABLE in a read-only transaction {I}")
	check("a", `CREATE TABLE gold.x (a int)`, "ERROR 25006 cannot execute CREATE TABLE in a read-only transaction {I}")
	check("a", `UPDATE picked SET customer_id = 1`, "ERROR 25006 cannot execute UPDATE in a read-only transaction {I}")

	// The other session does not see it.
	check("b", `SELECT * FROM picked`, `ERROR 42P01 relation "picked" does not exist {I}`)
	check("b", `CREATE TEMP TABLE picked (x text)`, "CREATE TABLE /  {I}")
	check("b", `SELECT count(*) FROM picked`, `count:20:0 | "0",; SELECT 1 /  {I}`)
	check("a", `SELECT count(*) FROM picked`, `count:20:0 | "4",; SELECT 1 /  {I}`)

	// DISCARD TEMP and DISCARD ALL (a pooler's reset) drop them.
	check("b", `DISCARD TEMP`, "DISCARD TEMP /  {I}")
	check("b", `SELECT * FROM picked`, `ERROR 42P01 relation "picked" does not exist {I}`)
	check("b", `CREATE TEMP TABLE again AS SELECT 1 AS x`, "SELECT 1 /  {I}")
	check("b", `DISCARD ALL`, "DISCARD ALL /  {I}")
	check("b", `SELECT * FROM again`, `ERROR 42P01 relation "again" does not exist {I}`)

	// Gone when the session ends.
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c := connectPG(t, dsn)
	if got := render(ctx, c, `SELECT * FROM picked`); got != `ERROR 42P01 relation "picked" does not exist {I}` {
		t.Errorf("after the session: %s", got)
	}
}
