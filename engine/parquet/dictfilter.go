package parquet

import (
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A scan can drop rows itself by tests of single text columns, before it
// builds its batches: on a dictionary-encoded chunk a test runs once per
// dictionary value, rows are then kept or dropped by their codes, and only
// the rows kept are expanded and gathered, in every projected column.
// Elsewhere (plain pages, converted columns) the test runs on the values.
// A partition column or one missing from a file is a constant: its test
// runs once and keeps or skips the whole row group.

// ColumnFilter is a test of one projected text column that the scan
// applies: no row whose value fails it is returned. The caller decides
// what a test is (the engine compiles SQL conjuncts); the test must be a
// function of the value alone, as the scan runs it on each distinct value
// once instead of on each row.
type ColumnFilter struct {
	// Column is an index into the projection of a text column.
	Column int
	// New returns a test for use by one goroutine at a time.
	New func() (ValueTest, error)
}

// ValueTest sets keep[i] to whether a row holding vals[i] passes, for
// each value of vals: an Arrow string array that may hold NULLs, len(keep)
// == vals.Len().
type ValueTest func(vals arrow.Array, keep []bool) error

// FilterStats counts what a scan's column filters did; the scan's readers
// update it concurrently.
type FilterStats struct {
	// DictionaryBatches were tested by their dictionaries, ValueBatches
	// value by value.
	DictionaryBatches, ValueBatches atomic.Int64
	// RowsRemoved is how many rows the filters dropped.
	RowsRemoved atomic.Int64
	// RowGroupsSkipped were dropped whole by a constant column's test.
	RowGroupsSkipped atomic.Int64
}

// unitFilter is one file column's test while a unit is read.
type unitFilter struct {
	pos  int // column of the record reader's batch
	test ValueTest
	// The last dictionary tested (pqarrow hands every batch of a chunk
	// the same one) and its verdicts; nullKeep is the verdict on NULL.
	dictBuf  *memory.Buffer
	dictLen  int
	dictKeep []bool
	nullKeep bool
	nullDone bool
}

// rowFilters is the file columns' tests while a unit is read, with
// buffers reused from batch to batch.
type rowFilters struct {
	tests   []*unitFilter
	keep    []bool
	verdict []bool
	sel     []int32
}

// unitFilters prepares the scan's filters for one unit of file fs; skip
// reports that a constant column's test drops every row of it.
func (s *Scanner) unitFilters(fs *fileScan, consts []arrow.Array) (uf *rowFilters, skip bool, err error) {
	var out []*unitFilter
	for _, f := range s.filters {
		src := fs.out[f.Column]
		if src.kind == fromDirect {
			return nil, false, fmt.Errorf("column %d filtered by the scan is not text", f.Column)
		}
		test, err := f.New()
		if err != nil {
			return nil, false, err
		}
		switch src.kind {
		case fromFile:
			out = append(out, &unitFilter{pos: src.pos, test: test})
			continue
		case fromPartition:
			v := array.NewSlice(consts[src.pos], 0, 1)
			keep, err := testOne(test, v)
			v.Release()
			if err != nil {
				return nil, false, err
			}
			skip = skip || !keep
		case missing:
			v := array.MakeArrayOfNull(s.mem, arrow.BinaryTypes.String, 1)
			keep, err := testOne(test, v)
			v.Release()
			if err != nil {
				return nil, false, err
			}
			skip = skip || !keep
		}
	}
	if skip && s.filterStats != nil {
		s.filterStats.RowGroupsSkipped.Add(1)
	}
	return &rowFilters{tests: out}, skip, nil
}

func testOne(test ValueTest, v arrow.Array) (bool, error) {
	keep := []bool{false}
	err := test(v, keep)
	return keep[0], err
}

// selectRows is which rows of rec (whose first row is at position first
// of the file) are kept by the Iceberg deletes and the unit's filters:
// nil with n == rec.NumRows() when all are, else their ascending indices
// (valid until the next call).
func (s *Scanner) selectRows(fs *fileScan, uf *rowFilters, rec arrow.RecordBatch, first int64) (sel []int32, n int, err error) {
	var keep []bool
	if fs.del != nil {
		if keep, err = s.deletedMask(fs, rec, first); err != nil {
			return nil, 0, err
		}
	}
	rows := int(rec.NumRows())
	if keep == nil && len(uf.tests) > 0 {
		if cap(uf.keep) < rows {
			uf.keep = make([]bool, rows)
		}
		keep = uf.keep[:rows]
		for i := range keep {
			keep[i] = true
		}
	}
	for _, f := range uf.tests {
		if err = s.applyFilter(uf, f, rec.Column(f.pos), keep); err != nil {
			return nil, 0, err
		}
	}
	if keep == nil {
		return nil, rows, nil
	}
	if cap(uf.sel) < rows {
		uf.sel = make([]int32, 0, rows)
	}
	sel = uf.sel[:0]
	for i, k := range keep {
		if k {
			sel = append(sel, int32(i))
		}
	}
	if len(sel) == rows {
		return nil, rows, nil
	}
	if s.filterStats != nil && len(uf.tests) > 0 {
		s.filterStats.RowsRemoved.Add(int64(rows - len(sel)))
	}
	return sel, len(sel), nil
}

// applyFilter ands f's verdict on each row of col into keep.
func (s *Scanner) applyFilter(uf *rowFilters, f *unitFilter, col arrow.Array, keep []bool) error {
	if ext, ok := col.(array.ExtensionArray); ok {
		col = ext.Storage()
	}
	if d, ok := col.(*array.Dictionary); ok {
		if done, err := s.applyDictionary(f, d, keep); done || err != nil {
			return err
		}
	}
	vals, err := convert(s.ctx, s.mem, col, arrow.BinaryTypes.String)
	if err != nil {
		return err
	}
	defer vals.Release()
	if cap(uf.verdict) < len(keep) {
		uf.verdict = make([]bool, len(keep))
	}
	verdict := uf.verdict[:len(keep)]
	if err := f.test(vals, verdict); err != nil {
		return err
	}
	for i, v := range verdict {
		keep[i] = keep[i] && v
	}
	if s.filterStats != nil {
		s.filterStats.ValueBatches.Add(1)
	}
	return nil
}

// applyDictionary tests d's dictionary values and ands each row's verdict
// into keep by its code; false when d is of a shape it leaves to the
// value path, or its test failed (the rows themselves decide then whether
// the error is the query's).
func (s *Scanner) applyDictionary(f *unitFilter, d *array.Dictionary, keep []bool) (bool, error) {
	idx, ok := d.Indices().(*array.Int32)
	if !ok {
		return false, nil
	}
	dict := d.Dictionary()
	switch dict.DataType().ID() {
	case arrow.STRING:
	case arrow.BINARY:
		dict = relabel(dict, arrow.BinaryTypes.String)
		defer dict.Release()
	default:
		return false, nil
	}
	buf := dict.Data().Buffers()[2]
	if f.dictKeep == nil || buf != f.dictBuf || dict.Len() != f.dictLen {
		verdict := make([]bool, dict.Len())
		if err := f.test(dict, verdict); err != nil {
			return false, nil
		}
		f.dictKeep, f.dictBuf, f.dictLen = verdict, buf, dict.Len()
	}
	if idx.NullN() > 0 && !f.nullDone {
		v := array.MakeArrayOfNull(s.mem, arrow.BinaryTypes.String, 1)
		k, err := testOne(f.test, v)
		v.Release()
		if err != nil {
			return false, nil
		}
		f.nullKeep, f.nullDone = k, true
	}
	dk := f.dictKeep
	ix := idx.Int32Values()
	if idx.NullN() == 0 {
		for i, k := range ix {
			keep[i] = keep[i] && dk[k]
		}
	} else {
		bits, off := idx.NullBitmapBytes(), idx.Data().Offset()
		for i, k := range ix {
			if bitutil.BitIsSet(bits, off+i) {
				keep[i] = keep[i] && dk[k]
			} else {
				keep[i] = keep[i] && f.nullKeep
			}
		}
	}
	if s.filterStats != nil {
		s.filterStats.DictionaryBatches.Add(1)
	}
	return true, nil
}
