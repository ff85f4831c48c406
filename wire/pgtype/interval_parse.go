package pgtype

import (
	"math"
	"strconv"
)

// Interval input: DecodeInterval over the split fields, then the ISO 8601
// forms (P1Y2M, P0001-02-03T04:05:06) when that fails for format.

// itmIn is struct pg_itm_in: the interval as it is being read.
type itmIn struct {
	usec  int64
	mday  int64
	mon   int64
	year  int64
	overf bool
}

func addOverflows(a, b int64) (int64, bool) {
	s := a + b
	return s, (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0)
}

func mulOverflows(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, false
	}
	p := a * b
	return p, p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64)
}

func (it *itmIn) addMicros(val int64, fval float64, scale int64) bool {
	p, of := mulOverflows(val, scale)
	if of {
		return false
	}
	if it.usec, of = addOverflows(it.usec, p); of {
		return false
	}
	return it.addFractMicros(fval, scale)
}

func (it *itmIn) addFractMicros(frac float64, scale int64) bool {
	if frac == 0 {
		return true
	}
	frac *= float64(scale)
	us := int64(frac)
	frac -= float64(us)
	if frac > 0.5 {
		us++
	} else if frac < -0.5 {
		us--
	}
	var of bool
	it.usec, of = addOverflows(it.usec, us)
	return !of
}

func (it *itmIn) addFractDays(frac float64, scale int64) bool {
	if frac == 0 {
		return true
	}
	frac *= float64(scale)
	extra := int64(frac)
	d := it.mday + extra
	if d > math.MaxInt32 || d < math.MinInt32 {
		return false
	}
	it.mday = d
	frac -= float64(extra)
	return it.addFractMicros(frac, usPerDay)
}

func (it *itmIn) addFractYears(frac float64, scale int64) bool {
	extra := int64(math.RoundToEven(frac * float64(scale) * 12))
	m := it.mon + extra
	if m > math.MaxInt32 || m < math.MinInt32 {
		return false
	}
	it.mon = m
	return true
}

func (it *itmIn) addDays(val, scale int64) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	d := val * scale
	if d > math.MaxInt32 || d < math.MinInt32 {
		return false
	}
	d += it.mday
	if d > math.MaxInt32 || d < math.MinInt32 {
		return false
	}
	it.mday = d
	return true
}

func (it *itmIn) addMonths(val int64) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	m := it.mon + val
	if m > math.MaxInt32 || m < math.MinInt32 {
		return false
	}
	it.mon = m
	return true
}

func (it *itmIn) addYears(val, scale int64) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	y := val * scale
	if y > math.MaxInt32 || y < math.MinInt32 {
		return false
	}
	y += it.year
	if y > math.MaxInt32 || y < math.MinInt32 {
		return false
	}
	it.year = y
	return true
}

// decodeTimeForInterval adds an hh:mm:ss field to it.usec.
func (it *itmIn) decodeTime(str []byte, rng int) dterr {
	h, m, s, us, e := decodeTimeParts(str)
	if e != dtOK {
		return e
	}
	// INTERVAL MINUTE TO SECOND reads two fields as mm:ss
	if rng == ivMinute|ivSecond && indexByte(str[indexByte(str, ':')+1:], ':') < 0 && indexByte(str, '.') < 0 {
		h, m, s = 0, h, m
	}
	t := us
	var of bool
	for _, p := range [][2]int64{{h, usPerHour}, {m, usPerMinute}, {s, usPerSecond}} {
		var prod int64
		if prod, of = mulOverflows(p[0], p[1]); of {
			return dtFieldOverflow
		}
		if t, of = addOverflows(t, prod); of {
			return dtFieldOverflow
		}
	}
	it.usec = t
	return dtOK
}

func lookupDeltaToken(f []byte) (dtToken, bool) {
	t, ok := deltaTokens[tokenKey(f)]
	return t, ok
}

