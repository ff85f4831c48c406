package pgtype

import (
	"math"
	"strconv"
	"time"
)

// Text output of date, time, timestamp, timestamptz and interval under
// DateStyle, TimeZone and IntervalStyle (EncodeDateOnly, EncodeTimeOnly,
// EncodeDateTime and EncodeInterval in PostgreSQL).

var monthAbbrevs = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
var dayAbbrevs = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// appendPad appends v (≥ 0) with at least width digits.
func appendPad(buf []byte, v int64, width int) []byte {
	if v < 0 {
		v = -v
	}
	switch {
	case width == 2 && v < 100: // months, days, hours, minutes, seconds
		return append(buf, byte('0'+v/10), byte('0'+v%10))
	case width == 4 && v < 10000: // years
		return append(buf, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	for n := len(tmp) - i; n < width; n++ {
		buf = append(buf, '0')
	}
	return append(buf, tmp[i:]...)
}

// appendSeconds is AppendSeconds: seconds (two digits when fill), then a
// fraction of microseconds (|usec| < 1e6) without trailing zeros. Signs are
// dropped.
func appendSeconds(buf []byte, sec int64, usec int64, fill bool) []byte {
	if fill {
		buf = appendPad(buf, sec, 2)
	} else {
		buf = appendPad(buf, sec, 1)
	}
	if usec == 0 {
		return buf
	}
	if usec < 0 {
		usec = -usec
	}
	var f [6]byte
	for i := 5; i >= 0; i-- {
		f[i] = byte('0' + usec%10)
		usec /= 10
	}
	n := 6
	for n > 1 && f[n-1] == '0' {
		n--
	}
	buf = append(buf, '.')
	return append(buf, f[:n]...)
}

// displayYear is the year as printed: 1 BC is year 0 internally.
func displayYear(y int64) int64 {
	if y > 0 {
		return y
	}
	return -(y - 1)
}

func appendYMD(buf []byte, y, m, d int64, st *style) []byte {
	switch st.date {
	case dateISO:
		buf = appendPad(buf, displayYear(y), 4)
		buf = append(buf, '-')
		buf = appendPad(buf, m, 2)
		buf = append(buf, '-')
		return appendPad(buf, d, 2)
	case dateGerman:
		buf = appendPad(buf, d, 2)
		buf = append(buf, '.')
		buf = appendPad(buf, m, 2)
		buf = append(buf, '.')
		return appendPad(buf, displayYear(y), 4)
	}
	sep := byte('/')
	if st.date == datePostgres {
		sep = '-'
	}
	if st.order == orderDMY {
		buf = appendPad(buf, d, 2)
		buf = append(buf, sep)
		buf = appendPad(buf, m, 2)
	} else {
		buf = appendPad(buf, m, 2)
		buf = append(buf, sep)
		buf = appendPad(buf, d, 2)
	}
	buf = append(buf, sep)
	return appendPad(buf, displayYear(y), 4)
}

func appendDateText(buf []byte, v int32, st *style) []byte {
	switch DateValue(v) {
	case DateNegInfinity:
		return append(buf, "-infinity"...)
	case DatePosInfinity:
		return append(buf, "infinity"...)
	}
	y, m, d := civilFromDays(int64(v))
	buf = appendYMD(buf, y, m, d, st)
	if y <= 0 {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendHMS(buf []byte, us int64) []byte {
	h := us / usPerHour
	us -= h * usPerHour
	mi := us / usPerMinute
	us -= mi * usPerMinute
	buf = appendPad(buf, h, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, mi, 2)
	buf = append(buf, ':')
	return appendSeconds(buf, us/usPerSecond, us%usPerSecond, true)
}

func appendTimeText(buf []byte, us int64) []byte { return appendHMS(buf, us) }

// appendTimezoneOffset is EncodeTimezone: +HH, +HH:MM or +HH:MM:SS of an
// offset east of UTC in seconds.
func appendTimezoneOffset(buf []byte, east int) []byte {
	if east >= 0 {
		buf = append(buf, '+')
	} else {
		buf = append(buf, '-')
		east = -east
	}
	h, m, s := east/3600, east/60%60, east%60
	buf = appendPad(buf, int64(h), 2)
	if s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(m), 2)
		buf = append(buf, ':')
		return appendPad(buf, int64(s), 2)
	}
	if m != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(m), 2)
	}
	return buf
}

// zoneAt returns the abbreviation and offset (seconds east) of loc at an
// instant given in microseconds since 1970.
func zoneAt(loc *time.Location, us int64) (string, int) {
	if loc == time.UTC {
		return "UTC", 0
	}
	return time.Unix(floorDiv(us, usPerSecond), 0).In(loc).Zone()
}

// zoneCache remembers the zone period of the last timestamptz printed, so
// that a column of nearby instants looks the zone up once, not per row. It
// belongs to one encoder, which one goroutine uses.
type zoneCache struct {
	start, end int64 // seconds since 1970, [start, end)
	abbrev     string
	offset     int
	valid      bool
}

