package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
)

// TestPrimaryKeysMatchPostgreSQL: Iceberg identifier fields are primary
// keys. A lake with one single-column key and one three-column key (text,
// a quoted name, timestamptz, declared out of column order) and a keyless
// table must describe them in pg_constraint, pg_index, pg_class,
// pg_attribute, pg_indexes, information_schema and pg_get_*def exactly as
// a PostgreSQL 15 does after CREATE TABLE ... PRIMARY KEY.
func TestPrimaryKeysMatchPostgreSQL(t *testing.T) {
	ctx := context.Background()
	dir, cat := icebergLake(t)
	tables := []struct {
		name   string
		schema *iceberg.Schema
		key    []string // as PostgreSQL's DDL declares it
	}{
		{"orders", icebergOrders, []string{"order_id"}},
		{"lines", iceberg.NewSchemaWithIdentifiers(0, []int{3, 2, 4},
			iceberg.NestedField{ID: 1, Name: "note", Type: iceberg.PrimitiveTypes.String},
			iceberg.NestedField{ID: 2, Name: "Line No", Type: iceberg.PrimitiveTypes.Int32, Required: true},
			iceberg.NestedField{ID: 3, Name: "sku", Type: iceberg.PrimitiveTypes.String, Required: true},
			iceberg.NestedField{ID: 4, Name: "at", Type: iceberg.PrimitiveTypes.TimestampTz, Required: true},
		), []string{"sku", `"Line No"`, "at"}},
		{"plain", iceberg.NewSchema(0,
			iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		), nil},
	}
	for _, tb := range tables {
		if _, err := cat.CreateTable(ctx, icetable.Identifier{"gold", tb.name}, tb.schema); err != nil {
			t.Fatal(err)
		}
	}
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{Database: "postgres", Roles: []string{"postgres"}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cp := &catalogPair{state: l.Current(), conn: startPostgres(t), p: planner.New(), eng: engine.New()}
	cp.exec(t, "create schema gold")
	for _, tb := range tables {
		lt, err := cp.state.Table("gold", tb.name)
		if err != nil {
			t.Fatal(err)
		}
		var defs []string
		for _, c := range lt.Columns {
			d := catalog.QuoteIdent(c.Name) + " " + c.Type.String()
			if c.NotNull {
				d += " not null"
			}
			defs = append(defs, d)
		}
		if tb.key != nil {
			defs = append(defs, "primary key ("+strings.Join(tb.key, ", ")+")")
		}
		cp.exec(t, fmt.Sprintf("create table gold.%s (%s)", tb.name, strings.Join(defs, ", ")))
	}
	lines, _ := cp.state.Table("gold", "lines")
	if !slices.Equal(lines.PrimaryKey, []string{"sku", "Line No", "at"}) {
		t.Fatalf("gold.lines' key is %q, want the identifier fields in their order", lines.PrimaryKey)
	}
	cp.oids = [2]map[string]string{{}, {}}
	for side := range 2 {
		cp.oids[side]["gold"] = cp.scalar(t, side, "select oid from pg_namespace where nspname = 'gold'")
	}
	for _, sql := range []string{
		`SELECT c.relname, k.conname, k.contype, k.condeferrable, k.condeferred, k.convalidated, k.contypid,
		        i.relname AS index, k.conparentid, k.confrelid, k.confupdtype, k.confdeltype, k.confmatchtype,
		        k.conislocal, k.coninhcount, k.connoinherit, k.conkey, k.confkey, k.conpfeqop, k.conexclop, k.conbin,
		        pg_get_constraintdef(k.oid), pg_get_constraintdef(k.oid, true)
		   FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class i ON i.oid = k.conindid
		  WHERE k.connamespace = {gold} ORDER BY 1`,
		`SELECT c.relname, i.relname, x.indnatts, x.indnkeyatts, x.indisunique, x.indnullsnotdistinct, x.indisprimary,
		        x.indisexclusion, x.indimmediate, x.indisclustered, x.indisvalid, x.indcheckxmin, x.indisready,
		        x.indislive, x.indisreplident, array_to_string(x.indkey, ' '), array_to_string(x.indcollation, ' '),
		        array_to_string(x.indclass, ' '), array_to_string(x.indoption, ' '), x.indexprs, x.indpred
		   FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
		  WHERE c.relnamespace = {gold} ORDER BY 1`,
		`SELECT relname, relkind, relam, relnatts, reltuples, relhasindex, relreplident, reltype, reltoastrelid,
		        relpersistence, relispopulated, relowner, pg_table_is_visible(oid)
		   FROM pg_class WHERE relnamespace = {gold} AND relkind = 'i' ORDER BY 1`,
		`SELECT relname, relhasindex FROM pg_class WHERE relnamespace = {gold} AND relkind = 'r' ORDER BY 1`,
		`SELECT i.relname, a.attname, a.atttypid, a.atttypmod, a.attnum, a.attnotnull, a.attlen, a.attbyval,
		        a.attalign, a.attstorage, a.attcollation, a.attstattarget, a.attislocal
		   FROM pg_attribute a JOIN pg_class i ON i.oid = a.attrelid
		  WHERE i.relnamespace = {gold} AND i.relkind = 'i' ORDER BY 1, a.attnum`,
		`SELECT i.relname, pg_get_indexdef(i.oid), pg_get_indexdef(i.oid, 0, true), pg_get_indexdef(i.oid, 1, false),
		        pg_get_indexdef(i.oid, 2, true), pg_get_indexdef(i.oid, 9, true), pg_get_indexdef(i.oid, -1, true)
		   FROM pg_class i WHERE i.relnamespace = {gold} AND i.relkind = 'i' ORDER BY 1`,
		`SELECT pg_get_indexdef(0), pg_get_constraintdef(0), pg_get_indexdef(c.oid) FROM pg_class c
		  WHERE c.relname = 'plain' AND c.relnamespace = {gold}`,
		`SELECT * FROM pg_indexes WHERE schemaname = 'gold' ORDER BY indexname`,
		// NOT NULL checks are named after OIDs, which differ.
		`SELECT constraint_catalog, constraint_schema, table_catalog, table_schema, table_name, constraint_type,
		        is_deferrable, initially_deferred, enforced, nulls_distinct,
		        CASE constraint_type WHEN 'CHECK' THEN '<oids>_not_null' ELSE constraint_name END
		   FROM information_schema.table_constraints WHERE table_schema = 'gold'
		  ORDER BY constraint_type DESC, table_name, constraint_name`,
		`SELECT * FROM information_schema.key_column_usage WHERE table_schema = 'gold'
		  ORDER BY table_name, ordinal_position`,
		`SELECT * FROM information_schema.constraint_column_usage WHERE table_schema = 'gold'
		  ORDER BY table_name, column_name`,
		// psql's \d index listing.
		`SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid,
		        pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), pg_catalog.pg_get_constraintdef(con.oid, true),
		        contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
		   FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
		   LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
		  WHERE c.relnamespace = {gold} AND c.oid = i.indrelid AND i.indexrelid = c2.oid
		  ORDER BY i.indisprimary DESC, c2.relname`,
	} {
		cp.compare(t, sql)
	}
	// Not a vacuous agreement: PostgreSQL lists both keys.
	if got := cp.scalar(t, 1, "select count(*) from pg_constraint where contype = 'p' and connamespace = "+cp.oids[1]["gold"]); got != "2" {
		t.Fatalf("PostgreSQL has %s primary keys in gold, want 2", got)
	}
}