// decodeInterval is DecodeInterval. Fields are read right to left so that
// a unit word applies to the number before it.
func decodeInterval(fields []dtField, rng int, st *style) (itmIn, dterr) {
	var it itmIn
	forceNegative := false
	isBefore := false
	parsingUnit := false
	fmask := 0
	unit := 0
	haveUnit := false

	if st.interval == intervalSQLStandard && len(fields) > 0 && fields[0].text[0] == '-' {
		forceNegative = true
		for _, f := range fields[1:] {
			if f.text[0] == '-' || f.text[0] == '+' {
				forceNegative = false
				break
			}
		}
	}

	for i := len(fields) - 1; i >= 0; i-- {
		f := fields[i].text
		tmask := 0
		switch fields[i].typ {
		case ftTime:
			if e := it.decodeTime(f, rng); e != dtOK {
				return it, e
			}
			if forceNegative && it.usec > 0 {
				it.usec = -it.usec
			}
			unit, haveUnit = unitDay, true
			parsingUnit = false
			tmask = timeMask
		case ftTZ, ftDate, ftNumber:
			if fields[i].typ == ftTZ && indexByte(f[1:], ':') >= 0 {
				save := it.usec
				it.usec = 0
				if it.decodeTime(f[1:], rng) == dtOK {
					if f[0] == '-' {
						it.usec = -it.usec
					}
					if forceNegative && it.usec > 0 {
						it.usec = -it.usec
					}
					var of bool
					if it.usec, of = addOverflows(it.usec, save); of {
						return it, dtFieldOverflow
					}
					unit, haveUnit = unitDay, true
					parsingUnit = false
					tmask = timeMask
					break
				}
				it.usec = save
			}
			if !haveUnit {
				unit, haveUnit = rightmostUnit(rng), true
			}
			val, rest, of := strtol(f)
			if of {
				return it, dtFieldOverflow
			}
			var fval float64
			switch {
			case len(rest) > 0 && rest[0] == '-':
				val2, rest2, of2 := strtoint(rest[1:])
				if of2 || val2 < 0 || val2 >= 12 {
					return it, dtFieldOverflow
				}
				if len(rest2) != 0 {
					return it, dtBadFormat
				}
				unit = unitMonth
				if f[0] == '-' {
					val2 = -val2
				}
				var of3, of4 bool
				val, of3 = mulOverflows(val, 12)
				val, of4 = addOverflows(val, val2)
				if of3 || of4 {
					return it, dtFieldOverflow
				}
			case len(rest) > 0 && rest[0] == '.':
				var e dterr
				fval, e = parseFraction(rest)
				if e != dtOK {
					return it, e
				}
				if f[0] == '-' {
					fval = -fval
				}
			case len(rest) == 0:
			default:
				return it, dtBadFormat
			}
			if forceNegative {
				if val > 0 {
					val = -val
				}
				if fval > 0 {
					fval = -fval
				}
			}
			ok := true
			switch unit {
			case unitMicrosec:
				ok = it.addMicros(val, fval, 1)
				tmask = mask(tkMicrosecond)
			case unitMillisec:
				ok = it.addMicros(val, fval, 1000)
				tmask = mask(tkMillisecond)
			case unitSecond:
				ok = it.addMicros(val, fval, usPerSecond)
				if fval == 0 {
					tmask = mask(tkSecond)
				} else {
					tmask = allSecsMask
				}
			case unitMinute:
				ok = it.addMicros(val, fval, usPerMinute)
				tmask = mask(tkMinute)
			case unitHour:
				ok = it.addMicros(val, fval, usPerHour)
				tmask = mask(tkHour)
				unit = unitDay
			case unitDay:
				ok = it.addDays(val, 1) && it.addFractMicros(fval, usPerDay)
				tmask = mask(tkDay)
			case unitWeek:
				ok = it.addDays(val, 7) && it.addFractDays(fval, 7)
				tmask = mask(tkWeek)
			case unitMonth:
				ok = it.addMonths(val) && it.addFractDays(fval, 30)
				tmask = mask(tkMonth)
			case unitYear:
				ok = it.addYears(val, 1) && it.addFractYears(fval, 1)
				tmask = mask(tkYear)
			case unitDecade:
				ok = it.addYears(val, 10) && it.addFractYears(fval, 10)
				tmask = mask(tkDecade)
			case unitCentury:
				ok = it.addYears(val, 100) && it.addFractYears(fval, 100)
				tmask = mask(tkCentury)
			case unitMillennium:
				ok = it.addYears(val, 1000) && it.addFractYears(fval, 1000)
				tmask = mask(tkMillennium)
			default:
				return it, dtBadFormat
			}
			if !ok {
				return it, dtFieldOverflow
			}
			parsingUnit = false
		case ftString, ftSpecial:
			if parsingUnit {
				return it, dtBadFormat
			}
			tok, ok := lookupDeltaToken(f)
			if !ok {
				tok, ok = lookupDateToken(f)
			}
			if !ok {
				return it, dtBadFormat
			}
			switch tok.kind {
			case tkIgnore:
				continue
			case tkUnits:
				unit, haveUnit = tok.val, true
				parsingUnit = true
			case tkAgo:
				isBefore = true
			default:
				// PostgreSQL 15 has no infinite intervals.
				return it, dtBadFormat
			}
		default:
			return it, dtBadFormat
		}
		if tmask&fmask != 0 {
			return it, dtBadFormat
		}
		fmask |= tmask
	}
	if fmask == 0 || parsingUnit {
		return it, dtBadFormat
	}
	if isBefore {
		it.usec, it.mday, it.mon, it.year = -it.usec, -it.mday, -it.mon, -it.year
	}
	return it, dtOK
}

