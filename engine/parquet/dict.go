package parquet

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Text columns whose pages are all dictionary-encoded (the low-cardinality
// ones: TPC-H's flags, modes, segments, brands) are read as dictionary
// indices and expanded here with one length pass and one copy per row.
// pqarrow's own expansion appends every value through a builder (13% of
// the CPU of TPC-H Q1/Q3/Q6/Q12/Q14/Q19 together).

// dictCandidate reports whether top-level field of the file is a flat
// BYTE_ARRAY leaf read into target type t as text.
func dictCandidate(fs *fileScan, field int, t arrow.DataType) (int, bool) {
	if t.ID() != arrow.STRING {
		return 0, false
	}
	sf := &fs.footer.Manifest.Fields[field]
	if !sf.IsLeaf() {
		return 0, false
	}
	switch sf.Field.Type.ID() {
	case arrow.STRING, arrow.BINARY:
	default:
		return 0, false
	}
	col := fs.footer.Meta.Schema.Column(sf.ColIndex)
	if col.MaxRepetitionLevel() != 0 || col.PhysicalType() != pq.Types.ByteArray {
		return 0, false
	}
	return sf.ColIndex, true
}

// allDictionaryPages reports whether every data page of the chunk is
// dictionary-encoded: only then is reading indices cheaper (a page that
// fell back to plain values is inserted into a hash table value by value).
func allDictionaryPages(cc *metadata.ColumnChunkMetaData) bool {
	if !cc.HasDictionaryPage() {
		return false
	}
	if stats := cc.EncodingStats(); len(stats) > 0 {
		for _, s := range stats {
			// Thrift's PageType (an internal package): 0 DATA_PAGE,
			// 3 DATA_PAGE_V2; 2 is the dictionary page itself.
			if s.PageType == 0 || s.PageType == 3 {
				if s.Encoding != pq.Encodings.PlainDict && s.Encoding != pq.Encodings.RLEDict {
					return false
				}
			}
		}
		return true
	}
	// Without page statistics, the chunk's encodings: PLAIN could be
	// fallback pages (or only the dictionary page; we cannot tell).
	for _, e := range cc.Encodings() {
		switch e {
		case pq.Encodings.PlainDict, pq.Encodings.RLEDict, pq.Encodings.RLE, pq.Encodings.BitPacked:
		default:
			return false
		}
	}
	return true
}

// readDictProps sets pqarrow to read the unit's fully dictionary-encoded
// text leaves as dictionaries.
func readDictProps(fs *fileScan, rowGroup int, props *pqarrow.ArrowReadProperties) error {
	if len(fs.dictLeaves) == 0 {
		return nil
	}
	rg := fs.footer.Meta.RowGroup(rowGroup)
	for _, leaf := range fs.dictLeaves {
		cc, err := rg.ColumnChunk(leaf)
		if err != nil {
			return err
		}
		if allDictionaryPages(cc) {
			props.SetReadDict(leaf, true)
		}
	}
	return nil
}

// expandDictionary is the text of a dictionary array of text values, or
// false when it is not of that shape (the caller casts instead).
func expandDictionary(mem memory.Allocator, d *array.Dictionary) (arrow.Array, bool) {
	return expandSelected(mem, d, nil)
}

// expandSelected is the text of rows sel (ascending; nil: all) of a
// dictionary array of text values, or false when it is not of that shape.
// Rows a scan's filters dropped are never expanded.
func expandSelected(mem memory.Allocator, d *array.Dictionary, sel []int32) (arrow.Array, bool) {
	idx, ok := d.Indices().(*array.Int32)
	if !ok {
		return nil, false
	}
	var doff []int32
	var dval []byte
	switch v := d.Dictionary().(type) {
	case *array.String:
		doff, dval = v.ValueOffsets(), v.ValueBytes()
	case *array.Binary:
		doff, dval = v.ValueOffsets(), v.ValueBytes()
	default:
		return nil, false
	}
	if d.Dictionary().NullN() > 0 {
		return nil, false
	}
	// ValueBytes starts at the first value of a sliced dictionary, where
	// offsets do not (pqarrow's dictionaries are never sliced; cast those).
	if doff[0] != 0 {
		return nil, false
	}
	ix := idx.Int32Values()
	var valid *memory.Buffer
	nullN := idx.NullN()
	if sel != nil {
		// The codes of the rows kept, and their validity.
		codes := make([]int32, len(sel))
		for k, i := range sel {
			codes[k] = ix[i]
		}
		ix = codes
		if nullN > 0 {
			valid, nullN = takeValidity(mem, idx, sel)
		}
	} else if nullN > 0 {
		valid = copyValidity(mem, idx)
	}
	if valid != nil {
		defer valid.Release()
	}
	var bits []byte
	if valid != nil {
		bits = valid.Bytes()
	}
	n := len(ix)
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((n + 1) * 4)
	defer offBuf.Release()
	off := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:n+1]
	var total int64
	off[0] = 0
	for i, k := range ix {
		if bits == nil || bitutil.BitIsSet(bits, i) {
			total += int64(doff[k+1] - doff[k])
			if total > math.MaxInt32 {
				return nil, false
			}
		}
		off[i+1] = int32(total)
	}
	valBuf := memory.NewResizableBuffer(mem)
	// wordSlack bytes past the values let a short value be copied as
	// whole words: what a word writes past its value's end, the next
	// value (or nothing) overwrites.
	valBuf.Resize(int(total) + wordSlack)
	defer valBuf.Release()
	vals := valBuf.Bytes()
	copyValues(vals, off, ix, dval, doff)
	data := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offBuf, valBuf}, nil, nullN, 0)
	defer data.Release()
	return array.MakeFromData(data), true
}

const wordSlack = 32

// copyValues writes dictionary value ix[i] at off[i] of vals for every
// row (a NULL row has off[i] == off[i+1]), in row order. Values of up to
// 32 bytes go as four 8-byte words instead of a call to memmove per row
// (TPC-H's flags, modes and instructions); vals holds wordSlack bytes past
// the last value, and the dictionary's bytes are copied once with as many
// past its end when it is small.
func copyValues(vals []byte, off, ix []int32, dval []byte, doff []int32) {
	if len(dval) <= 1<<18 && len(ix) >= 1024 {
		padded := make([]byte, len(dval)+wordSlack)
		copy(padded, dval)
		dval = padded
	}
	dn := int32(len(dval))
	for i, k := range ix {
		lo, hi := off[i], off[i+1]
		if lo == hi {
			continue
		}
		s, e := doff[k], doff[k+1]
		if e-s <= wordSlack && s+wordSlack <= dn {
			// Always four words: a fixed count leaves no branch on the
			// value's length to mispredict.
			src, dst := dval[s:s+32], vals[lo:lo+32]
			binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src))
			binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(src[8:]))
			binary.LittleEndian.PutUint64(dst[16:], binary.LittleEndian.Uint64(src[16:]))
			binary.LittleEndian.PutUint64(dst[24:], binary.LittleEndian.Uint64(src[24:]))
			continue
		}
		copy(vals[lo:hi], dval[s:e])
	}
}
