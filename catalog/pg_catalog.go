package catalog

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// OIDs PostgreSQL gives its own catalog objects; clients hard-code some.
const (
	PgCatalogNamespaceOID = 11
	PgTypeRelationOID     = 1247
)

// pgTypeRow is one row of PostgreSQL 15's pg_type, as the server itself
// reports it (exported with psql from a stock PostgreSQL 15).
type pgTypeRow struct {
	oid      uint32
	name     string
	len      int16
	typtype  byte
	category byte
	elem     uint32
	array    uint32
}

var pgTypeRows = []pgTypeRow{
	{16, "bool", 1, 'b', 'B', 0, 1000},
	{17, "bytea", -1, 'b', 'U', 0, 1001},
	{18, "char", 1, 'b', 'Z', 0, 1002},
	{19, "name", 64, 'b', 'S', 18, 1003},
	{20, "int8", 8, 'b', 'N', 0, 1016},
	{21, "int2", 2, 'b', 'N', 0, 1005},
	{23, "int4", 4, 'b', 'N', 0, 1007},
	{24, "regproc", 4, 'b', 'N', 0, 1008},
	{25, "text", -1, 'b', 'S', 0, 1009},
	{26, "oid", 4, 'b', 'N', 0, 1028},
	{114, "json", -1, 'b', 'U', 0, 199},
	{199, "_json", -1, 'b', 'A', 114, 0},
	{700, "float4", 4, 'b', 'N', 0, 1021},
	{701, "float8", 8, 'b', 'N', 0, 1022},
	{705, "unknown", -2, 'p', 'X', 0, 0},
	{1000, "_bool", -1, 'b', 'A', 16, 0},
	{1001, "_bytea", -1, 'b', 'A', 17, 0},
	{1002, "_char", -1, 'b', 'A', 18, 0},
	{1003, "_name", -1, 'b', 'A', 19, 0},
	{1005, "_int2", -1, 'b', 'A', 21, 0},
	{1007, "_int4", -1, 'b', 'A', 23, 0},
	{1008, "_regproc", -1, 'b', 'A', 24, 0},
	{1009, "_text", -1, 'b', 'A', 25, 0},
	{1014, "_bpchar", -1, 'b', 'A', 1042, 0},
	{1015, "_varchar", -1, 'b', 'A', 1043, 0},
	{1016, "_int8", -1, 'b', 'A', 20, 0},
	{1021, "_float4", -1, 'b', 'A', 700, 0},
	{1022, "_float8", -1, 'b', 'A', 701, 0},
	{1028, "_oid", -1, 'b', 'A', 26, 0},
	{1042, "bpchar", -1, 'b', 'S', 0, 1014},
	{1043, "varchar", -1, 'b', 'S', 0, 1015},
	{1082, "date", 4, 'b', 'D', 0, 1182},
	{1083, "time", 8, 'b', 'D', 0, 1183},
	{1114, "timestamp", 8, 'b', 'D', 0, 1115},
	{1115, "_timestamp", -1, 'b', 'A', 1114, 0},
	{1182, "_date", -1, 'b', 'A', 1082, 0},
	{1183, "_time", -1, 'b', 'A', 1083, 0},
	{1184, "timestamptz", 8, 'b', 'D', 0, 1185},
	{1185, "_timestamptz", -1, 'b', 'A', 1184, 0},
	{1186, "interval", 16, 'b', 'T', 0, 1187},
	{1187, "_interval", -1, 'b', 'A', 1186, 0},
	{1231, "_numeric", -1, 'b', 'A', 1700, 0},
	{1700, "numeric", -1, 'b', 'N', 0, 1231},
	{2202, "regprocedure", 4, 'b', 'N', 0, 2207},
	{2203, "regoper", 4, 'b', 'N', 0, 2208},
	{2204, "regoperator", 4, 'b', 'N', 0, 2209},
	{2205, "regclass", 4, 'b', 'N', 0, 2210},
	{2206, "regtype", 4, 'b', 'N', 0, 2211},
	{2210, "_regclass", -1, 'b', 'A', 2205, 0},
	{2211, "_regtype", -1, 'b', 'A', 2206, 0},
	{2249, "record", -1, 'p', 'P', 0, 2287},
	{2278, "void", 4, 'p', 'P', 0, 0},
	{2950, "uuid", 16, 'b', 'U', 0, 2951},
	{2951, "_uuid", -1, 'b', 'A', 2950, 0},
	{3802, "jsonb", -1, 'b', 'U', 0, 3807},
	{3807, "_jsonb", -1, 'b', 'A', 3802, 0},
	{4089, "regnamespace", 4, 'b', 'N', 0, 4090},
	{4096, "regrole", 4, 'b', 'N', 0, 4097},
}

