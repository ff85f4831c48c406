package catalog

import (
	"time"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// The sluice schema holds Sluice's own views of the lake: sluice.tables
// (what each table is made of and which version a query reads now) and
// sluice.freshness (how long ago each table last committed). It is a
// system schema: never a user's "$user" schema, not a user table's home.

// SluiceSchemaName is the schema of Sluice's system tables.
const SluiceSchemaName = "sluice"

// OIDs of the sluice schema and its tables: below PostgreSQL's first user
// OID (16384, where the lake's begin) and unused by PostgreSQL 15.
const (
	SluiceNamespaceOID = 9800
	sluiceTablesOID    = 9801
	sluiceFreshnessOID = 9802
)

// IsSystemSchema says whether a schema is one the server defines
// (pg_catalog, information_schema, sluice) rather than a lake layer:
// search_path's "$user" never resolves to one.
func IsSystemSchema(name string) bool { return isSystemSchema(name) }

var tInt8v, tFloat8 = pgtype.Int8, pgtype.Float8

func sluiceTables() []*sysTable {
	return []*sysTable{
		{name: "tables", oid: sluiceTablesOID, kind: relkindView, cols: []Column{
			ncol("layer", tName), ncol("table_name", tName), ncol("format", tText), ncol("version", tText),
			ncol("snapshot_id", tInt8v), ncol("rows", tInt8v), ncol("bytes", tInt8v), ncol("files", tInt4),
			ncol("last_commit", tTstz), ncol("location", tText),
		}, rows: sluiceTablesRows},
		// Its rows depend on the moment they are read: computed per scan
		// and never cached.
		{name: "freshness", oid: sluiceFreshnessOID, kind: relkindView, cols: []Column{
			ncol("layer", tName), ncol("table_name", tName), ncol("last_commit", tTstz),
			ncol("seconds_since_commit", tFloat8),
		}, sessionRows: sluiceFreshnessRows},
	}
}

// formatName is how sluice.tables names a table's format.
func formatName(f Format) string {
	switch f {
	case FormatIceberg:
		return "iceberg"
	case FormatHiveParquet:
		return "parquet"
	}
	return "system"
}

// lakeTables calls fn for every lake table of the state, in schema and
// name order.
func (st *State) lakeTables(fn func(*Schema, *Table)) {
	for _, sc := range st.Schemas {
		if isSystemSchema(sc.Name) {
			continue
		}
		for _, t := range sc.Tables {
			if t.Format != FormatSystem {
				fn(sc, t)
			}
		}
	}
}

func sluiceTablesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	st.lakeTables(func(sc *Schema, t *Table) {
		var snapshot, rows, bytes, commit pgtype.Datum
		if t.Format == FormatIceberg {
			snapshot = t.SnapshotID
		}
		if t.RowCount >= 0 {
			rows = t.RowCount
		}
		if t.SizeBytes >= 0 {
			bytes = t.SizeBytes
		}
		if !t.LastModified.IsZero() {
			commit = pgtype.TimestampValue(t.LastModified.UnixMicro())
		}
		out = append(out, row{sc.Name, t.Name, formatName(t.Format), t.Version, snapshot, rows, bytes,
			int64(len(t.Files)), commit, t.Location})
	})
	return out
}

func sluiceFreshnessRows(st *State, _ SessionView) [][]pgtype.Datum {
	now := time.Now()
	var out [][]pgtype.Datum
	st.lakeTables(func(sc *Schema, t *Table) {
		var commit, age pgtype.Datum
		if !t.LastModified.IsZero() {
			commit = pgtype.TimestampValue(t.LastModified.UnixMicro())
			age = now.Sub(t.LastModified).Seconds()
		}
		out = append(out, row{sc.Name, t.Name, commit, age})
	})
	return out
}
