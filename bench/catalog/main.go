// Command catalog measures catalog query latency through sluice against a
// real PostgreSQL answering the same statements on the equivalent schema, in
// the same run: the statements psql sends for \d gold.orders, pgjdbc's
// getColumns statement and SQLAlchemy's get_columns statement, taken from
// the client corpus (shared/corpus/pg-clients.jsonl) with the captured
// relation OID pointed at each server's gold.orders.
//
// With -setup it first creates in the PostgreSQL the schemas and tables
// (column types, NOT NULL, primary keys, comments) sluice's catalog describes, as the e2e
// tests' catalogOracle does. bench/catalog/run.sh starts both servers.
//
//	go run ./bench/catalog -sluice postgres://sluice@127.0.0.1:5433/sluice \
//	    -postgres postgres://postgres@127.0.0.1:5434/sluice -setup
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The corpus lines measured (0-based, as the corpus suite numbers them) and
// what they are.
var statements = []struct {
	line int
	what string
}{
	{6, `psql \d gold.orders: find the relation`},
	{7, `psql \d gold.orders: relation flags`},
	{8, `psql \d gold.orders: columns`},
	{9, `psql \d gold.orders: indexes`},
	{10, `psql \d gold.orders: check constraints`},
	{11, `psql \d gold.orders: foreign keys`},
	{12, `psql \d gold.orders: policies`},
	{13, `psql \d gold.orders: statistics objects`},
	{14, `psql \d gold.orders: publications`},
	{15, `psql \d gold.orders: triggers`},
	{16, `psql \d gold.orders: parents`},
	{17, `psql \d gold.orders: partitions`},
	{73, `pgjdbc getColumns`},
	{121, `SQLAlchemy get_columns(gold.orders)`},
}

const capturedOrdersOID = "16400"

func main() {
	sluiceDSN := flag.String("sluice", "", "sluice serving the demo lake")
	pgDSN := flag.String("postgres", "", "PostgreSQL with the equivalent schema (see -setup)")
	corpus := flag.String("corpus", "../shared/corpus/pg-clients.jsonl", "the client corpus")
	setup := flag.Bool("setup", false, "create sluice's schemas and tables in -postgres first")
	n := flag.Int("n", 200, "executions of each statement on each server")
	flag.Parse()
	if err := run(*sluiceDSN, *pgDSN, *corpus, *setup, *n); err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(1)
	}
}

