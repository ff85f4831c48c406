package parquet

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Decimals of up to 18 digits stored as INT32 or INT64 pages are read
// straight into Decimal64 arrays by the column chunk readers: pqarrow would
// widen every value to a Decimal128 (its transferDecimalIntegerValues took
// 9% of the CPU of TPC-H Q1/Q6), which the scan then narrows again.

// directCol is a flat decimal leaf read without pqarrow.
type directCol struct {
	leaf     int // Parquet leaf column index
	int32    bool
	required bool // max definition level 0: no NULLs
	typ      *arrow.Decimal64Type
}

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
	switch col.PhysicalType() {
	case pq.Types.Int32, pq.Types.Int64:
	default:
		return directCol{}, false
	}
	return directCol{
		leaf:     sf.ColIndex,
		int32:    col.PhysicalType() == pq.Types.Int32,
		required: col.MaxDefinitionLevel() == 0,
		typ:      d64,
	}, true
}

// directReader reads one directCol of one row group batch by batch.
type directReader struct {
	col   directCol
	r64   *file.Int64ColumnChunkReader
	r32   *file.Int32ColumnChunkReader
	defs  []int16
	tmp32 []int32
}

func newDirectReader(rg *file.RowGroupReader, c directCol) (*directReader, error) {
	cr, err := rg.Column(c.leaf)
	if err != nil {
		return nil, err
	}
	d := &directReader{col: c}
	var ok bool
	if c.int32 {
		d.r32, ok = cr.(*file.Int32ColumnChunkReader)
	} else {
		d.r64, ok = cr.(*file.Int64ColumnChunkReader)
	}
	if !ok {
		cr.Close()
		return nil, fmt.Errorf("column %d: unexpected reader %T", c.leaf, cr)
	}
	return d, nil
}

// close releases the reader's pages.
func (d *directReader) close() {
	if d.r64 != nil {
		d.r64.Close()
	} else {
		d.r32.Close()
	}
}

// read returns the next n rows as a Decimal64 array.
func (d *directReader) read(mem memory.Allocator, n int) (arrow.Array, error) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * 8)
	defer buf.Release()
	vals := arrow.Int64Traits.CastFromBytes(buf.Bytes())[:n]
	var defs []int16
	if !d.col.required {
		if cap(d.defs) < n {
			d.defs = make([]int16, n)
		}
		defs = d.defs[:n]
	}
	// Values come densely (NULLs take no slot): read them to the front.
	rows, nvals := 0, 0
	for rows < n {
		var (
			total int64
			got   int
			err   error
		)
		var dl []int16
		if defs != nil {
			dl = defs[rows:]
		}
		if d.r64 != nil {
			total, got, err = d.r64.ReadBatch(int64(n-rows), vals[nvals:], dl, nil)
		} else {
			if cap(d.tmp32) < n-rows {
				d.tmp32 = make([]int32, n)
			}
			total, got, err = d.r32.ReadBatch(int64(n-rows), d.tmp32[:n-rows], dl, nil)
			for i, x := range d.tmp32[:got] {
				vals[nvals+i] = int64(x)
			}
		}
		if err != nil {
			return nil, err
		}
		if total == 0 {
			return nil, fmt.Errorf("column %d ended after %d of %d rows", d.col.leaf, rows, n)
		}
		rows += int(total)
		nvals += got
	}
	var valid *memory.Buffer
	nulls := n - nvals
	if nulls > 0 {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(int64(n))))
		defer valid.Release()
		bits := valid.Bytes()
		clear(bits)
		// Spread the values to their rows from the back, so that no value
		// is overwritten before it moves.
		j := nvals - 1
		for i := n - 1; i >= 0; i-- {
			if defs[i] > 0 {
				vals[i] = vals[j]
				j--
				bitutil.SetBit(bits, i)
			} else {
				vals[i] = 0
			}
		}
	}
	data := array.NewData(d.col.typ, n, []*memory.Buffer{valid, buf}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
