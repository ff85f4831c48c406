package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// PostgreSQL's catalog served as system tables (FormatSystem). Every table
// here computes its rows from the one State it belongs to, so a query that
// reads pg_class and a lake table sees the same moment of the lake.
//
// Column names, order and types are PostgreSQL 15's (checked against a real
// server by pgcatalog_test.go), except where Sluice has no such type yet;
// those columns carry the nearest type Sluice can encode (SubstituteType). Rows come from two places: the lake (namespaces for
// layers, relations for tables, attributes for columns, statistics from row
// counts) and PostgreSQL's own built-in rows that clients expect to find
// (pg_catalog, public and information_schema namespaces; heap and the index
// access methods; the default, C and POSIX collations; pg_default and
// pg_global tablespaces; the plpgsql extension).
//
// Decisions, documented once:
//   - Namespaces: every State schema, plus public (OID 2200, owned by
//     pg_database_owner as in PostgreSQL 15, empty unless the lake has a
//     public layer) and information_schema. pg_toast is not served.
//   - Roles: LakeOptions.Roles; the first is the owner of every object and
//     has PostgreSQL's bootstrap superuser OID 10, the others hashed OIDs.
//     pg_database_owner (6171) exists as in PostgreSQL, because public's
//     owner must resolve.
//   - Lake tables are relkind 'r' with access method heap; a table with a
//     primary key (Iceberg identifier fields) also has its index, a btree
//     relation named <table>_pkey (pgcatalog_keys.go);
//     pg_catalog's relations are listed too (views with relkind 'v'), so
//     that pg_class and pg_attribute describe every table a query can name.
//   - System columns (ctid, xmin, ...; attnum < 0) and the composite row
//     types of tables (reltype) are not served: every client filters them.
//   - pg_index and pg_constraint hold the primary keys; pg_attrdef,
//     pg_inherits, pg_sequence, pg_enum, pg_range and pg_matviews are
//     empty: the lake has none of these objects.

// OIDs of catalog objects, PostgreSQL 15's own: clients hard-code some.
const (
	PgNamespaceRelationOID       = 2615
	PgClassRelationOID           = 1259
	PublicNamespaceOID           = 2200
	InformationSchemaOID         = 13207 // assigned by initdb; stable for a PostgreSQL 15 build
	BootstrapSuperuserOID        = 10
	PgDatabaseOwnerOID           = 6171
	DefaultTablespaceOID         = 1663
	GlobalTablespaceOID          = 1664
	DatabaseOID                  = 5 // the one database Sluice serves
	DefaultCollationOID          = 100
	CCollationOID                = 950
	POSIXCollationOID            = 951
	HeapAccessMethodOID          = 2
	btreeAccessMethodOID         = 403
	utf8Encoding                 = 6
	defaultDatabaseName          = "sluice"
	defaultOwnerRole             = "sluice"
	maskedPassword               = "********"
	pgDatabaseOwnerRoleName      = "pg_database_owner"
	informationSchemaName        = "information_schema"
	pgCatalogName                = "pg_catalog"
	publicSchemaName             = "public"
	relkindTable            byte = 'r'
	relkindView             byte = 'v'
	relkindIndex            byte = 'i'
)

// Types PostgreSQL's catalogs use that Sluice cannot encode yet, served as
// the nearest type it can; the keys are PostgreSQL's type OIDs, the values
// Sluice's. None are left among the types of the catalog relations (xid,
// pg_node_tree, int2vector, oidvector, anyarray, inet, pg_lsn, the extended
// statistics' types and pg_statistic's row type are pgtype's own); an
// exported column of a type pgtype lacked would get text or text[]
// (SubstituteType).
var SubstitutedTypes = map[uint32]uint32{}

