package parquet

// Iceberg data files: columns are found by field id (files without ids by
// the table's name mapping, else by name), and each file's delete files
// are applied as its row groups are read. Position deletes name rows by
// their position in the data file, as do deletion vectors (Iceberg v3: a
// roaring bitmap of positions in a Puffin file, one per data file); equality deletes name the values of
// some columns, and every row equal to one of their rows on those columns
// is gone (NULL equals NULL there). Which delete files apply to which data
// file (sequence numbers, partitions) the catalog's plan has decided.
//
// Decoded delete files are kept in the table's FileCache, by delete file
// path: Iceberg never rewrites a file in place.

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go/table/dv"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// Field ids of the position delete file schema (Iceberg spec).
const (
	posDeleteFilePathID = 2147483546
	posDeletePosID      = 2147483545
)

// icebergField finds the top-level field of a data file holding the
// Iceberg field id (whose current name is name), or -1. A file written
// with field ids is matched by id only, so a renamed column or a dropped
// and re-added one reads right; a file without any (registered with
// add_files) goes by the table's name mapping, then by name.
func icebergField(ft *catalog.Footer, tbl *catalog.Table, id int, name string) int {
	root := ft.Meta.Schema.Root()
	hasIDs := false
	for i := range root.NumFields() {
		fid := root.Field(i).FieldID()
		if fid >= 0 {
			hasIDs = true
		}
		if int(fid) == id {
			return i
		}
	}
	if hasIDs {
		return -1
	}
	names := []string{name}
	if tbl != nil && tbl.NameMapping != nil {
		if mapped, ok := tbl.NameMapping[id]; ok {
			names = mapped
		}
	}
	for _, n := range names {
		if idx := ft.Schema.FieldIndices(n); len(idx) > 0 {
			return idx[0]
		}
	}
	return -1
}

// deletes is what applies to one data file: prepared when the scan is
// planned, decoded by the first reader that needs it.
type deletes struct {
	file *catalog.File
	pos  []catalog.DeleteFile
	eq   []*eqDelete

	once      sync.Once
	err       error
	positions []int64 // deleted row positions, sorted, deduplicated
}

// eqDelete is one equality delete file and where its columns are in the
// data file's record batches.
type eqDelete struct {
	df    catalog.DeleteFile
	pos   []int // record position per equality field; -1: not in the file (NULL)
	types []arrow.DataType
	keys  map[string]struct{}
}

// planDeletes prepares fs's deletes and adds the equality columns to
// what is read.
func (s *Scanner) planDeletes(fs *fileScan) error {
	d := &deletes{file: fs.file}
	for _, df := range fs.file.Deletes {
		if len(df.EqualityFieldIDs) == 0 {
			d.pos = append(d.pos, df)
			continue
		}
		e := &eqDelete{df: df}
		for _, id := range df.EqualityFieldIDs {
			col := slices.IndexFunc(s.table.Columns, func(c catalog.Column) bool { return c.FieldID == id })
			if col < 0 {
				return readError(s.table, fs.file, fmt.Errorf("equality delete file %s deletes by field %d, which the table's schema does not have", df.Path, id))
			}
			c := s.table.Columns[col]
			e.types = append(e.types, c.Type.ArrowType())
			field := icebergField(fs.footer, s.table, id, c.Name)
			if field < 0 {
				e.pos = append(e.pos, -1)
			} else {
				e.pos = append(e.pos, fs.read(field))
			}
		}
		d.eq = append(d.eq, e)
	}
	fs.del = d
	return nil
}

// load decodes the delete files once per scan (from the table's cache).
func (s *Scanner) load(fs *fileScan) error {
	d := fs.del
	d.once.Do(func() {
		target := fs.file.IcebergPath
		if target == "" {
			target = fs.file.Path
		}
		for _, df := range d.pos {
			if df.Vector {
				positions, err := s.vector(fs, df)
				if err != nil {
					d.err = err
					return
				}
				d.positions = append(d.positions, positions...)
				continue
			}
			v, err := cached(s.table, "pos:"+df.Path, df.Path, func() (any, error) {
				return readPositionDeletes(s.ctx, s.mem, df.Path)
			})
			if err != nil {
				d.err = readError(s.table, fs.file, fmt.Errorf("position delete file %s: %w", df.Path, err))
				return
			}
			d.positions = append(d.positions, v.(map[string][]int64)[target]...)
		}
		slices.Sort(d.positions)
		d.positions = slices.Compact(d.positions)
		for _, e := range d.eq {
			sig := make([]string, len(e.types))
			for i, t := range e.types {
				sig[i] = t.String()
			}
			key := "eq:" + e.df.Path + ":" + strings.Join(sig, ",")
			v, err := cached(s.table, key, e.df.Path, func() (any, error) {
				return readEqualityDeletes(s.ctx, s.mem, s.table, e.df, e.types)
			})
			if err != nil {
				d.err = readError(s.table, fs.file, fmt.Errorf("equality delete file %s: %w", e.df.Path, err))
				return
			}
			e.keys = v.(map[string]struct{})
		}
	})
	return d.err
}

