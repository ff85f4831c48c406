package wire

import (
	"io"
	"testing"

	"github.com/sluicesql/sluice/wire/pgtype"
)

func newBenchWriter(tb testing.TB, formats []int16) *resultWriter {
	w := &resultWriter{out: &output{w: io.Discard}}
	fields := []Field{{Name: "n", Type: pgtype.Int8}, {Name: "s", Type: pgtype.Text}}
	if err := w.Start(fields, formats, pgtype.DefaultSettings()); err != nil {
		tb.Fatal(err)
	}
	return w
}

// TestWriteRowsDoesNotAllocate: encoding rows allocates nothing per row
// once a batch's encoders exist and the buffer has grown.
func TestWriteRowsDoesNotAllocate(t *testing.T) {
	rec := seriesBatch(0, 1000)
	defer rec.Release()
	for _, formats := range [][]int16{nil, {1}} {
		w := newBenchWriter(t, formats)
		if err := w.WriteRows(rec, 0, 1000); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if err := w.WriteRows(rec, 0, 1000); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("formats %v: %v allocations per 1000 rows", formats, allocs)
		}
	}
}

func BenchmarkWriteRows(b *testing.B) {
	rec := seriesBatch(0, 1000)
	defer rec.Release()
	for _, bc := range []struct {
		name    string
		formats []int16
	}{{"text", nil}, {"binary", []int16{1}}} {
		b.Run(bc.name, func(b *testing.B) {
			w := newBenchWriter(b, bc.formats)
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteRows(rec, 0, 1000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