// rightmostUnit is the unit of a bare number under an interval typmod's
// range (INTERVAL '5' HOUR is five hours); without one it is seconds.
func rightmostUnit(rng int) int {
	switch rng {
	case ivYear:
		return unitYear
	case ivMonth, ivYear | ivMonth:
		return unitMonth
	case ivDay:
		return unitDay
	case ivHour, ivDay | ivHour:
		return unitHour
	case ivMinute, ivHour | ivMinute, ivDay | ivHour | ivMinute:
		return unitMinute
	}
	return unitSecond
}

// parseISO8601Number reads a decimal (strtod syntax) from s, splitting it
// into integer and fraction parts.
func parseISO8601Number(s []byte) (ipart int64, fpart float64, rest []byte, e dterr) {
	if len(s) == 0 || !(isDigit(s[0]) || s[0] == '-' || s[0] == '.') {
		return 0, 0, s, dtBadFormat
	}
	// the longest prefix strtod would take
	i := 0
	if s[i] == '-' || s[i] == '+' {
		i++
	}
	nd := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		nd++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			nd++
		}
	}
	if nd == 0 {
		return 0, 0, s, dtBadFormat
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	v, err := strconv.ParseFloat(string(s[:i]), 64)
	if err != nil {
		return 0, 0, s, dtBadFormat
	}
	if math.IsNaN(v) || v < -1e15 || v > 1e15 {
		return 0, 0, s, dtFieldOverflow
	}
	if v >= 0 {
		ipart = int64(math.Floor(v))
	} else {
		ipart = -int64(math.Floor(-v))
	}
	return ipart, v - float64(ipart), s[i:], dtOK
}