func (zc *zoneCache) lookup(loc *time.Location, us int64) (string, int) {
	if loc == time.UTC {
		return "UTC", 0
	}
	sec := floorDiv(us, usPerSecond)
	if zc.valid && sec >= zc.start && sec < zc.end {
		return zc.abbrev, zc.offset
	}
	t := time.Unix(sec, 0).In(loc)
	zc.abbrev, zc.offset = t.Zone()
	start, end := t.ZoneBounds()
	zc.start, zc.end = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		zc.start = start.Unix()
	}
	if !end.IsZero() {
		zc.end = end.Unix()
	}
	zc.valid = true
	return zc.abbrev, zc.offset
}

// appendTimestampText prints a timestamp (withZone false: the value is the
// wall clock) or a timestamptz (rotated into st.loc).
func appendTimestampText(buf []byte, v int64, withZone bool, st *style) []byte {
	return appendTimestampTextCached(buf, v, withZone, st, nil)
}

func appendTimestampTextCached(buf []byte, v int64, withZone bool, st *style, zc *zoneCache) []byte {
	switch TimestampValue(v) {
	case TimestampNegInfinity:
		return append(buf, "-infinity"...)
	case TimestampPosInfinity:
		return append(buf, "infinity"...)
	}
	days := floorDiv(v, usPerDay)
	tod := v - days*usPerDay
	var abbrev string
	var off int
	if withZone {
		if zc != nil {
			abbrev, off = zc.lookup(st.loc, v)
		} else {
			abbrev, off = zoneAt(st.loc, v)
		}
		tod += int64(off) * usPerSecond
		if tod < 0 {
			tod += usPerDay
			days--
		} else if tod >= usPerDay {
			tod -= usPerDay
			days++
		}
	}
	y, m, d := civilFromDays(days)
	switch st.date {
	case dateISO:
		buf = appendYMD(buf, y, m, d, st)
		buf = append(buf, ' ')
		buf = appendHMS(buf, tod)
		if withZone {
			buf = appendTimezoneOffset(buf, off)
		}
	case dateSQL, dateGerman:
		buf = appendYMD(buf, y, m, d, st)
		buf = append(buf, ' ')
		buf = appendHMS(buf, tod)
		if withZone {
			buf = appendZoneName(buf, abbrev, off)
		}
	default: // Postgres: "Wed Dec 17 07:37:16 1997 PST"
		buf = append(buf, dayAbbrevs[weekday(days)]...)
		buf = append(buf, ' ')
		if st.order == orderDMY {
			buf = appendPad(buf, d, 2)
			buf = append(buf, ' ')
			buf = append(buf, monthAbbrevs[m-1]...)
		} else {
			buf = append(buf, monthAbbrevs[m-1]...)
			buf = append(buf, ' ')
			buf = appendPad(buf, d, 2)
		}
		buf = append(buf, ' ')
		buf = appendHMS(buf, tod)
		buf = append(buf, ' ')
		buf = appendPad(buf, displayYear(y), 4)
		if withZone {
			buf = appendZoneName(buf, abbrev, off)
		}
	}
	if y <= 0 {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendZoneName prints " ABBR" (at most 10 characters, MAXTZLEN), or the
// numeric offset when the zone has no abbreviation.
func appendZoneName(buf []byte, abbrev string, off int) []byte {
	if abbrev == "" {
		buf = append(buf, ' ')
		return appendTimezoneOffset(buf, off)
	}
	if len(abbrev) > 10 {
		abbrev = abbrev[:10]
	}
	buf = append(buf, ' ')
	return append(buf, abbrev...)
}

// appendIntervalText is EncodeInterval.
func appendIntervalText(buf []byte, iv IntervalValue, st *style) []byte {
	year := int64(iv.Months / 12)
	mon := int64(iv.Months % 12)
	mday := int64(iv.Days)
	t := iv.Micros
	hour := t / usPerHour
	t -= hour * usPerHour
	min := t / usPerMinute
	t -= min * usPerMinute
	sec := t / usPerSecond
	fsec := t - sec*usPerSecond

	switch st.interval {
	case intervalSQLStandard:
		return appendIntervalSQL(buf, year, mon, mday, hour, min, sec, fsec)
	case intervalISO8601:
		if year == 0 && mon == 0 && mday == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0 {
			return append(buf, "PT0S"...)
		}
		buf = append(buf, 'P')
		buf = appendISOPart(buf, year, 'Y')
		buf = appendISOPart(buf, mon, 'M')
		buf = appendISOPart(buf, mday, 'D')
		if hour != 0 || min != 0 || sec != 0 || fsec != 0 {
			buf = append(buf, 'T')
		}
		buf = appendISOPart(buf, hour, 'H')
		buf = appendISOPart(buf, min, 'M')
		if sec != 0 || fsec != 0 {
			if sec < 0 || fsec < 0 {
				buf = append(buf, '-')
			}
			buf = appendSeconds(buf, sec, fsec, false)
			buf = append(buf, 'S')
		}
		return buf
	case intervalPostgresVerbose:
		return appendIntervalVerbose(buf, year, mon, mday, hour, min, sec, fsec)
	}
	// postgres
	isZero, isBefore := true, false
	buf = appendPostgresPart(buf, year, "year", &isZero, &isBefore)
	buf = appendPostgresPart(buf, mon, "mon", &isZero, &isBefore)
	buf = appendPostgresPart(buf, mday, "day", &isZero, &isBefore)
	if isZero || hour != 0 || min != 0 || sec != 0 || fsec != 0 {
		minus := hour < 0 || min < 0 || sec < 0 || fsec < 0
		if !isZero {
			buf = append(buf, ' ')
		}
		if minus {
			buf = append(buf, '-')
		} else if isBefore {
			buf = append(buf, '+')
		}
		buf = appendPad(buf, hour, 2)
		buf = append(buf, ':')
		buf = appendPad(buf, min, 2)
		buf = append(buf, ':')
		buf = appendSeconds(buf, sec, fsec, true)
	}
	return buf
}

func appendISOPart(buf []byte, v int64, unit byte) []byte {
	if v == 0 {
		return buf
	}
	buf = strconv.AppendInt(buf, v, 10)
	return append(buf, unit)
}

func appendPostgresPart(buf []byte, v int64, unit string, isZero, isBefore *bool) []byte {
	if v == 0 {
		return buf
	}
	if !*isZero {
		buf = append(buf, ' ')
	}
	if *isBefore && v > 0 {
		buf = append(buf, '+')
	}
	buf = strconv.AppendInt(buf, v, 10)
	buf = append(buf, ' ')
	buf = append(buf, unit...)
	if v != 1 {
		buf = append(buf, 's')
	}
	*isBefore = v < 0
	*isZero = false
	return buf
}

func appendIntervalVerbose(buf []byte, year, mon, mday, hour, min, sec, fsec int64) []byte {
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if isZero {
			isBefore = v < 0
			if v < 0 {
				v = -v
			}
		} else if isBefore {
			v = -v
		}
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, v, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		isZero = false
	}
	buf = append(buf, '@')
	part(year, "year")
	part(mon, "mon")
	part(mday, "day")
	part(hour, "hour")
	part(min, "min")
	if sec != 0 || fsec != 0 {
		buf = append(buf, ' ')
		if sec < 0 || (sec == 0 && fsec < 0) {
			if isZero {
				isBefore = true
			} else if !isBefore {
				buf = append(buf, '-')
			}
		} else if isBefore {
			buf = append(buf, '-')
		}
		buf = appendSeconds(buf, sec, fsec, false)
		buf = append(buf, " sec"...)
		if (sec != 1 && sec != -1) || fsec != 0 {
			buf = append(buf, 's')
		}
		isZero = false
	}
	if isZero {
		buf = append(buf, " 0"...)
	}
	if isBefore {
		buf = append(buf, " ago"...)
	}
	return buf
}

func appendIntervalSQL(buf []byte, year, mon, mday, hour, min, sec, fsec int64) []byte {
	hasNeg := year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0
	hasPos := year > 0 || mon > 0 || mday > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0
	hasYM := year != 0 || mon != 0
	hasDT := mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0
	standard := !(hasNeg && hasPos) && !(hasYM && hasDT)
	if hasNeg && standard {
		buf = append(buf, '-')
		year, mon, mday, hour, min, sec, fsec = -year, -mon, -mday, -hour, -min, -sec, -fsec
	}
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	switch {
	case !hasNeg && !hasPos:
		return append(buf, '0')
	case !standard:
		ys, ds, ss := byte('+'), byte('+'), byte('+')
		if year < 0 || mon < 0 {
			ys = '-'
		}
		if mday < 0 {
			ds = '-'
		}
		if hour < 0 || min < 0 || sec < 0 || fsec < 0 {
			ss = '-'
		}
		buf = append(buf, ys)
		buf = strconv.AppendInt(buf, abs(year), 10)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, abs(mon), 10)
		buf = append(buf, ' ', ds)
		buf = strconv.AppendInt(buf, abs(mday), 10)
		buf = append(buf, ' ', ss)
		buf = strconv.AppendInt(buf, abs(hour), 10)
		buf = append(buf, ':')
		buf = appendPad(buf, abs(min), 2)
		buf = append(buf, ':')
		return appendSeconds(buf, sec, fsec, true)
	case hasYM:
		buf = strconv.AppendInt(buf, year, 10)
		buf = append(buf, '-')
		return strconv.AppendInt(buf, mon, 10)
	case mday != 0:
		buf = strconv.AppendInt(buf, mday, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, hour, 10)
		buf = append(buf, ':')
		buf = appendPad(buf, min, 2)
		buf = append(buf, ':')
		return appendSeconds(buf, sec, fsec, true)
	}
	buf = strconv.AppendInt(buf, hour, 10)
	buf = append(buf, ':')
	buf = appendPad(buf, min, 2)
	buf = append(buf, ':')
	return appendSeconds(buf, sec, fsec, true)
}
