package catalog_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/demolake"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
)

// Catalog statements clients send for one table (psql's \d, SQLAlchemy's
// get_columns, pgjdbc's getColumns), verbatim from the client corpus with
// {orders} for gold.orders' OID: what an uncached catalog answer costs in
// the planner and the engine (bench/catalog/run.sh measures it against
// PostgreSQL through the wire).
var catalogBenchStatements = []struct{ name, sql string }{
	{"psql_relation_flags", `SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '{orders}'`},
	{"psql_columns", `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '{orders}' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`},
	{"psql_indexes", `SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
WHERE c.oid = '{orders}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
ORDER BY i.indisprimary DESC, c2.relname`},
	{"sqlalchemy_get_columns", `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
    WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef) AS DEFAULT,
  a.attnotnull, a.attrelid as table_oid, pgd.description as comment, a.attgenerated as generated,
  (SELECT json_build_object('always', a.attidentity = 'a', 'start', s.seqstart, 'increment', s.seqincrement,
      'minvalue', s.seqmin, 'maxvalue', s.seqmax, 'cache', s.seqcache, 'cycle', s.seqcycle)
    FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c on s.seqrelid = c."oid"
    WHERE c.relkind = 'S' AND a.attidentity != ''
    AND s.seqrelid = pg_catalog.pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass::oid
  ) as identity_options
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_description pgd ON (pgd.objoid = a.attrelid AND pgd.objsubid = a.attnum)
WHERE a.attrelid = {orders} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`},
	{"pgjdbc_get_columns", `SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE 'gold' AND c.relname LIKE 'orders') c WHERE true  ORDER BY nspname,c.relname,attnum`},
}

// BenchmarkCatalogStatements plans and runs each statement against one
// catalog state of the demo lake (gold as Iceberg, with primary keys, as
// `sluice demo` writes it), as an uncached query does (the state's
// system-table rows are built once, on the first run).
func BenchmarkCatalogStatements(b *testing.B) {
	dir := b.TempDir()
	if err := demolake.WriteWith(dir, 7, 0.05, demolake.Options{GoldIceberg: true}); err != nil {
		b.Fatal(err)
	}
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	st := l.Current()
	orders, err := st.Table("gold", "orders")
	if err != nil {
		b.Fatal(err)
	}
	p, eng := planner.New(), engine.New()
	for _, s := range catalogBenchStatements {
		sql := strings.ReplaceAll(s.sql, "{orders}", strconv.FormatUint(uint64(orders.OID), 10))
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			if r := runEngine(ctx, p, eng, st, sql); r.code != "" || len(r.rows) == 0 {
				b.Fatalf("%s: %s, %d rows", s.name, r.code, len(r.rows))
			}
			b.ReportAllocs()
			for b.Loop() {
				runEngine(ctx, p, eng, st, sql)
			}
		})
	}
}