var (
	tOID      = pgtype.OIDType
	tName     = pgtype.Name
	tChar     = pgtype.Type{OID: pgtype.CharOID, Typmod: -1}
	tBool     = pgtype.Bool
	tInt2     = pgtype.Int2
	tInt4     = pgtype.Int4
	tInt8     = pgtype.Int8
	tFloat4   = pgtype.Float4
	tText     = pgtype.Text
	tTstz     = pgtype.Timestamptz
	tRegproc  = pgtype.Type{OID: pgtype.RegprocOID, Typmod: -1}
	tTextArr  = pgtype.TextArray
	tInt2Arr  = pgtype.Type{OID: pgtype.Int2ArrayOID, Typmod: -1}
	tOIDArr   = pgtype.Type{OID: pgtype.OIDArrayOID, Typmod: -1}
	tCharArr  = pgtype.Type{OID: pgtype.CharArrayOID, Typmod: -1}
	tBytea    = pgtype.Bytea
	tXid      = pgtype.Type{OID: pgtype.XidOID, Typmod: -1}
	tACL      = pgtype.AclitemArray
	tNodeTree = pgtype.Type{OID: pgtype.PgNodeTreeOID, Typmod: -1}
	tInt2Vec  = pgtype.Type{OID: pgtype.Int2VectorOID, Typmod: -1}
	tOIDVec   = pgtype.Type{OID: pgtype.OIDVectorOID, Typmod: -1}
	tAnyArray = pgtype.Type{OID: pgtype.AnyArrayOID, Typmod: -1}
)

// col is a NOT NULL catalog column (catalog tables); vcol a nullable one
// (views, whose columns PostgreSQL reports nullable).
func col(name string, t pgtype.Type) Column  { return Column{Name: name, Type: t, NotNull: true} }
func ncol(name string, t pgtype.Type) Column { return Column{Name: name, Type: t} }

// sysTable describes one system relation and how its rows derive from a
// State.
type sysTable struct {
	name string
	oid  uint32
	kind byte // relkind: 'r' catalog table, 'v' view
	// shared catalogs (pg_database, pg_tablespace, ...) are relisshared.
	shared   bool
	hasIndex bool // relhasindex, as PostgreSQL's
	cols     []Column
	rows     func(st *State) [][]pgtype.Datum
	// sessionRows, when set, computes rows from the state and the session
	// view of the scan's context instead of rows.
	sessionRows func(st *State, v SessionView) [][]pgtype.Datum
}

// addSystemSchemas appends pg_catalog (with pg_type and the tables of this
// file), public and information_schema to st, with rows computed from st.
func addSystemSchemas(st *State) {
	version := lakeDigest(st)
	pg := &Schema{Name: pgCatalogName, OID: PgCatalogNamespaceOID, Comment: "system catalog schema"}
	for _, d := range systemTableDefs()[pgCatalogName] {
		pg.Tables = append(pg.Tables, d.table(st, pgCatalogName, version))
	}
	st.Schemas = append(st.Schemas, pg)
	if st.Schema(publicSchemaName) == nil {
		st.Schemas = append(st.Schemas, &Schema{Name: publicSchemaName, OID: PublicNamespaceOID, Comment: "standard public schema"})
	}
	if st.Schema(SluiceSchemaName) == nil {
		sl := &Schema{Name: SluiceSchemaName, OID: SluiceNamespaceOID, Comment: "Sluice's views of the lake"}
		for _, d := range systemTableDefs()[SluiceSchemaName] {
			sl.Tables = append(sl.Tables, d.table(st, SluiceSchemaName, version))
		}
		st.Schemas = append(st.Schemas, sl)
	}
	if st.Schema(informationSchemaName) == nil {
		is := &Schema{Name: informationSchemaName, OID: InformationSchemaOID}
		for _, d := range systemTableDefs()[informationSchemaName] {
			is.Tables = append(is.Tables, d.table(st, informationSchemaName, version))
		}
		st.Schemas = append(st.Schemas, is)
	}
}

// systemTableDefs are the relations of pg_catalog and information_schema:
// those this package computes, then every other relation PostgreSQL has,
// from the export. A computed catalog that does not depend on the lake
// serves PostgreSQL's exported rows.
func systemTableDefs() map[string][]*sysTable {
	systemDefs.once.Do(func() { systemDefs.bySchema, systemDefs.byName = buildSystemTableDefs() })
	return systemDefs.bySchema
}

// systemRelationKinds maps schema.name of every system relation to its
// definition, for pg_class's relkind and relisshared.
func systemRelationKinds() map[string]*sysTable {
	systemTableDefs()
	return systemDefs.byName
}

