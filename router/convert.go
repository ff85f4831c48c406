package router

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// column turns one Trino result column into values of the PostgreSQL type
// the caller bound, appended to a builder of that type's Arrow type.
type column struct {
	name   string
	trino  string // Trino's type, lower case: "bigint", "decimal(12,2)", "array(integer)"
	base   string // without parameters: "decimal", "array", "timestamp with time zone"
	target pgtype.Type
}

var utcSettings = pgtype.DefaultSettings()

func newColumn(name, trinoType string, target pgtype.Type) column {
	t := strings.ToLower(trinoType)
	return column{name: name, trino: t, base: baseType(t), target: target}
}

// baseType strips a type's parameters: "timestamp(3) with time zone" →
// "timestamp with time zone", "varchar(25)" → "varchar".
func baseType(t string) string {
	var b strings.Builder
	depth := 0
	for _, r := range t {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// elemType is the element type of "array(T)".
func elemType(t string) string {
	if strings.HasPrefix(t, "array(") && strings.HasSuffix(t, ")") {
		return t[len("array(") : len(t)-1]
	}
	return "unknown"
}

// appendValue appends v, as the client produced it for the column's Trino
// type, to b.
func (c *column) appendValue(b array.Builder, v driver.Value) error {
	d, natural, err := toDatum(c.trino, c.base, v, c.target)
	if err != nil {
		return err
	}
	if err := pgtype.AppendDatum(b, c.target, d); err == nil {
		return nil
	} else if pgerr.Code(err) != pgerr.InternalError {
		return err // out of range for the bound type, say: the client's error
	}
	// The Go value does not fit the bound type directly (Trino's double
	// where PostgreSQL has numeric, a number where it has text): go
	// through text, as a cast in PostgreSQL would.
	text, err := pgtype.AppendText(nil, natural, d, utcSettings)
	if err != nil {
		return err
	}
	d2, err := pgtype.Decode(c.target, 0, text, utcSettings)
	if err != nil {
		return pgerr.New(pgerr.DatatypeMismatch, "column %q: Trino's %s value %q does not convert to %s: %v",
			c.name, c.trino, text, c.target, pgerr.Convert(err).Message)
	}
	return pgtype.AppendDatum(b, c.target, d2)
}

// toDatum converts one value of the trino-go-client (nil, bool, int64,
// float64, string, []byte, time.Time, or raw JSON for arrays, maps and rows)
// into a Datum, with the PostgreSQL type it naturally has.
func toDatum(trinoType, base string, v driver.Value, target pgtype.Type) (pgtype.Datum, pgtype.Type, error) {
	if v == nil {
		return nil, target, nil
	}
	switch x := v.(type) {
	case bool:
		return x, pgtype.Bool, nil
	case int64:
		return x, pgtype.Int8, nil
	case float64:
		if base == "real" {
			return x, pgtype.Float4, nil
		}
		return x, pgtype.Float8, nil
	case []byte:
		return x, pgtype.Bytea, nil
	case time.Time:
		return timeDatum(base, x)
	case string:
		return stringDatum(base, x)
	case []any:
		elem := target.Elem()
		if !target.IsArray() {
			elem = pgtype.Text
		}
		et := elemType(trinoType)
		arr := pgtype.Array{Elem: elem, Elements: make([]pgtype.Datum, len(x)), Lower: 1}
		for i, e := range x {
			d, err := jsonDatum(et, baseType(et), e, elem)
			if err != nil {
				return nil, target, err
			}
			arr.Elements[i] = d
		}
		at, _ := pgtype.ArrayOf(elem)
		return arr, at, nil
	}
	// Maps and rows: their JSON text.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, target, pgerr.New(pgerr.InternalError, "Trino %s value of Go type %T: %v", trinoType, v, err)
	}
	return string(b), pgtype.Text, nil
}

func timeDatum(base string, t time.Time) (pgtype.Datum, pgtype.Type, error) {
	wall := func() int64 {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC).UnixMicro()
	}
	switch base {
	case "date":
		days := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
		return pgtype.DateValue(days), pgtype.Date, nil
	case "time", "time with time zone":
		micros := int64(t.Hour())*3600e6 + int64(t.Minute())*60e6 + int64(t.Second())*1e6 + int64(t.Nanosecond())/1000
		return pgtype.TimeValue(micros), pgtype.Time, nil
	case "timestamp with time zone":
		return pgtype.TimestampValue(t.UnixMicro()), pgtype.Timestamptz, nil
	default: // timestamp: the wall clock, read as UTC (Sluice's convention)
		return pgtype.TimestampValue(wall()), pgtype.Timestamp, nil
	}
}

