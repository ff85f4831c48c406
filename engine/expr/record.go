package expr

import (
	"slices"

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
