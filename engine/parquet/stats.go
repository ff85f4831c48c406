package parquet

import (
	"math"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// ColumnStats is what a row group's metadata says of one table column:
// bounds for pruning, never exact values to answer a query with.
type ColumnStats struct {
	Rows int64
	// NullCount is -1 when unknown.
	NullCount int64
	// Min and Max bound the non-NULL values (Datums of the column's type);
	// both nil when unknown or when every value is NULL.
	Min, Max pgtype.Datum
}

// RowGroupStats returns, for each row group of f (a file of tbl), the
// statistics of table column col. Partition columns have their path value
// as both bounds. Columns missing from the file are all NULL. Bounds are
// given for integer, float, boolean, date, timestamp and text columns.
func RowGroupStats(tbl *catalog.Table, f *catalog.File, col int) ([]ColumnStats, error) {
	ft := f.Footer
	if ft == nil {
		var err error
		if ft, err = catalog.ReadFooter(f.Path); err != nil {
			return nil, readError(tbl, f, err)
		}
	}
	c := tbl.Columns[col]
	out := make([]ColumnStats, ft.Meta.NumRowGroups())
	leaf := -1
	if !c.Partition {
		// The column as the scan finds it: by Iceberg field id, else by
		// name. A renamed Iceberg column found by its old name would
		// look absent (all NULL) and prune row groups that match.
		field := -1
		if tbl.Format == catalog.FormatIceberg {
			field = icebergField(ft, tbl, c.FieldID, c.Name)
		} else if idx := ft.Schema.FieldIndices(c.Name); len(idx) > 0 {
			field = idx[0]
		}
		if field >= 0 {
			if sf := ft.Manifest.Fields[field]; sf.IsLeaf() {
				leaf = sf.ColIndex
			}
		} else {
			leaf = -2 // absent: all NULL
		}
	}
	var pv pgtype.Datum
	if c.Partition {
		n := 0
		for _, tc := range tbl.Columns[:col] {
			if tc.Partition {
				n++
			}
		}
		pv = f.PartitionValues[n]
	}
	for rg := range out {
		rgm := ft.Meta.RowGroup(rg)
		st := ColumnStats{Rows: rgm.NumRows(), NullCount: -1}
		switch {
		case c.Partition:
			st.NullCount = 0
			if pv == nil {
				st.NullCount = st.Rows
			} else {
				st.Min, st.Max = pv, pv
			}
		case leaf == -2:
			st.NullCount = st.Rows
		case leaf >= 0:
			cc, err := rgm.ColumnChunk(leaf)
			if err != nil {
				return nil, readError(tbl, f, err)
			}
			ts, err := cc.Statistics()
			if err != nil {
				return nil, readError(tbl, f, err)
			}
			if ts != nil {
				if ts.HasNullCount() {
					st.NullCount = ts.NullCount()
				}
				if ts.HasMinMax() {
					st.Min, st.Max = bounds(c.Type, ts)
				}
			}
		}
		out[rg] = st
	}
	return out, nil
}

// bounds converts Parquet min/max statistics to Datums of t, widening
// where a unit conversion loses precision so they stay bounds.
func bounds(t pgtype.Type, ts metadata.TypedStatistics) (lo, hi pgtype.Datum) {
	switch s := ts.(type) {
	case *metadata.BooleanStatistics:
		if t.OID == pgtype.BoolOID {
			return s.Min(), s.Max()
		}
	case *metadata.Int32Statistics:
		switch t.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			if isUnsigned(ts) {
				return int64(uint32(s.Min())), int64(uint32(s.Max()))
			}
			return int64(s.Min()), int64(s.Max())
		case pgtype.DateOID:
			return pgtype.DateValue(s.Min()), pgtype.DateValue(s.Max())
		}
	case *metadata.Int64Statistics:
		switch t.OID {
		case pgtype.Int8OID:
			if isUnsigned(ts) {
				return nil, nil // may not fit int8
			}
			return s.Min(), s.Max()
		case pgtype.TimestampOID, pgtype.TimestamptzOID:
			ut, ok := ts.Descr().LogicalType().(schema.TimestampLogicalType)
			if !ok {
				return nil, nil
			}
			lo, hi := s.Min(), s.Max()
			switch ut.TimeUnit() {
			case schema.TimeUnitMillis:
				if lo < math.MinInt64/1000 || hi > math.MaxInt64/1000 {
					return nil, nil
				}
				lo, hi = lo*1000, hi*1000
			case schema.TimeUnitNanos:
				lo, hi = floorDiv(lo, 1000), -floorDiv(-hi, 1000)
			}
			return pgtype.TimestampValue(lo), pgtype.TimestampValue(hi)
		}
	case *metadata.Float32Statistics:
		if t.OID == pgtype.Float4OID || t.OID == pgtype.Float8OID {
			return float64(s.Min()), float64(s.Max())
		}
	case *metadata.Float64Statistics:
		if t.OID == pgtype.Float8OID {
			return s.Min(), s.Max()
		}
	case *metadata.ByteArrayStatistics:
		if t.OID == pgtype.TextOID || t.OID == pgtype.VarcharOID {
			return string(s.Min()), string(s.Max())
		}
	}
	return nil, nil
}

func isUnsigned(ts metadata.TypedStatistics) bool {
	it, ok := ts.Descr().LogicalType().(schema.IntLogicalType)
	return ok && !it.IsSigned()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}
