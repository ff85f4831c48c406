package parquet

import (
	"github.com/apache/arrow-go/v18/arrow"
	pq "github.com/apache/arrow-go/v18/parquet"
)

// Decimals of up to 18 digits stored as INT32 or INT64 pages are read
// straight into Decimal64 arrays by the column chunk readers (direct.go):
// pqarrow would widen every value to a Decimal128 (its
// transferDecimalIntegerValues took 9% of the CPU of TPC-H Q1/Q6), which
// the scan then narrows again.

// directDecimal reports whether top-level field of the file can be read as
// a directCol of type t: a flat INT32/INT64 decimal leaf of t's scale.
func directDecimal(fs *fileScan, field int, t arrow.DataType) (directCol, bool) {
	d64, ok := t.(*arrow.Decimal64Type)
	if !ok {
		return directCol{}, false
	}
	sf := &fs.footer.Manifest.Fields[field]
	if !sf.IsLeaf() {
		return directCol{}, false
	}
	ft, ok := sf.Field.Type.(*arrow.Decimal128Type)
	if !ok || ft.Scale != d64.Scale || ft.Precision > 18 {
		return directCol{}, false
	}
	col := fs.footer.Meta.Schema.Column(sf.ColIndex)
	if col.MaxRepetitionLevel() != 0 || col.MaxDefinitionLevel() > 1 {
		return directCol{}, false
	}
	kind := directInt64
	switch col.PhysicalType() {
	case pq.Types.Int32:
		kind = directDecimal32
	case pq.Types.Int64:
	default:
		return directCol{}, false
	}
	return directCol{leaf: sf.ColIndex, kind: kind, required: col.MaxDefinitionLevel() == 0, typ: d64}, true
}
