package parquet

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
)

// directSchema has a column of every type the direct readers take, optional
// and required, beside ones they do not (text, int2) that pqarrow reads in
// the same batches.
var directSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i32r", Type: arrow.PrimitiveTypes.Int32},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "i64n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, // optional, never NULL
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "f64r", Type: arrow.PrimitiveTypes.Float64},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "flagr", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "dec9", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
	{Name: "dec18", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "txt", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
	{Name: "tsms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "tod", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
}, nil)

// directRecord builds rows [from, from+n) of directSchema. Rows 5000-8999
// are NULL in every optional column but i64n (whole pages of NULLs); other
// NULLs are random. Low-cardinality columns stay dictionary-encoded,
// high-cardinality ones overflow the dictionary and fall back to plain
// pages in the same chunk.
func directRecord(rng *rand.Rand, from, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, directSchema)
	defer b.Release()
	floats := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for i := from; i < from+n; i++ {
		stretch := i >= 5000 && i < 9000
		null := func(p float64) bool { return stretch || rng.Float64() < p }
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if null(0.2) {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Int32Builder).Append(int32(rng.Uint32()))
		}
		b.Field(2).(*array.Int32Builder).Append(int32(i%97) - 48)
		if null(0.5) {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int64Builder).Append(int64(rng.Uint64()))
		}
		b.Field(4).(*array.Int64Builder).Append(int64(i%13) * math.MaxInt64 / 13)
		if null(0.05) {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Date32Builder).Append(arrow.Date32(8000 + i%2500))
		}
		if null(0.3) {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.Float32Builder).Append(float32(rng.NormFloat64()))
		}
		if null(0.1) {
			b.Field(7).AppendNull()
		} else if i%11 == 0 {
			b.Field(7).(*array.Float64Builder).Append(floats[i/11%len(floats)])
		} else {
			b.Field(7).(*array.Float64Builder).Append(rng.NormFloat64() * 1e6)
		}
		b.Field(8).(*array.Float64Builder).Append(float64(i%50) / 4)
		if null(0.25) {
			b.Field(9).AppendNull()
		} else {
			b.Field(9).(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
		}
		b.Field(10).(*array.BooleanBuilder).Append(i%3 == 0)
		if null(0.2) {
			b.Field(11).AppendNull()
		} else {
			b.Field(11).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(2_000_000_000)) - 999_999_999))
		}
		if null(0.2) {
			b.Field(12).AppendNull()
		} else {
			b.Field(12).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i%40)*int64(1e15) - 1))
		}
		if null(0.2) {
			b.Field(13).AppendNull()
		} else {
			b.Field(13).(*array.StringBuilder).Append(fmt.Sprintf("t%d", i%7))
		}
		if null(0.2) {
			b.Field(14).AppendNull()
		} else {
			b.Field(14).(*array.Int16Builder).Append(int16(i))
		}
		if null(0.2) {
			b.Field(15).AppendNull()
		} else {
			b.Field(15).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(rng.Uint32()) * 1_000_003))
		}
		b.Field(16).(*array.TimestampBuilder).Append(arrow.Timestamp(-int64(i) * 999_999_937))
		if null(0.2) {
			b.Field(17).AppendNull()
		} else {
			b.Field(17).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 86_400_001))
		}
		if null(0.2) {
			b.Field(18).AppendNull()
		} else {
			b.Field(18).(*array.Time64Builder).Append(arrow.Time64(int64(i%86400) * 1_000_001))
		}
	}
	return b.NewRecordBatch()
}

