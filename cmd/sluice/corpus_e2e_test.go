package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The differential catalog suite: every statement of kind catalog, session
// and ping that real clients sent to PostgreSQL (../shared/corpus) runs
// against sluice's demo and against a PostgreSQL holding the same schemas
// and tables, and the answers are compared.
//
// Statements that do not agree yet are listed in
// testdata/corpus/known-differences.txt with the reason; the test fails when
// any other statement differs (a regression) and prints the pass count, so
// the list can only shrink. SLUICE_CORPUS_SHOW_KNOWN=1 prints the known
// differences too.

// corpusStatement is one line of pg-clients.jsonl.
type corpusStatement struct {
	Client        string `json:"client"`
	SQL           string `json:"sql"`
	Kind          string `json:"kind"`
	ExampleParams string `json:"example_params"`
	index         int
}

// id names a statement stably across corpus edits: a digest of its text.
func (c corpusStatement) id() string {
	sum := sha256.Sum256([]byte(c.SQL))
	return hex.EncodeToString(sum[:])[:12]
}

func (c corpusStatement) title() string {
	s := strings.Join(strings.Fields(c.SQL), " ")
	if len(s) > 90 {
		s = s[:90] + "..."
	}
	return fmt.Sprintf("#%d %s (%s): %s", c.index, c.id(), c.Client, s)
}

func corpusPath() string {
	return filepath.Join("..", "..", "..", "shared", "corpus", "pg-clients.jsonl")
}

