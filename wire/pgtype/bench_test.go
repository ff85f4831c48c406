package pgtype_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Encoding benchmarks: one 4096-row column per op, appended into a reused
// buffer as the wire's DataRow writer does. They report allocations, which
// must stay at zero per op.

const benchRows = 4096

func benchColumn(b *testing.B, typ pgtype.Type, a arrow.Array, s *pgtype.Settings) {
	for _, f := range []struct {
		name   string
		format int16
	}{{"text", pgtype.TextFormat}, {"binary", pgtype.BinaryFormat}} {
		b.Run(f.name, func(b *testing.B) {
			enc, err := pgtype.NewEncoder(typ, a, f.format, s)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 64*benchRows)
			b.ReportAllocs()
			b.SetBytes(int64(a.Len()))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf = buf[:0]
				for row := 0; row < a.Len(); row++ {
					buf = enc(buf, row)
				}
			}
		})
	}
}

func BenchmarkEncodeInt64(b *testing.B) {
	bld := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < benchRows; i++ {
		bld.Append(int64(i) * 7919 * int64(1-2*(i%2)))
	}
	a := bld.NewArray()
	defer a.Release()
	benchColumn(b, pgtype.Int8, a, pgtype.DefaultSettings())
}

func BenchmarkEncodeNumeric(b *testing.B) {
	dt := &arrow.Decimal128Type{Precision: 12, Scale: 2}
	bld := array.NewDecimal128Builder(memory.DefaultAllocator, dt)
	for i := 0; i < benchRows; i++ {
		bld.Append(decimal128.FromBigInt(big.NewInt(int64(i)*104729 - 1000000)))
	}
	a := bld.NewArray()
	defer a.Release()
	benchColumn(b, pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(12, 2)}, a, pgtype.DefaultSettings())
}

func BenchmarkEncodeText(b *testing.B) {
	bld := array.NewStringBuilder(memory.DefaultAllocator)
	words := []string{"paid", "shipped", "open", "cancelled", "refunded: customer asked"}
	for i := 0; i < benchRows; i++ {
		bld.Append(words[i%len(words)])
	}
	a := bld.NewArray()
	defer a.Release()
	benchColumn(b, pgtype.Text, a, pgtype.DefaultSettings())
}

func BenchmarkEncodeTimestamptz(b *testing.B) {
	bld := array.NewTimestampBuilder(memory.DefaultAllocator, pgtype.Timestamptz.ArrowType().(*arrow.TimestampType))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := 0; i < benchRows; i++ {
		bld.Append(arrow.Timestamp(start + int64(i)*3_600_123_457))
	}
	a := bld.NewArray()
	defer a.Release()
	b.Run("UTC", func(b *testing.B) { benchColumn(b, pgtype.Timestamptz, a, pgtype.DefaultSettings()) })
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	s := pgtype.DefaultSettings()
	s.TimeZone = ny
	b.Run("NewYork", func(b *testing.B) { benchColumn(b, pgtype.Timestamptz, a, s) })
}
