package catalog

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Every relation of PostgreSQL 15's pg_catalog and information_schema is
// served, with PostgreSQL's OIDs, kinds and columns (pg_relations.tsv):
// clients list them (pgjdbc's getTables with SYSTEM TABLE and SYSTEM INDEX)
// and select from any of them. The relations this package computes
// (pgCatalogTables, informationSchemaTables) keep their own rows; the
// catalogs that do not depend on the lake answer with PostgreSQL's own rows
// (pg_static.tsv); the others answer with no rows. Both files come from a
// real server through gen_pgcatalog.go.

//go:embed pg_relations.tsv
var pgRelationsTSV string

//go:embed pg_static.tsv
var pgStaticTSV string

// exportedRelation is one relation of the export.
type exportedRelation struct {
	schema, name string
	oid          uint32
	kind         byte
	shared       bool
	hasIndex     bool
	cols         []Column
}

type exportedCatalog struct {
	relations []*exportedRelation
	byName    map[string]*exportedRelation // schema.name
	static    map[string][][]pgtype.Datum  // pg_catalog relation name → rows
}

var exported = sync.OnceValue(func() *exportedCatalog {
	c, err := parseExport(pgRelationsTSV, pgStaticTSV)
	if err != nil {
		panic(fmt.Sprintf("catalog: the embedded PostgreSQL catalog export is damaged: %v", err)) // a build defect
	}
	return c
})

func parseExport(relations, static string) (*exportedCatalog, error) {
	c := &exportedCatalog{byName: map[string]*exportedRelation{}, static: map[string][][]pgtype.Datum{}}
	header := false
	for i, line := range strings.Split(strings.TrimRight(relations, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !header {
			header = true
			if line != "nspname\trelname\toid\trelkind\trelisshared\trelhasindex\tattnum\tattname\tatttypid\tatttypmod\tattnotnull" {
				return nil, fmt.Errorf("pg_relations.tsv: unexpected header %q", line)
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 11 {
			return nil, fmt.Errorf("pg_relations.tsv line %d: %d fields", i+1, len(f))
		}
		oid, err1 := strconv.ParseUint(f[2], 10, 32)
		typid, err2 := strconv.ParseUint(f[8], 10, 32)
		typmod, err3 := strconv.ParseInt(f[9], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil || len(f[3]) != 1 {
			return nil, fmt.Errorf("pg_relations.tsv line %d: %q", i+1, line)
		}
		key := f[0] + "." + f[1]
		r := c.byName[key]
		if r == nil {
			r = &exportedRelation{schema: f[0], name: f[1], oid: uint32(oid), kind: f[3][0], shared: f[4] == "t", hasIndex: f[5] == "t"}
			c.byName[key] = r
			c.relations = append(c.relations, r)
		}
		c := Column{Name: f[7], Type: servedType(uint32(typid), int32(typmod)), NotNull: f[10] == "t"}
		if isDomain(uint32(typid)) {
			c.Domain = uint32(typid)
		}
		r.cols = append(r.cols, c)
	}

	var name string
	var cols []Column
	for i, line := range strings.Split(strings.TrimRight(static, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			name, cols = strings.TrimPrefix(line, "## "), nil
			r := c.byName[pgCatalogName+"."+name]
			if r == nil {
				return nil, fmt.Errorf("pg_static.tsv: %s is not a pg_catalog relation", name)
			}
			c.static[name] = [][]pgtype.Datum{}
		case strings.HasPrefix(line, "#"):
		case cols == nil:
			// The header: the relation's columns, reg* ones exported as OIDs.
			r := c.byName[pgCatalogName+"."+name]
			names := strings.Split(line, "\t")
			if r == nil || len(names) != len(r.cols) {
				return nil, fmt.Errorf("pg_static.tsv line %d: header does not match %s", i+1, name)
			}
			cols = r.cols
		default:
			row, err := parseRow(line, cols)
			if err != nil {
				return nil, fmt.Errorf("pg_static.tsv line %d, %s: %w", i+1, name, err)
			}
			c.static[name] = append(c.static[name], row)
		}
	}
	return c, nil
}

// servedType is the type Sluice serves for a catalog column PostgreSQL
// declares as typid: a domain's base type (information_schema's
// sql_identifier is name, as clients see it in RowDescription), the type
// itself when Sluice can encode it, else the documented substitute
// (SubstitutedTypes), else text or text[].
func isDomain(typid uint32) bool {
	r, ok := builtinTypes().byOID[typid]
	return ok && r[typType].(string) == "d"
}

func servedType(typid uint32, typmod int32) pgtype.Type {
	if r, ok := builtinTypes().byOID[typid]; ok && r[typType].(string) == "d" {
		typid, typmod = uint32(r[typBasetype].(int64)), int32(r[typTypmod].(int64))
	}
	if _, ok := pgtype.Lookup(typid); ok {
		return pgtype.Type{OID: typid, Typmod: typmod}
	}
	return pgtype.Type{OID: SubstituteType(typid), Typmod: -1}
}

// SubstituteType is the type Sluice serves in place of a PostgreSQL type it
// cannot encode (xid as oid, pg_node_tree as text, ...): the entry of
// SubstitutedTypes, else text[] for an array type and text for any other.
// Columns of such types are NULL or empty in the rows served.
func SubstituteType(typid uint32) uint32 {
	if s, ok := SubstitutedTypes[typid]; ok {
		return s
	}
	if _, ok := pgtype.Lookup(typid); ok {
		return typid
	}
	if r, ok := builtinTypes().byOID[typid]; ok && r[typCategory].(string) == "A" {
		return pgtype.TextArrayOID
	}
	return pgtype.TextOID
}

// exportedSysTables are the exported relations of one schema that this
// package does not compute, as system tables; those with exported rows
// serve them.
func exportedSysTables(schema string, computed []*sysTable) []*sysTable {
	have := map[string]bool{}
	for _, d := range computed {
		have[d.name] = true
	}
	var out []*sysTable
	for _, r := range exported().relations {
		if r.schema != schema || have[r.name] {
			continue
		}
		rows := noRows
		if static, ok := exported().static[r.name]; ok && schema == pgCatalogName {
			rows = func(*State) [][]pgtype.Datum { return static }
		}
		out = append(out, &sysTable{name: r.name, oid: r.oid, kind: r.kind, shared: r.shared, hasIndex: r.hasIndex, cols: r.cols, rows: rows})
	}
	return out
}

// staticRows are PostgreSQL's rows of a lake-independent pg_catalog
// relation, if exported.
func staticRows(name string) ([][]pgtype.Datum, bool) {
	rows, ok := exported().static[name]
	return rows, ok
}

// IsIndex says whether a relation is an index (one of PostgreSQL's system
// indexes): listed in pg_class and resolvable as a regclass like
// PostgreSQL's, but not a relation a query can read (42809).
func (t *Table) IsIndex() bool {
	if t.Format != FormatSystem {
		return false
	}
	d := systemRelationKinds()[t.Schema+"."+t.Name]
	return d != nil && d.kind == relkindIndex
}
