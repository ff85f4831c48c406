package expr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// recordFunc implements the planner's row values: srf_record(a, b, ...) builds
// an anonymous record from its arguments (a record-returning
// set-returning function in a select list is its columns gathered back
// into one value), and record_field(r, i) is (r).field, the field's
// 0-based position resolved when the query was bound. Both see NULLs: a
// record may hold NULL fields, and a NULL record has NULL fields.
func recordFunc(name string, types []pgtype.Type) (func([]pgtype.Datum) (pgtype.Datum, error), bool) {
	switch name {
	case "srf_record":
		// Every record-returning function the planner gathers has a column
		// that is never NULL while it yields rows (json_each's key,
		// _pg_expandarray's n), so all fields NULL means it has ended
		// while another in the same select list goes on: PostgreSQL's
		// record is then NULL, not a record of NULLs.
		fields := append([]pgtype.Type(nil), types...)
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if anyNonNull := slices.ContainsFunc(a, func(d pgtype.Datum) bool { return d != nil }); !anyNonNull {
				return nil, nil
			}
			return pgtype.Record{Types: fields, Values: append([]pgtype.Datum(nil), a...)}, nil
		}, true
	case "row":
		// ROW(a, b, ...) and a whole-row reference: a record even when
		// every field is NULL.
		fields := append([]pgtype.Type(nil), types...)
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return pgtype.Record{Types: fields, Values: append([]pgtype.Datum(nil), a...)}, nil
		}, true
	case "record_nulltest":
		// r IS [NOT] NULL on a record value: NULL when the record is NULL
		// or every field is, NOT NULL when no field is.
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			not, _ := a[1].(bool)
			r, ok := a[0].(pgtype.Record)
			if !ok {
				return a[0] == nil != not, nil
			}
			for _, v := range r.Values {
				if (v == nil) == not {
					return false, nil
				}
			}
			return true, nil
		}, true
	case "record_field":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			r, ok := a[0].(pgtype.Record)
			i, _ := a[1].(int64)
			if !ok || i < 0 || int(i) >= len(r.Values) {
				return nil, pgerr.New(pgerr.InternalError, "record field %d out of range", i)
			}
			return r.Values[i], nil
		}, true
	}
	return nil, false
}

// writeRecordJSON writes a record as row_to_json does (composite_to_json,
// not pretty): {"name":value,...} without spaces. A nested record's
// fields are f1, f2, ... as a row constructor names them.
func writeRecordJSON(b *strings.Builder, r pgtype.Record, names []pgtype.Datum, sep string, s *pgtype.Settings) error {
	b.WriteByte('{')
	for i, v := range r.Values {
		if i > 0 {
			b.WriteString(sep)
		}
		name, _ := names[i].(string)
		writeJSONString(b, name)
		b.WriteByte(':')
		if err := writeDatumJSON(b, r.Types[i], v, s); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// writeDatumJSON writes one value as datum_to_json does: NULL is null,
// numbers and booleans bare (NaN and infinities quoted), json as it is,
// arrays as JSON arrays, records as objects, dates and timestamps in ISO
// 8601 with a T, everything else its text as a JSON string.
func writeDatumJSON(b *strings.Builder, t pgtype.Type, v pgtype.Datum, s *pgtype.Settings) error {
	if v == nil {
		b.WriteString("null")
		return nil
	}
	switch x := v.(type) {
	case pgtype.Record:
		names := make([]pgtype.Datum, len(x.Values))
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i+1)
		}
		return writeRecordJSON(b, x, names, ",", s)
	case pgtype.Array:
		b.WriteByte('[')
		for i, e := range x.Elements {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeDatumJSON(b, x.Elem, e, s); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	txt, err := textOf(t, v, s)
	if err != nil {
		return err
	}
	switch {
	case t.OID == pgtype.JSONOID || t.OID == pgtype.JSONBOID:
		b.WriteString(txt)
	case t.OID == pgtype.BoolOID:
		if v.(bool) {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case t.Category() == pgtype.CatNumeric && t.OID != pgtype.OIDOID && !strings.ContainsAny(txt, "NnIi"):
		b.WriteString(txt)
	default:
		writeJSONString(b, jsonDateTime(t, txt))
	}
	return nil
}

// jsonDateTime is a timestamp's ISO text as JsonEncodeDateTime writes it:
// a T between date and time, the offset as hh:mm. Other text is as it is.
func jsonDateTime(t pgtype.Type, txt string) string {
	if t.OID != pgtype.TimestampOID && t.OID != pgtype.TimestamptzOID || txt == "infinity" || txt == "-infinity" {
		return txt
	}
	txt = strings.Replace(txt, " ", "T", 1)
	if t.OID == pgtype.TimestamptzOID && len(txt) > 3 && (txt[len(txt)-3] == '+' || txt[len(txt)-3] == '-') {
		txt += ":00"
	}
	return txt
}

// rowToJSON is row_to_json(r) as the planner binds it: the record and its
// field names. Values are written as datum_to_json does, in the session's
// time zone and float and interval settings but with ISO dates whatever
// the DateStyle.
func rowToJSON(session *pgtype.Settings) func([]pgtype.Datum) (pgtype.Datum, error) {
	s := *session
	s.DateStyle = "ISO, MDY"
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		if a[0] == nil || len(a) > 2 && a[2] == nil {
			return nil, nil
		}
		sep := ","
		if len(a) > 2 && a[2] == true {
			sep = ",\n " // composite_to_json's use_line_feeds
		}
		r, ok := a[0].(pgtype.Record)
		names, _ := a[1].(pgtype.Array)
		if !ok || len(names.Elements) != len(r.Values) {
			return nil, pgerr.New(pgerr.InternalError, "row_to_json: record and field names disagree")
		}
		var b strings.Builder
		if err := writeRecordJSON(&b, r, names.Elements, sep, &s); err != nil {
			return nil, err
		}
		return b.String(), nil
	}
}