// systemDefs are computed once (a function, not a variable initialiser:
// the definitions' row functions refer back to them); never modified after.
var systemDefs struct {
	once     sync.Once
	bySchema map[string][]*sysTable
	byName   map[string]*sysTable
}

func buildSystemTableDefs() (map[string][]*sysTable, map[string]*sysTable) {
	pg := append([]*sysTable{pgTypeTableDef()}, pgCatalogTables()...)
	pg = append(pg, sessionTables()...)
	is := informationSchemaTables()
	// information_schema's views declare their columns with its domains
	// (sql_identifier, cardinal_number, ...): the computed ones take them
	// from the export, by column name.
	for _, d := range is {
		if r := exported().byName[informationSchemaName+"."+d.name]; r != nil {
			d.cols = slices.Clone(d.cols)
			for i := range d.cols {
				for _, ec := range r.cols {
					if ec.Name == d.cols[i].Name {
						d.cols[i].Domain = ec.Domain
					}
				}
			}
		}
	}
	for _, d := range pg {
		if r := exported().byName[pgCatalogName+"."+d.name]; r != nil {
			d.hasIndex = r.hasIndex
		}
		if rows, ok := staticRows(d.name); ok {
			d.rows = func(*State) [][]pgtype.Datum { return rows }
		}
	}
	bySchema := map[string][]*sysTable{
		pgCatalogName:         append(pg, exportedSysTables(pgCatalogName, pg)...),
		informationSchemaName: append(is, exportedSysTables(informationSchemaName, is)...),
		SluiceSchemaName:      sluiceTables(),
	}
	byName := map[string]*sysTable{}
	for schema, defs := range bySchema {
		for _, d := range defs {
			byName[schema+"."+d.name] = d
		}
	}
	return bySchema, byName
}

// isSystemSchema says whether a schema is PostgreSQL's rather than a
// layer's: pg_stat_user_tables and friends leave it out.
func isSystemSchema(name string) bool {
	return name == pgCatalogName || name == informationSchemaName || name == SluiceSchemaName
}

// lakeDigest identifies what the catalog tables describe (the lake's
// schemas, tables, their versions and row counts), so that a system table's
// Version changes exactly when its rows may: whatever caches by Version
// stays correct.
func lakeDigest(st *State) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %q\n", st.Database, st.Roles)
	for _, sc := range st.Schemas {
		fmt.Fprintf(h, "schema %s %d %q\n", sc.Name, sc.OID, sc.Comment)
		for _, t := range sc.Tables {
			fmt.Fprintf(h, "table %s %d %s %d %d\n", t.Name, t.OID, t.Version, t.RowCount, t.SizeBytes)
		}
	}
	return "catalog:" + hex.EncodeToString(h.Sum(nil))[:16]
}

func (d *sysTable) table(st *State, schema, version string) *Table {
	t := &Table{
		Schema:    schema,
		Name:      d.name,
		OID:       d.oid,
		Columns:   d.cols,
		Format:    FormatSystem,
		Version:   version,
		RowCount:  -1,
		SizeBytes: -1,
	}
	if d.sessionRows != nil {
		t.SessionDependent = true
		t.Rows = func(ctx context.Context) ([]arrow.RecordBatch, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := buildBatch(t.ArrowSchema(), d.sessionRows(st, sessionViewFrom(ctx)))
			if err != nil {
				return nil, err
			}
			return []arrow.RecordBatch{b}, nil
		}
		return t
	}
	// A state is immutable, so its rows are built once, on first use, and
	// every scan gets its own reference.
	build := sync.OnceValues(func() (arrow.RecordBatch, error) { return buildBatch(t.ArrowSchema(), d.rows(st)) })
	t.Rows = func(ctx context.Context) ([]arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := build()
		if err != nil {
			return nil, err
		}
		b.Retain()
		return []arrow.RecordBatch{b}, nil
	}
	return t
}

