package expr

import (
	"fmt"
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// jsonBuildObject is json_build_object(variadic "any"): alternating keys
// and values, written as PostgreSQL writes json ({"k" : v, ...}), each
// value as datum_to_json does (writeDatumJSON), dates in ISO whatever the
// DateStyle.
func jsonBuildObject(types []pgtype.Type, s *pgtype.Settings) func([]pgtype.Datum) (pgtype.Datum, error) {
	iso := *s
	iso.DateStyle = "ISO, MDY"
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		if len(a)%2 != 0 {
			e := pgerr.New(pgerr.InvalidParameterValue, "argument list must have even number of elements")
			e.Hint = "The arguments of json_build_object() must consist of alternating keys and values."
			return nil, e
		}
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; i < len(a); i += 2 {
			if a[i] == nil {
				e := pgerr.New(pgerr.InvalidParameterValue, "argument %d cannot be null", i+1)
				e.Hint = "Object keys should be text."
				return nil, e
			}
			if i > 0 {
				b.WriteString(", ")
			}
			key, err := textOf(types[i], a[i], &iso)
			if err != nil {
				return nil, err
			}
			writeJSONString(&b, jsonDateTime(types[i], key))
			b.WriteString(" : ")
			if err := writeDatumJSON(&b, types[i+1], a[i+1], &iso); err != nil {
				return nil, err
			}
		}
		b.WriteByte('}')
		return b.String(), nil
	}
}

// writeJSONString quotes s as PostgreSQL's escape_json does.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
