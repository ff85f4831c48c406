package parquet

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestExpandDictionaryWords checks the word-wise copy of short values
// against the values themselves: dictionaries of 0 to 40 byte values (so
// values near the dictionary's end take the memmove path), NULL rows,
// and a last value whose words reach into the slack.
func TestExpandDictionaryWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for round := range 50 {
		db := array.NewStringBuilder(mem)
		nd := 1 + rng.IntN(20)
		dict := make([]string, nd)
		for i := range dict {
			n := rng.IntN(41)
			if round%5 == 0 {
				n = rng.IntN(17)
			}
			b := make([]byte, n)
			for j := range b {
				b[j] = byte('a' + rng.IntN(26))
			}
			dict[i] = string(b)
			db.Append(dict[i])
		}
		dictArr := db.NewArray()
		ib := array.NewInt32Builder(mem)
		rows := rng.IntN(300)
		want := make([]*string, rows)
		for r := range rows {
			if rng.IntN(7) == 0 {
				ib.AppendNull()
				continue
			}
			k := rng.IntN(nd)
			ib.Append(int32(k))
			want[r] = &dict[k]
		}
		idx := ib.NewArray()
		d := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, dictArr)
		out, ok := expandDictionary(mem, d)
		if !ok {
			t.Fatalf("round %d: not expanded", round)
		}
		s := out.(*array.String)
		for r := range rows {
			if want[r] == nil {
				if s.IsValid(r) {
					t.Fatalf("round %d row %d: want NULL, got %q", round, r, s.Value(r))
				}
				continue
			}
			if !s.IsValid(r) || !bytes.Equal([]byte(s.Value(r)), []byte(*want[r])) {
				t.Fatalf("round %d row %d: got %q, want %q", round, r, s.Value(r), *want[r])
			}
		}
		out.Release()
		d.Release()
		idx.Release()
		dictArr.Release()
		ib.Release()
		db.Release()
	}
}

// BenchmarkExpandDictionary expands 64Ki rows of a TPC-H l_shipmode-like
// dictionary (3 to 7 byte values) and l_shipinstruct-like one (4 to 17),
// with the word-wise copy beside a memmove per row.
func BenchmarkExpandDictionary(b *testing.B) {
	for _, dict := range [][]string{
		{"AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"},
		{"COLLECT COD", "DELIVER IN PERSON", "NONE", "TAKE BACK RETURN"},
	} {
		rng := rand.New(rand.NewPCG(5, 6))
		var dval []byte
		doff := []int32{0}
		for _, v := range dict {
			dval = append(dval, v...)
			doff = append(doff, int32(len(dval)))
		}
		const n = 64 * 1024
		ix := make([]int32, n)
		off := make([]int32, n+1)
		for i := range ix {
			ix[i] = int32(rng.IntN(len(dict)))
			off[i+1] = off[i] + doff[ix[i]+1] - doff[ix[i]]
		}
		vals := make([]byte, int(off[n])+wordSlack)
		name := dict[0]
		b.Run(name+"/words", func(b *testing.B) {
			for b.Loop() {
				copyValues(vals, off, ix, dval, doff)
			}
		})
		b.Run(name+"/memmove", func(b *testing.B) {
			for b.Loop() {
				for i, k := range ix {
					copy(vals[off[i]:off[i+1]], dval[doff[k]:doff[k+1]])
				}
			}
		})
	}
}
