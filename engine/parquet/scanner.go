// Package parquet reads the Parquet files of a lake table as a stream of
// Arrow record batches whose columns have exactly the Arrow types the
// catalog's PostgreSQL types promise (pgtype.Type.ArrowType), whatever the
// files' own encodings: the rest of the engine never sees a millisecond
// timestamp, a dictionary or a narrower decimal. Partition columns come out
// as constant columns from the file's path values.
//
// Iceberg tables (iceberg.go) are read the same way, their columns found by
// field id, with each data file's position and equality deletes applied.
//
// It reads row groups in parallel and delivers them in file and row-group
// order, so results are deterministic. It knows tables and files, not SQL,
// plans or sessions.
package parquet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// DefaultBatchSize is the number of rows per batch when Options leave it 0.
const DefaultBatchSize = 64 * 1024

// dataCorrupted is PostgreSQL's SQLSTATE for data that cannot be read.
const dataCorrupted = "XX001"

// Options tune a scan. The zero value reads every file of the table.
type Options struct {
	// Files to read, in order (after partition pruning); nil reads all of
	// the table's files. They must come from the same *catalog.Table.
	Files []catalog.File
	// KeepRowGroup, if set, decides per row group whether to read it (for
	// pruning with RowGroupStats).
	KeepRowGroup func(f *catalog.File, rowGroup int) bool
	// BatchSize is the most rows per batch (default DefaultBatchSize).
	BatchSize int
	// Workers is how many row groups are read at once (default GOMAXPROCS).
	Workers int
	// Allocator for every buffer of the output (default
	// memory.DefaultAllocator).
	Allocator memory.Allocator
	// Filters drop rows in the scan (dictfilter.go); FilterStats, if
	// set, counts what they did.
	Filters     []ColumnFilter
	FilterStats *FilterStats
}

// Scanner streams the rows of one table's files. Use it from one goroutine.
type Scanner struct {
	table     *catalog.Table
	proj      []int
	schema    *arrow.Schema
	batchSize int
	workers   int
	mem       memory.Allocator
	files     []fileScan
	units     []*unit
	pages     *pagePool // page buffers of the direct readers

	filters     []ColumnFilter
	filterStats *FilterStats

	started bool
	cur     int // unit the consumer is reading
	done    bool
	err     error // sticky: once failed, a scan stays failed

	ctx     context.Context // of the readers; cancelled by Close or failure
	cancel  context.CancelFunc
	next    atomic.Int64 // next unit to hand to a reader
	wg      sync.WaitGroup
	errOnce sync.Once
	failure error // first reader error, set under errOnce
}

// fileScan is how one file's columns become the projected columns.
type fileScan struct {
	file   *catalog.File
	footer *catalog.Footer
	leaves []int       // Parquet leaf columns to read, grouped by field
	fields int         // number of top-level fields read
	out    []colSource // one per projected column
	// posOfField is the record position of each top-level field read.
	posOfField map[int]int
	del        *deletes    // Iceberg deletes of this file; nil if none
	direct     []directCol // fixed-width leaves read without pqarrow
	dictLeaves []int       // text leaves read as dictionaries where all pages are
}

type sourceKind int

const (
	fromFile      sourceKind = iota // column pos of the record reader's batch
	fromPartition                   // constant from the path
	missing                         // not in this file: NULL
	fromDirect                      // fileScan.direct[pos]
)

type colSource struct {
	kind sourceKind
	pos  int
}

// unit is one row group of one file: the grain of parallelism and order.
type unit struct {
	file     int
	rowGroup int
	rows     int64
	first    int64                  // position of the row group's first row in its file
	out      chan arrow.RecordBatch // closed when the unit is done
	err      error                  // why it stopped early; written before out is closed
}