// vector decodes a deletion vector (from the table's cache): the deleted
// positions of fs's data file, sorted. A vector whose blob the manifest
// does not locate is a v3 feature Sluice cannot read (0A000); a blob that
// does not decode is a damaged file (XX001).
func (s *Scanner) vector(fs *fileScan, df catalog.DeleteFile) ([]int64, error) {
	if df.Length <= 0 {
		return nil, pgerr.New(pgerr.FeatureNotSupported,
			"relation %s: the deletion vector in %s has no content offset and size, which Sluice needs to read it", s.table.QualifiedName(), df.Path)
	}
	key := fmt.Sprintf("dv:%s@%d+%d", df.Path, df.Offset, df.Length)
	v, err := cached(s.table, key, df.Path, func() (any, error) {
		return readDeletionVector(df)
	})
	if err != nil {
		return nil, readError(s.table, fs.file, fmt.Errorf("deletion vector in %s at byte %d: %w", df.Path, df.Offset, err))
	}
	return v.([]int64), nil
}

// readDeletionVector reads one deletion vector blob (length, magic,
// portable roaring bitmap, CRC) and returns its positions in order.
func readDeletionVector(df catalog.DeleteFile) ([]int64, error) {
	if df.Length > maxDeletionVector {
		return nil, fmt.Errorf("blob of %d bytes is larger than %d", df.Length, maxDeletionVector)
	}
	f, err := os.Open(df.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, df.Length)
	if _, err := f.ReadAt(buf, df.Offset); err != nil {
		return nil, err
	}
	want := df.Rows
	if want <= 0 {
		want = -1 // the manifest's count is missing: the CRC still checks the blob
	}
	bm, err := dv.DeserializeDV(buf, want)
	if err != nil {
		return nil, err
	}
	positions := make([]int64, 0, bm.Cardinality())
	for p := range bm.Positions() {
		positions = append(positions, int64(p))
	}
	return positions, nil
}

// maxDeletionVector bounds the bytes read for one vector (a bad manifest
// must not allocate without bound); 1 GiB holds the bitmap of every other
// row of a data file of 2^31 rows (256 MiB).
const maxDeletionVector = 1 << 30

func cached(t *catalog.Table, key, path string, load func() (any, error)) (any, error) {
	if t.Cache == nil {
		return load()
	}
	return t.Cache.Get(key, path, load)
}

// keptCount is how many of the n rows from position first are not
// position-deleted.
func (s *Scanner) keptCount(fs *fileScan, first, n int64) (int64, error) {
	if err := s.load(fs); err != nil {
		return 0, err
	}
	lo, _ := slices.BinarySearch(fs.del.positions, first)
	hi, _ := slices.BinarySearch(fs.del.positions, first+n)
	return n - int64(hi-lo), nil
}

// deletedMask says which rows of rec (whose first row is at position first
// of the file) are kept; nil if all are.
func (s *Scanner) deletedMask(fs *fileScan, rec arrow.RecordBatch, first int64) ([]bool, error) {
	if err := s.load(fs); err != nil {
		return nil, err
	}
	d := fs.del
	n := rec.NumRows()
	var keep []bool
	drop := func(i int64) {
		if keep == nil {
			keep = make([]bool, n)
			for j := range keep {
				keep[j] = true
			}
		}
		keep[i] = false
	}
	lo, _ := slices.BinarySearch(d.positions, first)
	for _, p := range d.positions[lo:] {
		if p >= first+n {
			break
		}
		drop(p - first)
	}
	for _, e := range d.eq {
		if len(e.keys) == 0 {
			continue
		}
		cols := make([]arrow.Array, len(e.pos))
		for i, p := range e.pos {
			if p < 0 {
				continue // not in this file: NULL
			}
			arr, err := convert(s.ctx, s.mem, rec.Column(p), e.types[i])
			if err != nil {
				releaseAll(cols)
				return nil, readError(s.table, fs.file, err)
			}
			cols[i] = arr
		}
		var buf []byte
		for i := range n {
			buf = rowKey(buf[:0], cols, int(i))
			if _, gone := e.keys[string(buf)]; gone {
				drop(i)
			}
		}
		releaseAll(cols)
	}
	return keep, nil
}