func stringDatum(base, s string) (pgtype.Datum, pgtype.Type, error) {
	var t pgtype.Type
	switch base {
	case "decimal", "number":
		t = pgtype.Numeric
	case "interval day to second", "interval year to month":
		iv, err := parseTrinoInterval(base, s)
		return iv, pgtype.Interval, err
	case "uuid":
		t = pgtype.UUID
	case "json":
		return s, pgtype.JSON, nil
	default:
		return s, pgtype.Text, nil
	}
	d, err := pgtype.Decode(t, 0, []byte(s), utcSettings)
	if err != nil {
		return nil, t, err
	}
	return d, t, nil
}

// jsonDatum converts an array element as the client leaves it: raw JSON
// (json.Number, string, bool, nil, nested slices and maps).
func jsonDatum(trinoType, base string, v any, target pgtype.Type) (pgtype.Datum, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.Number:
		if i, err := x.Int64(); err == nil && base != "double" && base != "real" && base != "decimal" {
			return i, nil
		}
		return pgtype.Decode(target, 0, []byte(x.String()), utcSettings)
	case float64:
		return x, nil
	case bool:
		return x, nil
	case string:
		switch base {
		case "varchar", "char", "json", "unknown":
			return x, nil
		case "double", "real": // "NaN", "Infinity"
			return pgtype.Decode(pgtype.Float8, 0, []byte(x), utcSettings)
		}
		return pgtype.Decode(target, 0, []byte(x), utcSettings)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("trino %s element: %w", trinoType, err)
	}
	return string(b), nil
}

// parseTrinoInterval reads Trino's interval text: "[-]D HH:MM:SS.fff" for
// day to second, "[-]Y-M" for year to month. The sign covers the whole
// value (PostgreSQL's input would apply it to the first field only).
func parseTrinoInterval(base, s string) (pgtype.IntervalValue, error) {
	bad := func() (pgtype.IntervalValue, error) {
		return pgtype.IntervalValue{}, pgerr.New(pgerr.InvalidDatetimeFormat, "Trino interval %q not understood", s)
	}
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sign := int64(1)
	if neg {
		sign = -1
	}
	if base == "interval year to month" {
		var y, m int64
		if _, err := fmt.Sscanf(s, "%d-%d", &y, &m); err != nil {
			return bad()
		}
		return pgtype.IntervalValue{Months: int32(sign * (y*12 + m))}, nil
	}
	days, clock, ok := strings.Cut(s, " ")
	if !ok {
		return bad()
	}
	var d, h, mi int64
	var sec string
	if _, err := fmt.Sscanf(days, "%d", &d); err != nil {
		return bad()
	}
	parts := strings.Split(clock, ":")
	if len(parts) != 3 {
		return bad()
	}
	if _, err := fmt.Sscanf(parts[0]+" "+parts[1], "%d %d", &h, &mi); err != nil {
		return bad()
	}
	sec = parts[2]
	whole, frac, _ := strings.Cut(sec, ".")
	var sw int64
	if _, err := fmt.Sscanf(whole, "%d", &sw); err != nil {
		return bad()
	}
	frac = (frac + "000000")[:6]
	var us int64
	if _, err := fmt.Sscanf(frac, "%d", &us); err != nil {
		return bad()
	}
	micros := ((h*60+mi)*60+sw)*1e6 + us
	return pgtype.IntervalValue{Days: int32(sign * d), Micros: sign * micros}, nil
}
