package pgtype_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestArrayBoundsStored: an Arrow list keeps no lower bound, so an array
// counted from anything but 1 ('[0:1]={1,2}'::int2[], an int2vector cast
// to int2[], an empty one keeping its dimension) is refused with 0A000
// rather than stored and read back as another value; arrays from 1 and
// int2vector (from 0 by its type) are stored and read back whole.
func TestArrayBoundsStored(t *testing.T) {
	int2Arr := pgtype.Type{OID: pgtype.Int2ArrayOID, Typmod: -1}
	vec := pgtype.Type{OID: pgtype.Int2VectorOID, Typmod: -1}
	cases := []struct {
		typ    pgtype.Type
		text   string
		dimmed bool // an empty array with its dimension kept, lower bound 0
		refuse bool
		back   string // text of the value read back, when stored
	}{
		{typ: int2Arr, text: "{1,2}", back: "{1,2}"},
		{typ: int2Arr, text: "[1:2]={1,2}", back: "{1,2}"},
		{typ: int2Arr, text: "{}", back: "{}"},
		{typ: int2Arr, text: "[0:1]={1,2}", refuse: true},
		{typ: int2Arr, text: "[5:6]={1,2}", refuse: true},
		{typ: int2Arr, text: "{}", dimmed: true, refuse: true}, // ''::int2vector::int2[]
		{typ: vec, text: "1 2", back: "1 2"},
		{typ: vec, text: "", back: ""},
	}
	for _, c := range cases {
		d, err := pgtype.Decode(c.typ, pgtype.TextFormat, []byte(c.text), nil)
		if err != nil {
			t.Fatalf("%s %q: %v", c.typ, c.text, err)
		}
		if c.dimmed {
			a := d.(pgtype.Array)
			a.Lower = 0
			d = a
		}
		b := array.NewBuilder(memory.DefaultAllocator, c.typ.ArrowType())
		err = pgtype.AppendDatum(b, c.typ, d)
		arr := b.NewArray()
		b.Release()
		if c.refuse {
			if pgerr.Code(err) != pgerr.FeatureNotSupported {
				t.Errorf("%s %q (lower %d): stored with error %v, want 0A000", c.typ, c.text, d.(pgtype.Array).Lower, err)
			}
			arr.Release()
			continue
		}
		if err != nil {
			t.Fatalf("%s %q: %v", c.typ, c.text, err)
		}
		out, err := pgtype.AppendText(nil, c.typ, pgtype.DatumAt(c.typ, arr, 0), nil)
		arr.Release()
		if err != nil || string(out) != c.back {
			t.Errorf("%s %q read back as %q (%v), want %q", c.typ, c.text, out, err, c.back)
		}
	}
}