// NewScanner prepares a scan of the table's projected columns (indexes
// into tbl.Columns; duplicates allowed). Nothing is read until Next.
func NewScanner(tbl *catalog.Table, projection []int, opts Options) (*Scanner, error) {
	if tbl.Format != catalog.FormatHiveParquet && tbl.Format != catalog.FormatIceberg {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "table %s is not a Parquet table", tbl.QualifiedName())
	}
	s := &Scanner{
		table:     tbl,
		proj:      projection,
		batchSize: opts.BatchSize,
		workers:   opts.Workers,
		mem:       opts.Allocator,

		filters:     opts.Filters,
		filterStats: opts.FilterStats,
	}
	if s.batchSize <= 0 {
		s.batchSize = DefaultBatchSize
	}
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	s.pages = newPagePool(s.mem)
	fields := make([]arrow.Field, len(projection))
	for i, p := range projection {
		if p < 0 || p >= len(tbl.Columns) {
			return nil, pgerr.New(pgerr.InternalError, "scan of %s: column index %d out of range", tbl.QualifiedName(), p)
		}
		c := tbl.Columns[p]
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: !c.NotNull}
	}
	s.schema = arrow.NewSchema(fields, nil)
	for _, f := range s.filters {
		if f.Column < 0 || f.Column >= len(fields) || fields[f.Column].Type.ID() != arrow.STRING {
			return nil, pgerr.New(pgerr.InternalError, "scan of %s: filter on column %d, which is not text", tbl.QualifiedName(), f.Column)
		}
	}

	files := opts.Files
	if files == nil {
		files = tbl.Files
	}
	for i := range files {
		f := &files[i]
		fs, err := s.planFile(f)
		if err != nil {
			return nil, err
		}
		s.files = append(s.files, fs)
		var first int64
		for rg := 0; rg < fs.footer.Meta.NumRowGroups(); rg++ {
			rows := fs.footer.Meta.RowGroup(rg).NumRows()
			start := first
			first += rows
			if opts.KeepRowGroup != nil && !opts.KeepRowGroup(f, rg) {
				continue
			}
			if rows == 0 {
				continue
			}
			s.units = append(s.units, &unit{file: len(s.files) - 1, rowGroup: rg, rows: rows, first: start, out: make(chan arrow.RecordBatch, 1)})
		}
	}
	return s, nil
}