// pgTypeTable is pg_catalog.pg_type with the columns drivers read at
// connect (psqlODBC's typbasetype lookup of 'lo', pgjdbc's type lookups).
// Rows are PostgreSQL's own for the built-in types Sluice knows.
func pgTypeTable() *Table {
	cols := []Column{
		{Name: "oid", Type: pgtype.OIDType, NotNull: true},
		{Name: "typname", Type: pgtype.Name, NotNull: true},
		{Name: "typnamespace", Type: pgtype.OIDType, NotNull: true},
		{Name: "typlen", Type: pgtype.Int2, NotNull: true},
		{Name: "typtype", Type: pgtype.Type{OID: pgtype.CharOID, Typmod: -1}, NotNull: true},
		{Name: "typcategory", Type: pgtype.Type{OID: pgtype.CharOID, Typmod: -1}, NotNull: true},
		{Name: "typelem", Type: pgtype.OIDType, NotNull: true},
		{Name: "typarray", Type: pgtype.OIDType, NotNull: true},
		{Name: "typbasetype", Type: pgtype.OIDType, NotNull: true},
		{Name: "typnotnull", Type: pgtype.Bool, NotNull: true},
		{Name: "typtypmod", Type: pgtype.Int4, NotNull: true},
		// typcollation is read by psql's \d (a.attcollation <> t.typcollation).
		{Name: "typcollation", Type: pgtype.OIDType, NotNull: true},
	}
	t := &Table{
		Schema:    "pg_catalog",
		Name:      "pg_type",
		OID:       PgTypeRelationOID,
		Columns:   cols,
		Format:    FormatSystem,
		Version:   "static",
		RowCount:  int64(len(builtinTypeRows())),
		SizeBytes: -1,
	}
	t.Rows = func(ctx context.Context) ([]arrow.RecordBatch, error) {
		return []arrow.RecordBatch{pgTypeBatch(t.ArrowSchema(), memory.DefaultAllocator)}, nil
	}
	return t
}

// builtinTypeRows are the pg_type rows of the types pgtype knows, in OID
// order.
func builtinTypeRows() []pgTypeRow {
	known := map[uint32]bool{}
	for _, i := range pgtype.Infos() {
		known[i.OID] = true
	}
	var out []pgTypeRow
	for _, r := range pgTypeRows {
		if known[r.oid] {
			out = append(out, r)
		}
	}
	return out
}

func pgTypeBatch(sc *arrow.Schema, mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for _, r := range builtinTypeRows() {
		b.Field(0).(*array.Uint32Builder).Append(r.oid)
		b.Field(1).(*array.StringBuilder).Append(r.name)
		b.Field(2).(*array.Uint32Builder).Append(PgCatalogNamespaceOID)
		b.Field(3).(*array.Int16Builder).Append(r.len)
		b.Field(4).(*array.StringBuilder).Append(string(r.typtype))
		b.Field(5).(*array.StringBuilder).Append(string(r.category))
		b.Field(6).(*array.Uint32Builder).Append(r.elem)
		b.Field(7).(*array.Uint32Builder).Append(r.array)
		b.Field(8).(*array.Uint32Builder).Append(0)
		b.Field(9).(*array.BooleanBuilder).Append(false)
		b.Field(10).(*array.Int32Builder).Append(-1)
		b.Field(11).(*array.Uint32Builder).Append(typeCollation(r))
	}
	return b.NewRecordBatch()
}

// typeCollation is pg_type.typcollation: "default" (100) for the string
// types and their arrays, "C" (950) for name, none (0) otherwise, as in
// PostgreSQL 15.
func typeCollation(r pgTypeRow) uint32 {
	switch r.name {
	case "name", "_name":
		return 950
	case "text", "varchar", "bpchar", "_text", "_varchar", "_bpchar":
		return 100
	}
	return 0
}