// buildBatch turns rows of Datums into one Arrow batch of schema sc. Only
// the Arrow types catalog columns use are handled.
func buildBatch(sc *arrow.Schema, rows [][]pgtype.Datum) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, row := range rows {
		if len(row) != len(sc.Fields()) {
			return nil, fmt.Errorf("catalog row has %d values for %d columns", len(row), len(sc.Fields()))
		}
		for i, v := range row {
			if err := appendDatum(b.Field(i), v); err != nil {
				return nil, fmt.Errorf("column %s: %w", sc.Field(i).Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

func appendDatum(fb array.Builder, v pgtype.Datum) error {
	if v == nil {
		fb.AppendNull()
		return nil
	}
	switch fb := fb.(type) {
	case *array.Uint32Builder:
		fb.Append(uint32(v.(int64)))
	case *array.Int16Builder:
		fb.Append(int16(v.(int64)))
	case *array.Int32Builder:
		fb.Append(int32(v.(int64)))
	case *array.Int64Builder:
		fb.Append(v.(int64))
	case *array.Float32Builder:
		fb.Append(float32(v.(float64)))
	case *array.Float64Builder:
		fb.Append(v.(float64))
	case *array.BooleanBuilder:
		fb.Append(v.(bool))
	case *array.StringBuilder:
		fb.Append(v.(string))
	case *array.TimestampBuilder:
		fb.Append(arrow.Timestamp(v.(pgtype.TimestampValue)))
	case *array.ListBuilder:
		fb.Append(true)
		switch vals := v.(type) {
		case []string:
			eb := fb.ValueBuilder().(*array.StringBuilder)
			for _, s := range vals {
				eb.Append(s)
			}
		case []int64:
			for _, n := range vals {
				if err := appendDatum(fb.ValueBuilder(), n); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("unsupported array value %T", v)
		}
	default:
		return fmt.Errorf("unsupported builder %T", fb)
	}
	return nil
}

// roles are the roles a state serves: the configured ones (the first owns
// everything) and pg_database_owner.
type role struct {
	name     string
	oid      int64
	super    bool
	canLogin bool
}

func (st *State) roles() []role {
	names := st.Roles
	if len(names) == 0 {
		names = []string{defaultOwnerRole}
	}
	out := []role{{name: names[0], oid: BootstrapSuperuserOID, super: true, canLogin: true}}
	for _, n := range names[1:] {
		out = append(out, role{name: n, oid: int64(roleOID(n)), canLogin: true})
	}
	return append(out, role{name: pgDatabaseOwnerRoleName, oid: PgDatabaseOwnerOID})
}

// roleOID is a stable OID for a configured role in the user range; roles
// are not relations, so their OIDs need not be distinct from tables'.
func roleOID(name string) uint32 {
	a := newOIDAllocator()
	return a.get("r:" + name)
}

func (st *State) ownerName() string {
	if len(st.Roles) > 0 {
		return st.Roles[0]
	}
	return defaultOwnerRole
}

func (st *State) databaseName() string {
	if st.Database != "" {
		return st.Database
	}
	return defaultDatabaseName
}

// relation is one pg_class row's worth of facts.
type relation struct {
	schema   *Schema
	table    *Table
	kind     byte
	shared   bool
	hasIndex bool // PostgreSQL's system catalogs have indexes; lake tables their primary key's
	// keyOf is the table whose primary key an index relation serves (nil
	// for every other relation).
	keyOf *Table
}

// relations lists every relation of the state in schema, name order.
func (st *State) relations() []relation {
	defs := systemRelationKinds()
	var out []relation
	for _, sc := range st.Schemas {
		for _, t := range sc.Tables {
			r := relation{schema: sc, table: t, kind: relkindTable}
			if d := defs[sc.Name+"."+t.Name]; d != nil && t.Format == FormatSystem {
				r.kind, r.shared, r.hasIndex = d.kind, d.shared, d.hasIndex
			}
			idx := t.primaryKeyIndex()
			r.hasIndex = r.hasIndex || idx != nil
			out = append(out, r)
			if idx != nil {
				out = append(out, relation{schema: sc, table: idx, kind: relkindIndex, keyOf: t})
			}
		}
	}
	return out
}

// userTable says whether a relation is a lake table (pg_stat_user_tables'
// and pg_tables' notion of a user table).
func (r relation) userTable() bool { return !isSystemSchema(r.schema.Name) && r.kind == relkindTable }

func typeLen(oid uint32) int64 {
	if i, ok := pgtype.Lookup(oid); ok {
		return int64(i.Len)
	}
	return -1
}

func ch(c byte) string {
	if c == 0 {
		return ""
	}
	return string(c)
}
