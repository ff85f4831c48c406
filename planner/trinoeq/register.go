// Package trinoeq checks the Trino translation against a real Trino: the
// same queries over the same files give the same rows locally and there.
// RegisterLake, its one export, makes a lake's Hive-style tables readable
// by a test Trino's hive catalog; it is for tests, never for serving.
package trinoeq

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// DDLType is the Trino type of a lake column as its Parquet files store it
// ("" when Trino's hive connector cannot read it). Timestamps have
// microseconds: the hive catalog must read them so
// (hive.timestamp-precision=MICROSECONDS, as scripts/trino.sh sets it), or
// CREATE TABLE rejects the column.
func DDLType(typ pgtype.Type) string {
	if typ.IsArray() {
		if e := DDLType(typ.Elem()); e != "" {
			return "array(" + e + ")"
		}
		return ""
	}
	switch typ.OID {
	case pgtype.Int2OID:
		return "smallint"
	case pgtype.Int4OID:
		return "integer"
	case pgtype.Int8OID:
		return "bigint"
	case pgtype.Float4OID:
		return "real"
	case pgtype.Float8OID:
		return "double"
	case pgtype.BoolOID:
		return "boolean"
	case pgtype.DateOID:
		return "date"
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		return "timestamp(6)"
	case pgtype.NumericOID:
		if p, s, ok := pgtype.NumericPrecisionScale(typ.Typmod); ok {
			return fmt.Sprintf("decimal(%d,%d)", p, s)
		}
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.JSONOID, pgtype.JSONBOID:
		return "varchar"
	}
	return ""
}

// partitionLiteral is a partition value as a Trino literal of its column's
// type.
func partitionLiteral(v pgtype.Datum, typ pgtype.Type) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "CAST(NULL AS " + DDLType(typ) + ")", DDLType(typ) != ""
	case pgtype.DateValue:
		return "DATE '" + time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02") + "'", true
	case int64:
		return fmt.Sprintf("CAST(%d AS %s)", x, DDLType(typ)), DDLType(typ) != ""
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", true
	case bool:
		return fmt.Sprint(x), true
	}
	return "", false
}

// RegisterLake makes the Hive-style Parquet tables of the given layers
// readable as hive.<layer>.<table>. An unpartitioned table is an external
// table over its directory; a partitioned one is a view over one external
// table per partition directory, with the partition values as constants,
// so that no procedure (sync_partition_metadata, which a test Trino's
// access control may forbid) is needed. Tables with columns Trino cannot
// read are left out. Registering again replaces nothing that exists.
func RegisterLake(ctx context.Context, db *sql.DB, lakeDir string, st *catalog.State, layers ...string) error {
	exec := func(q string) error {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("trino: %s: %w", q, err)
		}
		return nil
	}
	want := map[string]bool{}
	for _, l := range layers {
		want[l] = true
	}
	for _, sc := range st.Schemas {
		if !want[sc.Name] {
			continue
		}
		if err := exec(fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS hive.%q WITH (location = 'local:///%s')", sc.Name, sc.Name)); err != nil {
			return err
		}
		for _, tb := range sc.Tables {
			if tb.Format != catalog.FormatHiveParquet || len(tb.Files) == 0 {
				continue
			}
			var cols, partNames []string
			var partTypes []pgtype.Type
			readable := true
			for _, c := range tb.Columns {
				tt := DDLType(c.Type)
				readable = readable && tt != ""
				if c.Partition {
					partNames = append(partNames, c.Name)
					partTypes = append(partTypes, c.Type)
				} else {
					cols = append(cols, fmt.Sprintf("%q %s", c.Name, tt))
				}
			}
			if !readable {
				continue
			}
			external := func(name, dir string) error {
				rel, err := filepath.Rel(lakeDir, dir)
				if err != nil {
					return err
				}
				return exec(fmt.Sprintf("CREATE TABLE IF NOT EXISTS hive.%q.%q (%s) WITH (format = 'PARQUET', external_location = 'local:///%s')",
					sc.Name, name, strings.Join(cols, ", "), filepath.ToSlash(rel)))
			}
			if len(partNames) == 0 {
				if err := external(tb.Name, tb.Location); err != nil {
					return err
				}
				continue
			}
			// One external table per partition directory.
			dirs := map[string][]pgtype.Datum{}
			for _, f := range tb.Files {
				dirs[filepath.Dir(f.Path)] = f.PartitionValues
			}
			keys := make([]string, 0, len(dirs))
			for d := range dirs {
				keys = append(keys, d)
			}
			sort.Strings(keys)
			var branches []string
			for i, d := range keys {
				part := fmt.Sprintf("%s__p%d", tb.Name, i)
				if err := external(part, d); err != nil {
					return err
				}
				items := []string{}
				for _, c := range tb.Columns {
					if !c.Partition {
						items = append(items, fmt.Sprintf("%q", c.Name))
						continue
					}
					k := 0
					for k < len(partNames) && partNames[k] != c.Name {
						k++
					}
					lit, ok := partitionLiteral(dirs[d][k], partTypes[k])
					if !ok {
						return fmt.Errorf("partition value %v of %s.%s has no Trino literal", dirs[d][k], sc.Name, tb.Name)
					}
					items = append(items, fmt.Sprintf("%s AS %q", lit, c.Name))
				}
				branches = append(branches, fmt.Sprintf("SELECT %s FROM hive.%q.%q", strings.Join(items, ", "), sc.Name, part))
			}
			if err := exec(fmt.Sprintf("CREATE OR REPLACE VIEW hive.%q.%q AS %s", sc.Name, tb.Name, strings.Join(branches, " UNION ALL "))); err != nil {
				return err
			}
		}
	}
	return nil
}