func run(sluiceDSN, pgDSN, corpusPath string, setup bool, n int) error {
	ctx := context.Background()
	sl, err := connect(ctx, sluiceDSN, "")
	if err != nil {
		return fmt.Errorf("sluice: %w", err)
	}
	defer sl.Close(ctx)
	// Catalog answers are cached by the catalog's version (docs/cache.md):
	// the first column is what a client repeating a statement sees, the
	// second what the engine itself costs.
	slu, err := connect(ctx, sluiceDSN, "-c sluice.cache=off")
	if err != nil {
		return fmt.Errorf("sluice: %w", err)
	}
	defer slu.Close(ctx)
	pg, err := connect(ctx, pgDSN, "")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer pg.Close(ctx)
	if setup {
		if err := copySchema(ctx, sl, pg); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	lines, err := readCorpus(corpusPath)
	if err != nil {
		return err
	}
	slOID, err := ordersOID(ctx, sl)
	if err != nil {
		return fmt.Errorf("sluice: %w", err)
	}
	pgOID, err := ordersOID(ctx, pg)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	fmt.Printf("%-42s %12s %12s %12s %7s %7s\n", "statement (median of "+fmt.Sprint(n)+")",
		"sluice", "uncached", "postgres", "ratio", "uncached")
	var ratios, uratios []float64
	for _, s := range statements {
		if s.line >= len(lines) {
			return fmt.Errorf("corpus has no line %d", s.line)
		}
		sql := lines[s.line]
		ps, perr := median(ctx, pg, strings.ReplaceAll(sql, capturedOrdersOID, pgOID), n)
		ss, serr := median(ctx, sl, strings.ReplaceAll(sql, capturedOrdersOID, slOID), n)
		us, uerr := median(ctx, slu, strings.ReplaceAll(sql, capturedOrdersOID, slOID), n)
		switch {
		case perr != nil:
			fmt.Printf("%-42s postgres fails: %v\n", s.what, perr)
		case serr != nil || uerr != nil:
			fmt.Printf("%-42s %12s %12s %12v  (%v)\n", s.what, "fails", "fails", ps, firstLine(errors.Join(serr, uerr)))
		default:
			r, u := float64(ss)/float64(ps), float64(us)/float64(ps)
			ratios, uratios = append(ratios, r), append(uratios, u)
			fmt.Printf("%-42s %12v %12v %12v %6.2fx %6.2fx\n", s.what, ss, us, ps, r, u)
		}
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		slices.Sort(uratios)
		fmt.Printf("median ratio over the %d statements both answer: %.2fx, uncached %.2fx (goal <= 1.0x)\n",
			len(ratios), ratios[len(ratios)/2], uratios[len(uratios)/2])
	}
	return nil
}

func firstLine(err error) string { return strings.SplitN(err.Error(), "\n", 2)[0] }

// connect opens a connection speaking the simple protocol, as psql does
// (the statements carry no parameters).
func connect(ctx context.Context, dsn, options string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if options != "" {
		cfg.RuntimeParams["options"] = options
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pgx.ConnectConfig(ctx, cfg)
}

// median runs sql n times after one warm-up and returns the median wall
// time of a complete execution (all rows read).
func median(ctx context.Context, conn *pgx.Conn, sql string, n int) (time.Duration, error) {
	once := func() error {
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	}
	if err := once(); err != nil {
		return 0, err
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := once(); err != nil {
			return 0, err
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds[n/2], nil
}

func ordersOID(ctx context.Context, conn *pgx.Conn) (string, error) {
	var oid uint32
	err := conn.QueryRow(ctx, "select 'gold.orders'::regclass::oid").Scan(&oid)
	return fmt.Sprint(oid), err
}

func readCorpus(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var c struct {
			SQL string `json:"sql"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, err
		}
		out = append(out, c.SQL)
	}
	return out, sc.Err()
}

// copySchema creates in dst the non-system schemas and the tables of sluice's
// catalog (src) with their column types, NOT NULL, primary keys and
// comments.
func copySchema(ctx context.Context, src, dst *pgx.Conn) error {
	var ddl []string
	rows, err := src.Query(ctx, `select n.nspname from pg_catalog.pg_namespace n
		where n.nspname not in ('pg_catalog', 'information_schema', 'public') order by 1`)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, s := range schemas {
		ddl = append(ddl, "create schema if not exists "+pgx.Identifier{s}.Sanitize())
	}
	rows, err = src.Query(ctx, `select c.oid, n.nspname, c.relname from pg_catalog.pg_class c
		join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') order by 2, 3`)
	if err != nil {
		return err
	}
	type table struct {
		oid          uint32
		schema, name string
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		return t, r.Scan(&t.oid, &t.schema, &t.name)
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		q := pgx.Identifier{t.schema, t.name}.Sanitize()
		rows, err := src.Query(ctx, `select attname, format_type(atttypid, atttypmod), attnotnull,
			coalesce(col_description(attrelid, attnum), '')
			from pg_catalog.pg_attribute where attrelid = $1 and attnum > 0 order by attnum`, t.oid)
		if err != nil {
			return err
		}
		var cols, comments []string
		for rows.Next() {
			var name, typ, comment string
			var notNull bool
			if err := rows.Scan(&name, &typ, &notNull, &comment); err != nil {
				return err
			}
			col := pgx.Identifier{name}.Sanitize() + " " + typ
			if notNull {
				col += " not null"
			}
			cols = append(cols, col)
			if comment != "" {
				comments = append(comments, fmt.Sprintf("comment on column %s.%s is '%s'", q,
					pgx.Identifier{name}.Sanitize(), strings.ReplaceAll(comment, "'", "''")))
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// The primary key (Iceberg identifier fields), so that PostgreSQL
		// answers the index and constraint queries over the same objects.
		var key []string
		if err := src.QueryRow(ctx, `select coalesce(array_agg(a.attname order by k.i), '{}')
			from pg_catalog.pg_constraint c, unnest(c.conkey) with ordinality k(n, i), pg_catalog.pg_attribute a
			where c.conrelid = $1 and c.contype = 'p' and a.attrelid = c.conrelid and a.attnum = k.n`, t.oid).Scan(&key); err != nil {
			return err
		}
		if len(key) > 0 {
			var names []string
			for _, k := range key {
				names = append(names, pgx.Identifier{k}.Sanitize())
			}
			cols = append(cols, "primary key ("+strings.Join(names, ", ")+")")
		}
		ddl = append(ddl, fmt.Sprintf("drop table if exists %s", q),
			fmt.Sprintf("create table %s (%s)", q, strings.Join(cols, ", ")))
		ddl = append(ddl, comments...)
	}
	for _, stmt := range ddl {
		if _, err := dst.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