// writeDirectFile writes directSchema rows [from, from+n) in row groups
// of the given sizes (their sum is n) with small pages.
func writeDirectFile(t *testing.T, path string, rng *rand.Rand, from int, groups []int, opts ...pq.WriterProperty) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]pq.WriterProperty{pq.WithDataPageSize(2048), pq.WithDictionaryPageSizeLimit(4096),
		pq.WithStoreDecimalAsInteger(true), pq.WithMaxRowGroupLength(10000)}, opts...)
	w, err := pqarrow.NewFileWriter(directSchema, f, pq.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range groups {
		rec := directRecord(rng, from, n)
		from += n
		// Each Write starts a row group (split at 10000 rows).
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDirectMatchesPqarrow reads every type the direct readers take, from
// files written with v1 and v2 data pages, dictionary and plain pages
// (and dictionaries that fall back to plain mid-chunk), snappy and no
// compression, many pages per row group, row groups of different sizes,
// all-NULL pages, and batches that end inside pages; the scanner's
// batches must equal what pqarrow reads from the same file, converted to
// the same types, value for value (floats bit for bit).
func TestDirectMatchesPqarrow(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	groups := []int{7000, 1, 3333, 12000, 500}
	rows := 0
	for _, g := range groups {
		rows += g
	}
	var paths []string
	for i, v := range []pq.DataPageVersion{pq.DataPageV1, pq.DataPageV2} {
		for j, dict := range []bool{true, false} {
			for k, codec := range []compress.Compression{compress.Codecs.Snappy, compress.Codecs.Uncompressed} {
				path := filepath.Join(dir, "gold/d", fmt.Sprintf("part-%d%d%d.parquet", i, j, k))
				writeDirectFile(t, path, rng, len(paths)*rows, groups,
					pq.WithDataPageVersion(v), pq.WithDictionaryDefault(dict), pq.WithCompression(codec))
				paths = append(paths, path)
			}
		}
	}
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := l.Current().Table("gold", "d")
	if err != nil {
		t.Fatalf("%v (problems %v)", err, l.Current().Problems)
	}
	if len(tbl.Files) != len(paths) {
		t.Fatalf("table has %d files, want %d", len(tbl.Files), len(paths))
	}
	checkPages(t, tbl.Files[0].Path)
	proj := make([]int, len(tbl.Columns))
	for i := range proj {
		proj[i] = i
	}
	// pqarrow's reading of each column, converted as the scanner would.
	want := map[int][]arrow.Array{}
	defer func() {
		for _, w := range want {
			releaseAll(w)
		}
	}()
	for c, col := range tbl.Columns {
		for _, path := range paths {
			want[c] = append(want[c], readPqarrow(t, path, col.Name, col.Type.ArrowType()))
		}
	}
	for _, bs := range []int{999, 4096, DefaultBatchSize} {
		for _, p := range [][]int{proj, {3, 5, 7, 3}, {9, 10, 11}, {18, 17, 16, 15}} {
			t.Run(fmt.Sprintf("batch%d/cols%v", bs, p), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				s, err := NewScanner(tbl, p, Options{BatchSize: bs, Allocator: mem})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				wantDirect := 0
				for _, c := range p {
					switch tbl.Columns[c].Name {
					case "txt", "i16", "tsms":
					default:
						wantDirect++
					}
				}
				for _, fs := range s.files {
					if len(fs.direct) != wantDirect {
						t.Fatalf("%s: %d columns read directly, want %d", fs.file.Path, len(fs.direct), wantDirect)
					}
				}
				got := make([][]arrow.Array, len(p))
				for {
					b, err := s.Next(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if b == nil {
						break
					}
					if b.NumRows() > int64(bs) {
						t.Fatalf("batch of %d rows", b.NumRows())
					}
					for c := range p {
						a := b.Column(c)
						a.Retain()
						got[c] = append(got[c], a)
					}
					b.Release()
				}
				for c, col := range p {
					compareChunks(t, tbl.Columns[col].Name, got[c], want[col])
					releaseAll(got[c])
				}
			})
		}
	}
}

// checkPages makes sure the file has what the test claims: several row
// groups of different sizes, many pages per chunk, dictionary pages and
// plain pages in one chunk where dictionaries are on.
func checkPages(t *testing.T, path string) {
	t.Helper()
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRowGroups() != 6 {
		t.Fatalf("%s has %d row groups, want 6", path, r.NumRowGroups())
	}
	col := r.MetaData().Schema.ColumnIndexByName("i32")
	pr, err := r.RowGroup(0).GetColumnPageReader(col)
	if err != nil {
		t.Fatal(err)
	}
	encs := map[pq.Encoding]int{}
	for pr.Next() {
		if p, ok := pr.Page().(file.DataPage); ok {
			encs[pq.Encoding(p.Encoding())]++
		}
	}
	if encs[pq.Encodings.Plain] < 3 || encs[pq.Encodings.PlainDict]+encs[pq.Encodings.RLEDict] == 0 {
		t.Fatalf("i32 of row group 0 has data pages %v, want dictionary pages and then plain ones", encs)
	}
}

// readPqarrow reads one column of a file through pqarrow and converts it
// to typ as the scanner's pqarrow path does.
func readPqarrow(t *testing.T, path, name string, typ arrow.DataType) arrow.Array {
	t.Helper()
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fr, err := pqarrow.NewFileReader(r, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Release()
	for i := range int(tb.NumCols()) {
		if tb.Schema().Field(i).Name != name {
			continue
		}
		cat, err := array.Concatenate(tb.Column(i).Data().Chunks(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		defer cat.Release()
		out, err := convert(context.Background(), memory.DefaultAllocator, cat, typ)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("%s has no column %s", path, name)
	return nil
}

// compareChunks compares two chunkings of the same rows value by value.
func compareChunks(t *testing.T, name string, got, want []arrow.Array) {
	t.Helper()
	gi, wi, go_, wo := 0, 0, 0, 0 // chunk and offset in it
	row := 0
	for {
		for gi < len(got) && go_ == got[gi].Len() {
			gi, go_ = gi+1, 0
		}
		for wi < len(want) && wo == want[wi].Len() {
			wi, wo = wi+1, 0
		}
		if gi == len(got) || wi == len(want) {
			if gi != len(got) || wi != len(want) {
				t.Fatalf("%s: scanner and pqarrow disagree on the row count (row %d)", name, row)
			}
			return
		}
		g, w := got[gi], want[wi]
		if !arrow.TypeEqual(g.DataType(), w.DataType()) {
			t.Fatalf("%s: scanner gives %s, pqarrow %s", name, g.DataType(), w.DataType())
		}
		if g.IsNull(go_) != w.IsNull(wo) {
			t.Fatalf("%s row %d: scanner NULL %v, pqarrow NULL %v", name, row, g.IsNull(go_), w.IsNull(wo))
		}
		if !g.IsNull(go_) && !sameValue(g, go_, w, wo) {
			t.Fatalf("%s row %d: scanner %s, pqarrow %s", name, row, g.ValueStr(go_), w.ValueStr(wo))
		}
		go_++
		wo++
		row++
	}
}

// sameValue compares valid values: fixed-width ones by their bytes (so
// NaN equals NaN and -0 differs from 0), others by their text.
func sameValue(a arrow.Array, i int, b arrow.Array, j int) bool {
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok && a.DataType().ID() != arrow.BOOL {
		w := fw.BitWidth() / 8
		ab := a.Data().Buffers()[1].Bytes()[(a.Data().Offset()+i)*w:][:w]
		bb := b.Data().Buffers()[1].Bytes()[(b.Data().Offset()+j)*w:][:w]
		return bytes.Equal(ab, bb)
	}
	return a.ValueStr(i) == b.ValueStr(j)
}