// planFile maps the projection onto one file's fields by name.
func (s *Scanner) planFile(f *catalog.File) (fileScan, error) {
	fs := fileScan{file: f, footer: f.Footer, out: make([]colSource, len(s.proj))}
	if fs.footer == nil {
		ft, err := catalog.ReadFooter(f.Path)
		if err != nil {
			return fs, readError(s.table, f, err)
		}
		fs.footer = ft
	}
	if len(f.PartitionValues) != s.partitionCount() {
		return fs, pgerr.New(pgerr.InternalError, "file %s has %d partition values, table %s has %d partition columns",
			f.Path, len(f.PartitionValues), s.table.QualifiedName(), s.partitionCount())
	}
	fs.posOfField = map[int]int{}
	for i, p := range s.proj {
		c := s.table.Columns[p]
		if c.Partition {
			fs.out[i] = colSource{kind: fromPartition, pos: s.partitionIndex(p)}
			continue
		}
		field := s.fileField(fs.footer, c)
		if field < 0 {
			fs.out[i] = colSource{kind: missing}
			continue
		}
		if len(f.Deletes) == 0 {
			// (Deletes read their key columns from pqarrow's batches.)
			if dc, ok := directColumn(&fs, field, s.schema.Field(i).Type); ok {
				fs.out[i] = colSource{kind: fromDirect, pos: len(fs.direct)}
				fs.direct = append(fs.direct, dc)
				continue
			}
		}
		fs.out[i] = colSource{kind: fromFile, pos: fs.read(field)}
		if leaf, ok := dictCandidate(&fs, field, s.schema.Field(i).Type); ok && !slices.Contains(fs.dictLeaves, leaf) {
			fs.dictLeaves = append(fs.dictLeaves, leaf)
		}
	}
	if len(f.Deletes) > 0 {
		if err := s.planDeletes(&fs); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

// read adds top-level field of the file to what is read (once) and
// returns its position in the record reader's batches.
func (fs *fileScan) read(field int) int {
	pos, ok := fs.posOfField[field]
	if !ok {
		pos = fs.fields
		fs.posOfField[field] = pos
		fs.fields++
		fs.leaves = append(fs.leaves, leavesOf(&fs.footer.Manifest.Fields[field])...)
	}
	return pos
}

// fileField is the top-level field of the file holding column c, or -1:
// by name for Hive-style files, by Iceberg field id for Iceberg files.
func (s *Scanner) fileField(ft *catalog.Footer, c catalog.Column) int {
	if s.table.Format == catalog.FormatIceberg {
		return icebergField(ft, s.table, c.FieldID, c.Name)
	}
	if idx := ft.Schema.FieldIndices(c.Name); len(idx) > 0 {
		return idx[0]
	}
	return -1
}

func leavesOf(f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return []int{f.ColIndex}
	}
	var out []int
	for i := range f.Children {
		out = append(out, leavesOf(&f.Children[i])...)
	}
	return out
}

func (s *Scanner) partitionCount() int {
	n := 0
	for _, c := range s.table.Columns {
		if c.Partition {
			n++
		}
	}
	return n
}

// partitionIndex is the position of table column col among the partition
// columns, which is its index into File.PartitionValues.
func (s *Scanner) partitionIndex(col int) int {
	n := 0
	for _, c := range s.table.Columns[:col] {
		if c.Partition {
			n++
		}
	}
	return n
}

// Schema is the schema of every batch Next returns.
func (s *Scanner) Schema() *arrow.Schema { return s.schema }

// Next returns the next batch, which the caller releases, or (nil, nil) at
// the end. Cancelling ctx while Next waits stops the whole scan.
func (s *Scanner) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.done {
		return nil, nil
	}
	if !s.started {
		s.start()
	}
	if err := ctx.Err(); err != nil {
		return nil, s.fail(err)
	}
	// Readers run between calls (bounded read-ahead) but stop as soon as
	// the caller's context does.
	stop := context.AfterFunc(ctx, s.cancel)
	defer stop()
	for s.cur < len(s.units) {
		u := s.units[s.cur]
		select {
		case b, ok := <-u.out:
			if ok {
				return b, nil
			}
			if u.err != nil {
				if ctx.Err() != nil {
					return nil, s.fail(ctx.Err())
				}
				return nil, s.fail(u.err)
			}
			s.cur++
		case <-ctx.Done():
			return nil, s.fail(ctx.Err())
		}
	}
	s.done = true
	s.shutdown()
	return nil, nil
}

// fail makes the scan's error sticky, preferring the first reader failure
// over the cancellations it caused.
func (s *Scanner) fail(err error) error {
	s.errOnce.Do(func() { s.failure = err })
	s.err = s.failure
	s.shutdown()
	return s.err
}

// Close stops the readers and releases everything not yet returned. It
// may be called at any time, more than once.
func (s *Scanner) Close() {
	if !s.started {
		s.started, s.done = true, true
		return
	}
	s.shutdown()
	if s.err == nil {
		s.done = true
	}
}

// shutdown cancels the readers, waits for them and drops what they left.
func (s *Scanner) shutdown() {
	s.cancel()
	s.wg.Wait()
	s.pages.close()
	for _, u := range s.units[s.cur:] {
		for drained := false; !drained; {
			select {
			case b, ok := <-u.out:
				if !ok {
					drained = true
				} else {
					b.Release()
				}
			default:
				drained = true
			}
		}
	}
	s.cur = len(s.units)
}

func (s *Scanner) start() {
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.Background())
	n := min(s.workers, len(s.units))
	for range n {
		s.wg.Add(1)
		go s.reader()
	}
}

// reader takes units in order, so the unit the consumer waits for is
// always being read or done: with one slot per unit, read-ahead is bounded
// by the number of readers.
func (s *Scanner) reader() {
	defer s.wg.Done()
	for {
		i := int(s.next.Add(1) - 1)
		if i >= len(s.units) {
			return
		}
		u := s.units[i]
		err := s.readUnit(u)
		if err != nil {
			// A real failure (not one caused by stopping) is what the
			// consumer reports, whichever unit it reaches first.
			if s.ctx.Err() == nil {
				s.errOnce.Do(func() { s.failure = err })
			}
			u.err = err
			s.cancel()
		}
		close(u.out)
		if err != nil {
			return
		}
	}
}

