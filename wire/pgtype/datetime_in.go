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
	dd := newDateDecoder(st)
	tm, e := dd.decodeTimeOnly(fields)
	if e != dtOK {
		return 0, dtError(e, "time", src, dd.badZone)
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

// Precision typmods of time, timestamp[tz] and interval: round the
// fraction to p digits, half away from zero. PostgreSQL rounds timestamps
// around its own epoch, 2000-01-01, which decides which way a half goes
// before 2000; so does this.
var fractionScales = [7]int64{1000000, 100000, 10000, 1000, 100, 10, 1}

func roundHalfAway(v int64, p int32) int64 {
	scale := fractionScales[p]
	half := scale / 2
	if v >= 0 {
		return (v + half) / scale * scale
	}
	return -((-v + half) / scale * scale)
}

func adjustTimestampTypmod(v TimestampValue, typmod int32, src []byte) (TimestampValue, error) {
	if typmod < 0 || typmod >= 6 || v == TimestampNegInfinity || v == TimestampPosInfinity {
		return v, nil
	}
	us := roundHalfAway(int64(v)-pgEpochMicros, typmod) + pgEpochMicros
	if us < minTimestamp || us >= maxTimestamp {
		return v, errDatetimeRange("timestamp", src)
	}
	return TimestampValue(us), nil
}

func adjustTimeTypmod(v TimeValue, typmod int32) TimeValue {
	if typmod < 0 || typmod >= 6 {
		return v
	}
	return TimeValue(roundHalfAway(int64(v), typmod))
}

// Interval typmods are PostgreSQL's INTERVAL_TYPMOD(precision, range):
// range (a mask of the fields written, as in INTERVAL YEAR TO MONTH) in
// the high 16 bits, precision (0xFFFF: none) in the low 16.
const (
	ivMonth     = 1 << 1
	ivYear      = 1 << 2
	ivDay       = 1 << 3
	ivHour      = 1 << 10
	ivMinute    = 1 << 11
	ivSecond    = 1 << 12
	ivFullRange = 0x7FFF
	ivFullPrec  = 0xFFFF
)

func intervalRange(typmod int32) int {
	if typmod < 0 {
		return ivFullRange
	}
	return int(typmod>>16) & 0x7FFF
}

func adjustIntervalTypmod(iv IntervalValue, typmod int32) IntervalValue {
	if typmod < 0 {
		return iv
	}
	switch intervalRange(typmod) {
	case ivYear:
		iv.Months = iv.Months / 12 * 12
		iv.Days, iv.Micros = 0, 0
	case ivMonth, ivYear | ivMonth:
		iv.Days, iv.Micros = 0, 0
	case ivDay:
		iv.Micros = 0
	case ivHour, ivDay | ivHour:
		iv.Micros = iv.Micros / usPerHour * usPerHour
	case ivMinute, ivDay | ivHour | ivMinute, ivHour | ivMinute:
		iv.Micros = iv.Micros / usPerMinute * usPerMinute
	}
	if p := typmod & 0xFFFF; p != ivFullPrec && p >= 0 && p < 6 {
		iv.Micros = roundHalfAway(iv.Micros, p)
	}
	return iv
}