func loadCorpus(t *testing.T, kinds ...string) []corpusStatement {
	t.Helper()
	f, err := os.Open(corpusPath())
	if err != nil {
		t.Fatalf("the client corpus (shared/corpus beside the checkout): %v", err)
	}
	defer f.Close()
	var out []corpusStatement
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for i := 0; sc.Scan(); i++ {
		var c corpusStatement
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("corpus line %d: %v", i+1, err)
		}
		c.index = i
		if slices.Contains(kinds, c.Kind) {
			out = append(out, c)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The captures ran against a database whose user tables had these OIDs and
// names; the demo lake's tables of the same shape stand in for them. A
// table the demo lacks maps to one it has with at least as many columns.
var capturedRelations = map[string][2]string{
	"16388": {"gold", "customers"},
	"16400": {"gold", "orders"},
	"16414": {"gold", "daily_revenue"},
	"16418": {"raw", "events"},    // silver.events in the captures
	"16440": {"silver", "orders"}, // the materialized view silver.event_counts
}

var literalOID = regexp.MustCompile(`\b(16388|16400|16414|16418|16440)\b`)

// rewrite points a captured statement at the demo's tables on one server,
// whose relation OIDs are given.
func rewrite(sql string, oids map[string]string) string {
	sql = literalOID.ReplaceAllStringFunc(sql, func(o string) string {
		r := capturedRelations[o]
		return oids[r[0]+"."+r[1]]
	})
	// psql's \d silver.events: the demo's events table is raw's.
	if strings.Contains(sql, "'^(events)$'") {
		sql = strings.ReplaceAll(sql, "'^(silver)$'", "'^(raw)$'")
	}
	return sql
}

// corpusParams parses example_params ("$1 = 'x', $2 = '7'") into text
// values.
var paramRE = regexp.MustCompile(`\$(\d+) = '((?:[^']|'')*)'`)

func corpusParams(s string) [][]byte {
	var out [][]byte
	for _, m := range paramRE.FindAllStringSubmatch(s, -1) {
		out = append(out, []byte(strings.ReplaceAll(m[2], "''", "'")))
	}
	return out
}

// answer is what one server said to one statement, normalised.
type answer struct {
	err     string // SQLSTATE, if it failed
	columns []string
	rows    []string
	// raw are the rows' cells before volatile columns and timestamps are
	// masked (OIDs are still named), for SLUICE_CORPUS_AUDIT.
	raw [][]string
}

// maskedDifferences names the columns of two agreeing answers whose values
// agree only because they were masked (volatileColumn, timestampLike):
// what SLUICE_CORPUS_AUDIT lists, to check that each mask hides a value
// that may truly differ between a lake and PostgreSQL, not a bug.
func maskedDifferences(got, want answer) []string {
	if len(got.raw) != len(want.raw) {
		return []string{"(row counts)"}
	}
	seen := map[string]bool{}
	var out []string
	for i := range got.raw {
		for j := range got.raw[i] {
			if j < len(want.raw[i]) && got.raw[i][j] != want.raw[i][j] && !seen[got.columns[j]] {
				seen[got.columns[j]] = true
				out = append(out, fmt.Sprintf("%s (%q vs %q)", got.columns[j], got.raw[i][j], want.raw[i][j]))
			}
		}
	}
	return out
}

func (a answer) String() string {
	if a.err != "" {
		return "ERROR " + a.err
	}
	return fmt.Sprintf("columns %v\n%s", a.columns, strings.Join(a.rows, "\n"))
}

// Columns whose values legitimately differ between a lake and an empty
// PostgreSQL heap, or between two servers: sizes, row counts (pgjdbc's
// getIndexInfo names reltuples CARDINALITY), times, process ids, versions.
var volatileColumn = regexp.MustCompile(`(?i)size|tuples|cardinality|tup_|n_live|n_dead|reltuples|relpages|relallvisible|time|_start$|(^|_)pid$|version|^now$|stats_reset|xact_|blks_|scan|vacuum|analyze`)

var timestampLike = regexp.MustCompile(`^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d`)

func runCorpusStatement(ctx context.Context, conn *pgconn.PgConn, sql string, params [][]byte, oidNames map[string]string) answer {
	var results []*pgconn.Result
	if strings.Contains(sql, "$1") {
		formats := []int16{0}
		rr := conn.ExecParams(ctx, sql, params, nil, formats, formats).Read()
		results = []*pgconn.Result{rr}
	} else {
		var err error
		results, err = conn.Exec(ctx, sql).ReadAll()
		if err != nil {
			return answer{err: sqlstate(err)}
		}
	}
	var a answer
	for _, r := range results {
		if r.Err != nil {
			return answer{err: sqlstate(r.Err)}
		}
		if len(r.FieldDescriptions) == 0 {
			continue
		}
		a.columns = a.columns[:0]
		volatile := make([]bool, len(r.FieldDescriptions))
		for i, f := range r.FieldDescriptions {
			a.columns = append(a.columns, fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID))
			volatile[i] = volatileColumn.MatchString(f.Name)
		}
		a.rows = a.rows[:0]
		a.raw = a.raw[:0]
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			raw := make([]string, len(row))
			for i, v := range row {
				if v == nil {
					cells[i], raw[i] = "NULL", "NULL"
					continue
				}
				s := string(v)
				if name, ok := oidNames[s]; ok {
					s = name
				}
				raw[i], cells[i] = s, s
				switch {
				case volatile[i]:
					cells[i] = "<volatile>"
				case timestampLike.MatchString(s):
					cells[i] = "<timestamp>"
				}
			}
			a.rows = append(a.rows, strings.Join(cells, "|"))
			a.raw = append(a.raw, raw)
		}
	}
	if !regexp.MustCompile(`(?i)\border\s+by\b`).MatchString(sql) {
		// Sorted by their masked text, the raw rows alike.
		idx := make([]int, len(a.rows))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(x, y int) int { return strings.Compare(a.rows[x], a.rows[y]) })
		rows, raw := make([]string, len(idx)), make([][]string, len(idx))
		for i, k := range idx {
			rows[i], raw[i] = a.rows[k], a.raw[k]
		}
		a.rows, a.raw = rows, raw
	}
	return a
}