// rowKey appends the key of row i of cols (nil columns are NULL): equal
// values of the same types give equal keys. Both sides are converted to
// the table's types first, so the common key types are compared by their
// bytes; others by their text.
func rowKey(buf []byte, cols []arrow.Array, i int) []byte {
	for _, c := range cols {
		if c == nil || c.IsNull(i) {
			buf = append(buf, 'N')
			continue
		}
		switch a := c.(type) {
		case *array.Int64:
			buf = binary.LittleEndian.AppendUint64(append(buf, '8'), uint64(a.Value(i)))
		case *array.Int32:
			buf = binary.LittleEndian.AppendUint32(append(buf, '4'), uint32(a.Value(i)))
		case *array.Int16:
			buf = binary.LittleEndian.AppendUint16(append(buf, '2'), uint16(a.Value(i)))
		case *array.Date32:
			buf = binary.LittleEndian.AppendUint32(append(buf, 'D'), uint32(a.Value(i)))
		case *array.Timestamp:
			buf = binary.LittleEndian.AppendUint64(append(buf, 'T'), uint64(a.Value(i)))
		case *array.Decimal64:
			buf = binary.LittleEndian.AppendUint64(append(buf, 'm'), uint64(a.Value(i)))
		case *array.Decimal128:
			v := a.Value(i)
			buf = binary.LittleEndian.AppendUint64(append(buf, 'M'), v.LowBits())
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v.HighBits()))
		case *array.String:
			v := a.Value(i)
			buf = binary.AppendUvarint(append(buf, 'S'), uint64(len(v)))
			buf = append(buf, v...)
		default:
			v := c.ValueStr(i)
			buf = binary.AppendUvarint(append(buf, 'V'), uint64(len(v)))
			buf = append(buf, v...)
		}
	}
	return buf
}

// readDeleteFile reads a whole (small) delete file.
func readDeleteFile(ctx context.Context, mem memory.Allocator, path string) (arrow.Table, *catalog.Footer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f, file.WithReadProps(pq.NewReaderProperties(mem)))
	if err != nil {
		return nil, nil, err
	}
	defer pr.Close()
	ft, err := catalog.ReadFooter(path)
	if err != nil {
		return nil, nil, err
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: DefaultBatchSize}, mem)
	if err != nil {
		return nil, nil, err
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	return tbl, ft, nil
}

// readPositionDeletes returns the deleted positions per data file path.
func readPositionDeletes(ctx context.Context, mem memory.Allocator, path string) (map[string][]int64, error) {
	tbl, ft, err := readDeleteFile(ctx, mem, path)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	pathCol := icebergField(ft, nil, posDeleteFilePathID, "file_path")
	posCol := icebergField(ft, nil, posDeletePosID, "pos")
	if pathCol < 0 || posCol < 0 {
		return nil, fmt.Errorf("no file_path and pos columns")
	}
	paths, err := columnAs(ctx, mem, tbl.Column(pathCol).Data(), arrow.BinaryTypes.String)
	if err != nil {
		return nil, err
	}
	defer paths.Release()
	poss, err := columnAs(ctx, mem, tbl.Column(posCol).Data(), arrow.PrimitiveTypes.Int64)
	if err != nil {
		return nil, err
	}
	defer poss.Release()
	out := map[string][]int64{}
	ps, pp := paths.(*array.String), poss.(*array.Int64)
	for i := range ps.Len() {
		if ps.IsNull(i) || pp.IsNull(i) {
			continue
		}
		out[ps.Value(i)] = append(out[ps.Value(i)], pp.Value(i))
	}
	return out, nil
}

// readEqualityDeletes returns the keys of an equality delete file's rows,
// its columns converted to the table's types first.
func readEqualityDeletes(ctx context.Context, mem memory.Allocator, t *catalog.Table, df catalog.DeleteFile, types []arrow.DataType) (map[string]struct{}, error) {
	tbl, ft, err := readDeleteFile(ctx, mem, df.Path)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	cols := make([]arrow.Array, len(df.EqualityFieldIDs))
	defer releaseAll(cols)
	for i, id := range df.EqualityFieldIDs {
		name := ""
		if c := slices.IndexFunc(t.Columns, func(c catalog.Column) bool { return c.FieldID == id }); c >= 0 {
			name = t.Columns[c].Name
		}
		col := icebergField(ft, t, id, name)
		if col < 0 {
			return nil, fmt.Errorf("no column for field %d", id)
		}
		if cols[i], err = columnAs(ctx, mem, tbl.Column(col).Data(), types[i]); err != nil {
			return nil, err
		}
	}
	keys := map[string]struct{}{}
	var buf []byte
	for r := range tbl.NumRows() {
		buf = rowKey(buf[:0], cols, int(r))
		keys[string(buf)] = struct{}{}
	}
	return keys, nil
}

// columnAs is a whole column converted to typ, as one array.
func columnAs(ctx context.Context, mem memory.Allocator, c *arrow.Chunked, typ arrow.DataType) (arrow.Array, error) {
	var whole arrow.Array
	switch len(c.Chunks()) {
	case 0:
		return array.MakeArrayOfNull(mem, typ, 0), nil
	case 1:
		whole = c.Chunk(0)
		whole.Retain()
	default:
		var err error
		if whole, err = array.Concatenate(c.Chunks(), mem); err != nil {
			return nil, err
		}
	}
	defer whole.Release()
	return convert(ctx, mem, whole, typ)
}
