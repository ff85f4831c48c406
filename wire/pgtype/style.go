package pgtype

import (
	"strings"
	"time"
)

// dateStyle is the output half of the DateStyle setting.
type dateStyle uint8

const (
	dateISO dateStyle = iota
	dateSQL
	datePostgres
	dateGerman
)

// dateOrder is the field-order half of DateStyle; it decides how ambiguous
// input like 01/02/03 is read and how the SQL and Postgres styles print.
type dateOrder uint8

const (
	orderMDY dateOrder = iota
	orderDMY
	orderYMD
)

// intervalStyle is the IntervalStyle setting.
type intervalStyle uint8

const (
	intervalPostgres intervalStyle = iota
	intervalPostgresVerbose
	intervalSQLStandard
	intervalISO8601
)

// style is Settings digested once per encoder (or per AppendText/Decode
// call), so the per-row path compares small integers, not strings.
type style struct {
	date        dateStyle
	order       dateOrder
	interval    intervalStyle
	loc         *time.Location
	floatDigits int // extra_float_digits
	byteaEscape bool
}

var defaultStyle = style{date: dateISO, order: orderMDY, interval: intervalPostgres, loc: time.UTC, floatDigits: 1}

func styleOf(s *Settings) *style {
	st := defaultStyle
	if s == nil {
		return &st
	}
	st.date, st.order = parseDateStyle(s.DateStyle)
	switch strings.ToLower(strings.TrimSpace(s.IntervalStyle)) {
	case "postgres_verbose":
		st.interval = intervalPostgresVerbose
	case "sql_standard":
		st.interval = intervalSQLStandard
	case "iso_8601":
		st.interval = intervalISO8601
	default:
		st.interval = intervalPostgres
	}
	if s.TimeZone != nil {
		st.loc = s.TimeZone
	}
	st.floatDigits = s.ExtraFloatDigits
	st.byteaEscape = strings.EqualFold(strings.TrimSpace(s.ByteaOutput), "escape")
	return &st
}

// parseDateStyle reads DateStyle as PostgreSQL's check_datestyle does:
// comma- or space-separated words, one for the output style and one for the
// field order, in either order. German alone implies DMY. Unknown words are
// ignored here; the gateway rejects them when the setting is made.
func parseDateStyle(v string) (dateStyle, dateOrder) {
	ds, order := dateISO, orderMDY
	haveOrder := false
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		switch strings.ToUpper(w) {
		case "ISO":
			ds = dateISO
		case "SQL":
			ds = dateSQL
		case "POSTGRES":
			ds = datePostgres
		case "GERMAN":
			ds = dateGerman
			if !haveOrder {
				order = orderDMY
			}
		case "YMD":
			order, haveOrder = orderYMD, true
		case "DMY", "EURO", "EUROPEAN":
			order, haveOrder = orderDMY, true
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order, haveOrder = orderMDY, true
		}
	}
	return ds, order
}
