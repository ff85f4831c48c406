package parquet

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Flat fixed-width leaves (integers, dates, floats, booleans, 64-bit
// decimals) are read with arrow-go's column chunk readers straight into the
// output array's buffer: pqarrow's record reader decodes the same pages but
// adds its own level bookkeeping, value buffers it grows and copies, and a
// transfer into the array (a copy for dates, a widening for decimals).

// directKind is how a leaf's physical values become the array's values.
type directKind uint8

const (
	directInt32       directKind = iota // INT32 → a 32-bit type (int4, date)
	directInt64                         // INT64 → a 64-bit type (int8, decimal(≤18))
	directDecimal32                     // INT32 decimal → Decimal64, widened
	directFloat32                       // FLOAT → float4
	directFloat64                       // DOUBLE → float8
	directBool                          // BOOLEAN → bool
	directUnsupported                   // not read directly
)

// directCol is a flat leaf read without pqarrow.
type directCol struct {
	leaf     int // Parquet leaf column index
	kind     directKind
	required bool // max definition level 0: no NULLs
	typ      arrow.DataType
}

// directColumn reports whether top-level field of the file can be read as a
// directCol of type t: a flat, non-repeated leaf whose values are t's
// values bit for bit (or, for INT32 decimals, after widening).
func directColumn(fs *fileScan, field int, t arrow.DataType) (directCol, bool) {
	if dc, ok := directDecimal(fs, field, t); ok {
		return dc, true
	}
	sf := &fs.footer.Manifest.Fields[field]
	if !sf.IsLeaf() || !arrow.TypeEqual(sf.Field.Type, t) {
		return directCol{}, false
	}
	col := fs.footer.Meta.Schema.Column(sf.ColIndex)
	if col.MaxRepetitionLevel() != 0 || col.MaxDefinitionLevel() > 1 {
		return directCol{}, false
	}
	kind := directUnsupported
	lt := col.LogicalType()
	switch t.ID() {
	case arrow.INT32:
		if col.PhysicalType() == pq.Types.Int32 && plainInt(lt, 32) {
			kind = directInt32
		}
	case arrow.DATE32:
		if _, ok := lt.(schema.DateLogicalType); ok && col.PhysicalType() == pq.Types.Int32 {
			kind = directInt32
		}
	case arrow.INT64:
		if col.PhysicalType() == pq.Types.Int64 && plainInt(lt, 64) {
			kind = directInt64
		}
	case arrow.TIMESTAMP, arrow.TIME64:
		// The arrow type already matches (time zone included); the unit
		// must be the stored one, or pqarrow would rescale the values.
		if col.PhysicalType() == pq.Types.Int64 && sameUnit(lt, t) {
			kind = directInt64
		}
	case arrow.FLOAT32:
		if col.PhysicalType() == pq.Types.Float {
			kind = directFloat32
		}
	case arrow.FLOAT64:
		if col.PhysicalType() == pq.Types.Double {
			kind = directFloat64
		}
	case arrow.BOOL:
		if col.PhysicalType() == pq.Types.Boolean {
			kind = directBool
		}
	}
	if kind == directUnsupported {
		return directCol{}, false
	}
	return directCol{leaf: sf.ColIndex, kind: kind, required: col.MaxDefinitionLevel() == 0, typ: t}, true
}

// plainInt reports whether a leaf of logical type lt holds signed integers
// of the physical width (no logical type, or INT(bits, signed)).
func plainInt(lt schema.LogicalType, bits int8) bool {
	switch l := lt.(type) {
	case nil, schema.NoLogicalType, *schema.NoLogicalType:
		return true
	case interface {
		BitWidth() int8
		IsSigned() bool
	}:
		return l.BitWidth() == bits && l.IsSigned()
	}
	return false
}

// sameUnit reports whether a TIMESTAMP or TIME leaf of logical type lt
// stores values in the unit of arrow type t.
func sameUnit(lt schema.LogicalType, t arrow.DataType) bool {
	var unit schema.TimeUnitType
	switch l := lt.(type) {
	case schema.TimestampLogicalType:
		unit = l.TimeUnit()
	case *schema.TimestampLogicalType:
		unit = l.TimeUnit()
	case schema.TimeLogicalType:
		unit = l.TimeUnit()
	case *schema.TimeLogicalType:
		unit = l.TimeUnit()
	default:
		return false
	}
	var want arrow.TimeUnit
	switch tt := t.(type) {
	case *arrow.TimestampType:
		want = tt.Unit
	case *arrow.Time64Type:
		want = tt.Unit
	default:
		return false
	}
	switch unit {
	case schema.TimeUnitMillis:
		return want == arrow.Millisecond
	case schema.TimeUnitMicros:
		return want == arrow.Microsecond
	case schema.TimeUnitNanos:
		return want == arrow.Nanosecond
	}
	return false
}

// directReader reads one directCol of one row group batch by batch.
type directReader struct {
	col   directCol
	cr    file.ColumnChunkReader
	defs  []int16
	tmp32 []int32 // INT32 decimals before widening
	tmpB  []bool  // booleans before packing
}

func newDirectReader(rg *file.RowGroupReader, c directCol) (*directReader, error) {
	cr, err := rg.Column(c.leaf)
	if err != nil {
		return nil, err
	}
	var ok bool
	switch c.kind {
	case directInt32, directDecimal32:
		_, ok = cr.(*file.Int32ColumnChunkReader)
	case directInt64:
		_, ok = cr.(*file.Int64ColumnChunkReader)
	case directFloat32:
		_, ok = cr.(*file.Float32ColumnChunkReader)
	case directFloat64:
		_, ok = cr.(*file.Float64ColumnChunkReader)
	case directBool:
		_, ok = cr.(*file.BooleanColumnChunkReader)
	}
	if !ok {
		cr.Close()
		return nil, fmt.Errorf("column %d: unexpected reader %T", c.leaf, cr)
	}
	return &directReader{col: c, cr: cr}, nil
}

// close releases the reader's pages.
func (d *directReader) close() { d.cr.Close() }

// batchReader is what the typed column chunk readers have in common.
type batchReader[T any] interface {
	ReadBatch(batchSize int64, values []T, defLvls, repLvls []int16) (int64, int, error)
}

// readDense reads n rows into vals and defs (nil for a required leaf):
// values come densely, NULLs take no slot. It returns how many values.
func readDense[T any](r batchReader[T], leaf int, vals []T, defs []int16, n int) (int, error) {
	rows, nvals := 0, 0
	for rows < n {
		var dl []int16
		if defs != nil {
			dl = defs[rows:n]
		}
		total, got, err := r.ReadBatch(int64(n-rows), vals[nvals:n], dl, nil)
		if err != nil {
			return 0, err
		}
		if total == 0 {
			return 0, fmt.Errorf("column %d ended after %d of %d rows", leaf, rows, n)
		}
		rows += int(total)
		nvals += got
	}
	return nvals, nil
}

// spread moves the nvals dense values at the front of vals to their rows
// (those whose definition level is not 0), from the back so that no value is
// overwritten before it moves; NULL rows get the zero value. It sets the
// valid rows' bits.
func spread[T any](vals []T, defs []int16, nvals int, bits []byte) {
	var zero T
	j := nvals - 1
	for i := len(defs) - 1; i >= 0; i-- {
		if defs[i] > 0 {
			vals[i] = vals[j]
			j--
			bitutil.SetBit(bits, i)
		} else {
			vals[i] = zero
		}
	}
}

// read returns the next n rows as an array of the column's type.
func (d *directReader) read(mem memory.Allocator, n int) (arrow.Array, error) {
	var defs []int16
	if !d.col.required {
		if cap(d.defs) < n {
			d.defs = make([]int16, n)
		}
		defs = d.defs[:n]
	}
	width := 8
	switch d.col.kind {
	case directInt32, directFloat32:
		width = 4
	case directBool:
		width = 0
	}
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	if width > 0 {
		buf.Resize(n * width)
	} else {
		buf.Resize(int(bitutil.BytesForBits(int64(n))))
	}
	var valid *memory.Buffer
	var bits []byte
	newValid := func() {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(int64(n))))
		bits = valid.Bytes()
		clear(bits)
	}
	var (
		nvals int
		err   error
	)
	switch d.col.kind {
	case directInt32:
		vals := arrow.Int32Traits.CastFromBytes(buf.Bytes())[:n]
		if nvals, err = readDense(d.cr.(*file.Int32ColumnChunkReader), d.col.leaf, vals, defs, n); err == nil && nvals < n {
			newValid()
			spread(vals, defs, nvals, bits)
		}
	case directInt64:
		vals := arrow.Int64Traits.CastFromBytes(buf.Bytes())[:n]
		if nvals, err = readDense(d.cr.(*file.Int64ColumnChunkReader), d.col.leaf, vals, defs, n); err == nil && nvals < n {
			newValid()
			spread(vals, defs, nvals, bits)
		}
	case directFloat32:
		vals := arrow.Float32Traits.CastFromBytes(buf.Bytes())[:n]
		if nvals, err = readDense(d.cr.(*file.Float32ColumnChunkReader), d.col.leaf, vals, defs, n); err == nil && nvals < n {
			newValid()
			spread(vals, defs, nvals, bits)
		}
	case directFloat64:
		vals := arrow.Float64Traits.CastFromBytes(buf.Bytes())[:n]
		if nvals, err = readDense(d.cr.(*file.Float64ColumnChunkReader), d.col.leaf, vals, defs, n); err == nil && nvals < n {
			newValid()
			spread(vals, defs, nvals, bits)
		}
	case directDecimal32:
		vals := arrow.Int64Traits.CastFromBytes(buf.Bytes())[:n]
		if cap(d.tmp32) < n {
			d.tmp32 = make([]int32, n)
		}
		if nvals, err = readDense(d.cr.(*file.Int32ColumnChunkReader), d.col.leaf, d.tmp32[:n], defs, n); err == nil {
			for i, x := range d.tmp32[:nvals] {
				vals[i] = int64(x)
			}
			if nvals < n {
				newValid()
				spread(vals, defs, nvals, bits)
			}
		}
	case directBool:
		if cap(d.tmpB) < n {
			d.tmpB = make([]bool, n)
		}
		vals := d.tmpB[:n]
		if nvals, err = readDense(d.cr.(*file.BooleanColumnChunkReader), d.col.leaf, vals, defs, n); err == nil {
			if nvals < n {
				newValid()
				spread(vals, defs, nvals, bits)
			}
			out := buf.Bytes()
			clear(out)
			for i, v := range vals {
				if v {
					bitutil.SetBit(out, i)
				}
			}
		}
	}
	if valid != nil {
		defer valid.Release()
	}
	if err != nil {
		return nil, err
	}
	data := array.NewData(d.col.typ, n, []*memory.Buffer{valid, buf}, nil, n-nvals, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