// relationOIDs maps "schema.table" to its OID text on one server, and back
// to a symbolic name, for the user schemas.
func relationOIDs(ctx context.Context, t *testing.T, conn *pgconn.PgConn) (byName, names map[string]string) {
	t.Helper()
	res := conn.ExecParams(ctx, `select c.oid::text, n.nspname || '.' || c.relname from pg_catalog.pg_class c
		join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
		union all select t.oid::text, n.nspname || '.' || t.typname || ' (type)' from pg_catalog.pg_type t
		join pg_catalog.pg_namespace n on n.oid = t.typnamespace
		where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
		union all select oid::text, nspname from pg_catalog.pg_namespace
		where nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'public') and nspname not like 'pg_temp%' and nspname not like 'pg_toast%'`,
		nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatalf("listing relation OIDs: %v", res.Err)
	}
	byName, names = map[string]string{}, map[string]string{}
	for _, row := range res.Rows {
		byName[string(row[1])] = string(row[0])
		names[string(row[0])] = "<oid " + string(row[1]) + ">"
	}
	for _, r := range capturedRelations {
		if byName[r[0]+"."+r[1]] == "" {
			t.Fatalf("the demo lake has no %s.%s, which the corpus rewrite expects", r[0], r[1])
		}
	}
	return byName, names
}

func loadKnownDifferences(t *testing.T) map[string]string {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "corpus", "known-differences.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("known differences: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " ")
		out[id] = strings.TrimSpace(why)
	}
	return out
}

func TestCorpusCatalogStatementsMatchPostgres(t *testing.T) {
	d := demoServer(t)
	orc := catalogOracle(t, d)
	copyViews(t, d, orc)
	ctx := testCtx(t)
	open := func(dsn string) *pgconn.PgConn {
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("connect %s: %v", dsn, err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	sl := open(d.dsn(demoUser, demoDB))
	pgDSN := fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable&timezone=UTC", orc.user, orc.addr(), orc.db)
	pc := open(pgDSN)
	slOIDs, slNames := relationOIDs(ctx, t, sl)
	pgOIDs, pgNames := relationOIDs(ctx, t, pc)

	known := loadKnownDifferences(t)
	stmts := loadCorpus(t, "catalog", "session", "ping")
	var passed int
	var regressions, nowPass []string
	for _, c := range stmts {
		params := corpusParams(c.ExampleParams)
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		got := runCorpusStatement(sctx, sl, rewrite(c.SQL, slOIDs), params, slNames)
		want := runCorpusStatement(sctx, pc, rewrite(c.SQL, pgOIDs), params, pgNames)
		cancel()
		// Each statement starts outside a transaction on both sides, so one
		// failure does not cascade into 25P02 for the rest.
		for _, conn := range []*pgconn.PgConn{sl, pc} {
			if conn.TxStatus() != 'I' {
				if _, err := conn.Exec(ctx, "ROLLBACK").ReadAll(); err != nil {
					t.Fatalf("rollback after %s: %v", c.title(), err)
				}
			}
		}
		same := got.String() == want.String()
		_, isKnown := known[c.id()]
		switch {
		case same:
			passed++
			if isKnown {
				nowPass = append(nowPass, c.title())
			}
			if os.Getenv("SLUICE_CORPUS_AUDIT") != "" {
				if cols := maskedDifferences(got, want); len(cols) > 0 {
					t.Logf("audit %s: agrees only masked: %s", c.title(), strings.Join(cols, "; "))
				}
			}
		case !isKnown:
			regressions = append(regressions, fmt.Sprintf("%s\n--- sluice:\n%s\n--- postgres:\n%s", c.title(), clip(got.String()), clip(want.String())))
		case os.Getenv("SLUICE_CORPUS_SHOW_KNOWN") != "":
			t.Logf("known difference %s\n--- sluice:\n%s\n--- postgres:\n%s", c.title(), got, want)
		}
	}
	t.Logf("corpus differential: %d of %d catalog, session and ping statements agree with PostgreSQL", passed, len(stmts))
	for id, why := range known {
		t.Logf("known difference %s: %s", id, why)
	}
	for _, s := range nowPass {
		t.Logf("now agrees (remove from testdata/corpus/known-differences.txt): %s", s)
	}
	for _, r := range regressions {
		t.Errorf("differs from PostgreSQL and is not a known difference: %s", r)
	}
}

func clip(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "\n..."
	}
	return s
}
