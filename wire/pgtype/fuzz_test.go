package pgtype_test

import (
	"bytes"
	"testing"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

var fuzzTypes = []pgtype.Type{
	pgtype.Bool, pgtype.Int2, pgtype.Int4, pgtype.Int8, pgtype.Float4, pgtype.Float8, pgtype.Numeric,
	{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(10, 3)}, pgtype.Text, pgtype.Name,
	{OID: pgtype.CharOID, Typmod: -1}, {OID: pgtype.BPCharOID, Typmod: pgtype.VarcharTypmod(3)},
	pgtype.JSON, pgtype.JSONB, pgtype.Bytea, pgtype.UUID, pgtype.OIDType, pgtype.Regclass,
	pgtype.Date, pgtype.Time, pgtype.Timestamp, pgtype.Timestamptz, pgtype.Interval,
	pgtype.TextArray, {OID: pgtype.Int4ArrayOID, Typmod: -1}, {OID: pgtype.TimestamptzArrayOID, Typmod: -1},
}

// FuzzDecodeText feeds arbitrary text to every type's input function. It
// must never panic; every error must carry a SQLSTATE; and what it accepts
// must print, and survive binary and text round trips unchanged.
func FuzzDecodeText(f *testing.F) {
	seeds := []string{"t", " 42 ", "-1.5e-3", "NaN", "Infinity", "2020-01-02 03:04:05.123+05:30", "0044-03-15 BC",
		"J2451187", "1 year -2 mons +3 days -04:05:06.7 ago", "P1Y2M3DT4H5M6.5S", `{"b":1,"a":[1.50,"\u00e9"]}`,
		`\x0102`, `a\\b\001`, "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", `{a,"b c",NULL,"\"q\""}`, "[0:1]={1,2}",
		"epoch", "allballs", "Jan 8 99 04:05 PM PST", "2020-03-08 02:30 america/new_york", "1e400", "",
		"12:34:56.789", "-infinity", "{{1}}", "\xff"}
	for i, s := range seeds {
		for k := 0; k < 3; k++ {
			f.Add(byte(i*3+k), s)
		}
	}
	s := pgtype.DefaultSettings()
	f.Fuzz(func(t *testing.T, sel byte, in string) {
		typ := fuzzTypes[int(sel)%len(fuzzTypes)]
		d, err := pgtype.Decode(typ, pgtype.TextFormat, []byte(in), s)
		if err != nil {
			if pgerr.Code(err) == "" {
				t.Fatalf("Decode(%s, %q): error without SQLSTATE: %v", typ, in, err)
			}
			return
		}
		txt, err := pgtype.AppendText(nil, typ, d, s)
		if err != nil {
			t.Fatalf("Decode(%s, %q) = %#v, which does not print: %v", typ, in, d, err)
		}
		bin, err := pgtype.AppendBinary(nil, typ, d)
		if err != nil {
			t.Fatalf("Decode(%s, %q) = %#v, no binary form: %v", typ, in, d, err)
		}
		d2, err := pgtype.Decode(typ, pgtype.BinaryFormat, bin, s)
		if err != nil {
			t.Fatalf("%s %q: binary %x does not decode: %v", typ, in, bin, err)
		}
		if bin2, _ := pgtype.AppendBinary(nil, typ, d2); !bytes.Equal(bin, bin2) {
			t.Fatalf("%s %q: binary round trip %x → %x", typ, in, bin, bin2)
		}
		d3, err := pgtype.Decode(typ, pgtype.TextFormat, txt, s)
		if err != nil {
			t.Fatalf("%s %q: output %q does not read back: %v", typ, in, txt, err)
		}
		if txt3, _ := pgtype.AppendText(nil, typ, d3, s); !bytes.Equal(txt, txt3) {
			t.Fatalf("%s %q: text round trip %q → %q", typ, in, txt, txt3)
		}
	})
}