// send delivers one batch of u, or drops it if the scan is stopping.
func (s *Scanner) send(u *unit, b arrow.RecordBatch) error {
	select {
	case u.out <- b:
		return nil
	case <-s.ctx.Done():
		b.Release()
		return s.ctx.Err()
	}
}

func (s *Scanner) readUnit(u *unit) (err error) {
	fs := &s.files[u.file]
	// The Parquet decoders can panic on damaged data; one bad file must
	// fail its query, not the server.
	defer func() {
		if r := recover(); r != nil {
			err = readError(s.table, fs.file, fmt.Errorf("decoder failure: %v", r))
		}
	}()
	consts, err := s.partitionArrays(fs, min(int64(s.batchSize), u.rows))
	if err != nil {
		return err
	}
	defer releaseAll(consts)
	filters, skip, err := s.unitFilters(fs, consts)
	if err != nil || skip {
		return err
	}

	if len(fs.leaves) == 0 && len(fs.direct) == 0 {
		// Only partition columns (or none, as for count(*)): the row
		// count comes from the footer, no page is read.
		for off := int64(0); off < u.rows; off += int64(s.batchSize) {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			n := min(int64(s.batchSize), u.rows-off)
			if fs.del != nil {
				// Only position deletes can apply here: equality deletes
				// read their columns, so leaves are never empty with them.
				kept, err := s.keptCount(fs, u.first+off, n)
				if err != nil {
					return err
				}
				if kept == 0 {
					continue
				}
				n = kept
			}
			b, err := s.assemble(fs, nil, nil, consts, n, nil)
			if err != nil {
				return err
			}
			if err := s.send(u, b); err != nil {
				return err
			}
		}
		return nil
	}

	f, err := os.Open(fs.file.Path)
	if err != nil {
		return readError(s.table, fs.file, err)
	}
	defer f.Close()
	props := pq.NewReaderProperties(s.mem)
	props.BufferedStreamEnabled = true
	pr, err := file.NewParquetReader(f, file.WithMetadata(fs.footer.Meta), file.WithReadProps(props))
	if err != nil {
		return readError(s.table, fs.file, err)
	}
	var direct []*directReader
	if len(fs.direct) > 0 {
		rg, err := s.directRowGroup(f, fs, u.rowGroup)
		if err != nil {
			return readError(s.table, fs.file, err)
		}
		for _, c := range fs.direct {
			d, err := newDirectReader(rg, c)
			if err != nil {
				return readError(s.table, fs.file, err)
			}
			defer d.close()
			direct = append(direct, d)
		}
	}
	if len(fs.leaves) == 0 {
		for off := int64(0); off < u.rows; off += int64(s.batchSize) {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			n := min(int64(s.batchSize), u.rows-off)
			b, err := s.assembleDirect(fs, nil, direct, consts, n, nil)
			if err != nil {
				return err
			}
			if err := s.send(u, b); err != nil {
				return err
			}
		}
		return nil
	}
	arrowProps := pqarrow.ArrowReadProperties{BatchSize: int64(s.batchSize)}
	if err := readDictProps(fs, u.rowGroup, &arrowProps); err != nil {
		return readError(s.table, fs.file, err)
	}
	fr, err := pqarrow.NewFileReader(pr, arrowProps, s.mem)
	if err != nil {
		return readError(s.table, fs.file, err)
	}
	rr, err := fr.GetRecordReader(s.ctx, fs.leaves, []int{u.rowGroup})
	if err != nil {
		return readError(s.table, fs.file, err)
	}
	defer rr.Release()
	var read int64
	for rr.Next() {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		rec := rr.RecordBatch()
		if rec.NumCols() != int64(fs.fields) {
			return readError(s.table, fs.file, fmt.Errorf("reader returned %d columns, want %d", rec.NumCols(), fs.fields))
		}
		start := u.first + read
		read += rec.NumRows()
		sel, kept, err := s.selectRows(fs, filters, rec, start)
		if err != nil {
			return readError(s.table, fs.file, err)
		}
		b, err := s.assembleDirect(fs, rec, direct, consts, rec.NumRows(), sel)
		if err != nil {
			return err
		}
		if kept == 0 {
			b.Release()
			continue
		}
		if err := s.send(u, b); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return readError(s.table, fs.file, err)
	}
	if read != u.rows {
		return readError(s.table, fs.file, fmt.Errorf("row group %d has %d rows, read %d", u.rowGroup, u.rows, read))
	}
	return nil
}