func iso8601IntegerWidth(s []byte) int {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// decodeISO8601Interval is DecodeISO8601Interval.
func decodeISO8601Interval(str []byte) (itmIn, dterr) {
	var it itmIn
	if len(str) < 2 || str[0] != 'P' {
		return it, dtBadFormat
	}
	str = str[1:]
	datepart := true
	haveField := false
	for len(str) > 0 {
		if str[0] == 'T' {
			datepart = false
			haveField = false
			str = str[1:]
			continue
		}
		fieldStart := str
		val, fval, rest, e := parseISO8601Number(str)
		if e != dtOK {
			return it, e
		}
		str = rest
		var unit byte
		if len(str) > 0 {
			unit = str[0]
			str = str[1:]
		}
		if datepart {
			switch unit {
			case 'Y':
				if !it.addYears(val, 1) || !it.addFractYears(fval, 1) {
					return it, dtFieldOverflow
				}
			case 'M':
				if !it.addMonths(val) || !it.addFractDays(fval, 30) {
					return it, dtFieldOverflow
				}
			case 'W':
				if !it.addDays(val, 7) || !it.addFractDays(fval, 7) {
					return it, dtFieldOverflow
				}
			case 'D':
				if !it.addDays(val, 1) || !it.addFractMicros(fval, usPerDay) {
					return it, dtFieldOverflow
				}
			case 'T', 0, '-':
				if (unit == 'T' || unit == 0) && iso8601IntegerWidth(fieldStart) == 8 && !haveField {
					if !it.addYears(val/10000, 1) || !it.addMonths((val/100)%100) ||
						!it.addDays(val%100, 1) || !it.addFractMicros(fval, usPerDay) {
						return it, dtFieldOverflow
					}
					if unit == 0 {
						return it, dtOK
					}
					datepart = false
					haveField = false
					continue
				}
				if haveField {
					return it, dtBadFormat
				}
				if !it.addYears(val, 1) || !it.addFractYears(fval, 1) {
					return it, dtFieldOverflow
				}
				if unit == 0 {
					return it, dtOK
				}
				if unit == 'T' {
					datepart = false
					haveField = false
					continue
				}
				val, fval, str, e = parseISO8601Number(str)
				if e != dtOK {
					return it, e
				}
				if !it.addMonths(val) || !it.addFractDays(fval, 30) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] == 'T' {
					datepart = false
					haveField = false
					str = str[1:]
					continue
				}
				if str[0] != '-' {
					return it, dtBadFormat
				}
				val, fval, str, e = parseISO8601Number(str[1:])
				if e != dtOK {
					return it, e
				}
				if !it.addDays(val, 1) || !it.addFractMicros(fval, usPerDay) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] == 'T' {
					datepart = false
					haveField = false
					str = str[1:]
					continue
				}
				return it, dtBadFormat
			default:
				return it, dtBadFormat
			}
		} else {
			switch unit {
			case 'H':
				if !it.addMicros(val, fval, usPerHour) {
					return it, dtFieldOverflow
				}
			case 'M':
				if !it.addMicros(val, fval, usPerMinute) {
					return it, dtFieldOverflow
				}
			case 'S':
				if !it.addMicros(val, fval, usPerSecond) {
					return it, dtFieldOverflow
				}
			case 0, ':':
				if unit == 0 && iso8601IntegerWidth(fieldStart) == 6 && !haveField {
					if !it.addMicros(val/10000, 0, usPerHour) || !it.addMicros((val/100)%100, 0, usPerMinute) ||
						!it.addMicros(val%100, 0, usPerSecond) || !it.addFractMicros(fval, 1) {
						return it, dtFieldOverflow
					}
					return it, dtOK
				}
				if haveField {
					return it, dtBadFormat
				}
				if !it.addMicros(val, fval, usPerHour) {
					return it, dtFieldOverflow
				}
				if unit == 0 {
					return it, dtOK
				}
				val, fval, str, e = parseISO8601Number(str)
				if e != dtOK {
					return it, e
				}
				if !it.addMicros(val, fval, usPerMinute) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] != ':' {
					return it, dtBadFormat
				}
				val, fval, str, e = parseISO8601Number(str[1:])
				if e != dtOK {
					return it, e
				}
				if !it.addMicros(val, fval, usPerSecond) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				return it, dtBadFormat
			default:
				return it, dtBadFormat
			}
		}
		haveField = true
	}
	return it, dtOK
}

// parseInterval is interval_in.
func parseInterval(src []byte, rng int, st *style) (IntervalValue, error) {
	fields, e := splitDateTime(src, 256)
	var it itmIn
	if e == dtOK {
		it, e = decodeInterval(fields, rng, st)
	}
	if e == dtBadFormat {
		it, e = decodeISO8601Interval(src)
	}
	switch e {
	case dtOK:
	case dtFieldOverflow, dtIntervalOverflow:
		return IntervalValue{}, errIntervalOverflow(src)
	case dtBadFormat:
		return IntervalValue{}, errDatetimeSyntax("interval", src)
	default:
		return IntervalValue{}, errDatetimeOverflow(src)
	}
	months := it.year*12 + it.mon
	if months > math.MaxInt32 || months < math.MinInt32 || it.mday > math.MaxInt32 || it.mday < math.MinInt32 {
		return IntervalValue{}, errDatetimeRange("interval", src)
	}
	return IntervalValue{Months: int32(months), Days: int32(it.mday), Micros: it.usec}, nil
}
