package pgtype

import "time"

// Entry points of datetime text input: date_in, time_in, timestamp_in and
// timestamptz_in.

const dateTimeBufLen = maxDateLen + maxDateFields

// dtError turns a decoder failure into PostgreSQL's error for typ and src.
func dtError(e dterr, typ string, src []byte, zone string) error {
	switch e {
	case dtFieldOverflow:
		return errDatetimeOverflow(src)
	case dtMDFieldOverflow:
		return errDatetimeMDOverflow(src)
	case dtIntervalOverflow:
		return errIntervalOverflow(src)
	case dtTZDispOverflow:
		return errTZDisplacement(src)
	case dtBadTimezone:
		return errBadTimeZone(zone)
	}
	return errDatetimeSyntax(typ, src)
}

func newDateDecoder(st *style) *dateDecoder {
	return &dateDecoder{st: st, now: time.Now}
}

func parseDate(src []byte, st *style) (DateValue, error) {
	fields, e := splitDateTime(src, dateTimeBufLen)
	if e != dtOK {
		return 0, dtError(e, "date", src, "")
	}
	dtype, tm, _, zone, e := newDateDecoder(st).decodeDateTime(fields)
	if e != dtOK {
		return 0, dtError(e, "date", src, zone)
	}
	switch dtype {
	case dtypeEpoch:
		return 0, nil
	case dtypeLate:
		return DatePosInfinity, nil
	case dtypeEarly:
		return DateNegInfinity, nil
	}
	if !validJulian(tm.year, tm.mon) {
		return 0, errDatetimeRange("date", src)
	}
	days := daysFromCivil(tm.year, tm.mon, tm.mday)
	if days < minDateDays || days > maxDateDays {
		return 0, errDatetimeRange("date", src)
	}
	return DateValue(days), nil
}

func parseTime(src []byte, st *style) (TimeValue, error) {
	fields, e := splitDateTime(src, dateTimeBufLen)
	if e != dtOK {
		return 0, dtError(e, "time", src, "")
	}
	tm, e := newDateDecoder(st).decodeTimeOnly(fields)
	if e != dtOK {
		return 0, dtError(e, "time", src, "")
	}
	return TimeValue(((tm.hour*60+tm.min)*60+tm.sec)*usPerSecond + tm.fsec), nil
}

func parseTimestamp(src []byte, withZone bool, st *style) (TimestampValue, error) {
	typ := "timestamp"
	if withZone {
		typ = "timestamp with time zone"
	}
	fields, e := splitDateTime(src, dateTimeBufLen)
	if e != dtOK {
		return 0, dtError(e, typ, src, "")
	}
	dtype, tm, tz, zone, e := newDateDecoder(st).decodeDateTime(fields)
	if e != dtOK {
		return 0, dtError(e, typ, src, zone)
	}
	switch dtype {
	case dtypeEpoch:
		return 0, nil
	case dtypeLate:
		return TimestampPosInfinity, nil
	case dtypeEarly:
		return TimestampNegInfinity, nil
	}
	if !validJulian(tm.year, tm.mon) {
		return 0, errDatetimeRange("timestamp", src)
	}
	days := daysFromCivil(tm.year, tm.mon, tm.mday)
	tod := ((tm.hour*60+tm.min)*60+tm.sec)*usPerSecond + tm.fsec
	// days×µs/day cannot overflow for valid Julian dates below 294277 AD;
	// beyond that the range check below rejects the value.
	if days > 106751991 || days < -106751991 {
		return 0, errDatetimeRange("timestamp", src)
	}
	us := days*usPerDay + tod
	if withZone {
		var of bool
		if us, of = addOverflows(us, tz*usPerSecond); of {
			return 0, errDatetimeRange("timestamp", src)
		}
	}
	if us < minTimestamp || us >= maxTimestamp {
		return 0, errDatetimeRange("timestamp", src)
	}
	return TimestampValue(us), nil
}