// assembleDirect reads the next n rows of the direct columns and assembles
// them with rec's (rows sel of them when sel is not nil).
func (s *Scanner) assembleDirect(fs *fileScan, rec arrow.RecordBatch, direct []*directReader, consts []arrow.Array, n int64, sel []int32) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, len(direct))
	defer releaseAll(arrs)
	for i, d := range direct {
		// The readers are sequential: rows sel drops are still read past.
		a, err := d.read(s.mem, int(n))
		if err != nil {
			return nil, readError(s.table, fs.file, err)
		}
		arrs[i] = a
	}
	return s.assemble(fs, rec, arrs, consts, n, sel)
}

// assemble builds one output batch from the n rows of the file columns in
// rec (nil when none are read), the direct columns and the partition
// constants; when sel is not nil, of rows sel only (the scan's filters
// kept them: dictionary text is expanded for those rows alone).
func (s *Scanner) assemble(fs *fileScan, rec arrow.RecordBatch, direct, consts []arrow.Array, n int64, sel []int32) (arrow.RecordBatch, error) {
	if sel != nil {
		n = int64(len(sel))
	}
	// pick is arr's rows sel, or arr itself (retained) without a selection.
	pick := func(arr arrow.Array) (arrow.Array, error) {
		if sel == nil {
			arr.Retain()
			return arr, nil
		}
		out, err := Take(s.mem, arr, sel)
		if err != nil {
			return nil, readError(s.table, fs.file, err)
		}
		return out, nil
	}
	cols := make([]arrow.Array, len(s.proj))
	defer releaseAll(cols)
	for i, src := range fs.out {
		target := s.schema.Field(i).Type
		var err error
		switch src.kind {
		case fromFile:
			raw := rec.Column(src.pos)
			if sel != nil {
				if ext, ok := raw.(array.ExtensionArray); ok {
					raw = ext.Storage()
				}
				if d, ok := raw.(*array.Dictionary); ok && target.ID() == arrow.STRING {
					if out, ok := expandSelected(s.mem, d, sel); ok {
						cols[i] = out
						continue
					}
				}
			}
			arr, err := convert(s.ctx, s.mem, raw, target)
			if err != nil {
				return nil, readError(s.table, fs.file, fmt.Errorf("column %q: %w", s.schema.Field(i).Name, err))
			}
			cols[i], err = pick(arr)
			arr.Release()
			if err != nil {
				return nil, err
			}
		case fromDirect:
			if cols[i], err = pick(direct[src.pos]); err != nil {
				return nil, err
			}
		case fromPartition:
			cols[i] = array.NewSlice(consts[src.pos], 0, n)
		case missing:
			cols[i] = array.MakeArrayOfNull(s.mem, target, int(n))
		}
	}
	return array.NewRecordBatch(s.schema, cols, n), nil
}

// partitionArrays builds, once per unit, a constant column of n rows for
// each partition value of the file; batches take slices of them.
func (s *Scanner) partitionArrays(fs *fileScan, n int64) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(fs.file.PartitionValues))
	pi := 0
	for _, c := range s.table.Columns {
		if !c.Partition {
			continue
		}
		arr, err := constantArray(s.mem, c.Type, fs.file.PartitionValues[pi], int(n))
		if err != nil {
			releaseAll(out)
			return nil, readError(s.table, fs.file, fmt.Errorf("partition column %q: %w", c.Name, err))
		}
		out[pi] = arr
		pi++
	}
	return out, nil
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// readError says which table and file could not be read.
func readError(t *catalog.Table, f *catalog.File, err error) error {
	if pgerr.Code(err) != "" || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	name := f.RelPath
	if name == "" {
		name = f.Path
	}
	return pgerr.New(dataCorrupted, "could not read file %s of relation %s: %v", name, t.QualifiedName(), err)
}
