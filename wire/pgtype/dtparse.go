package pgtype

import (
	"math"
	"strconv"
	"time"
)

// Datetime input. PostgreSQL reads date, time, timestamp[tz] and interval
// text in two steps: split the string into typed fields (ParseDateTime),
// then interpret the fields in context (DecodeDateTime, DecodeTimeOnly,
// DecodeInterval, with DecodeISO8601Interval as a fallback). This file
// follows the same steps and the same rules, so that the same strings are
// accepted and rejected with the same errors.

// Field types found by splitDateTime.
type dtFieldType uint8

const (
	ftNumber  dtFieldType = iota // digits, maybe a point: 12, 20011225, 1.5
	ftString                     // letters: jan, pst, infinity
	ftDate                       // digits and two delimiters, or text with punctuation: 2001-02-03, america/new_york
	ftTime                       // digits with colons: 12:30:00.5
	ftTZ                         // sign then digits: +05:30, -8
	ftSpecial                    // sign then letters: -infinity
)

type dtField struct {
	text []byte // lower-cased
	typ  dtFieldType
}

const (
	maxDateFields = 25
	maxDateLen    = 128
)

// dterr classifies a datetime input failure; the caller turns it into the
// PostgreSQL error for its type and input.
type dterr uint8

const (
	dtOK dterr = iota
	dtBadFormat
	dtFieldOverflow
	dtMDFieldOverflow
	dtIntervalOverflow
	dtTZDispOverflow
	dtBadTimezone
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// splitDateTime is ParseDateTime. bufLen is the size of PostgreSQL's work
// buffer, which bounds the accepted input.
func splitDateTime(src []byte, bufLen int) ([]dtField, dterr) {
	var fields []dtField
	used := 0
	cp := 0
	n := len(src)
	at := func(i int) byte {
		if i < n {
			return src[i]
		}
		return 0
	}
	for cp < n {
		c := src[cp]
		if isSpace(c) {
			cp++
			continue
		}
		if len(fields) >= maxDateFields {
			return nil, dtBadFormat
		}
		var f []byte
		add := func(ch byte) bool {
			if used+len(f)+1 >= bufLen {
				return false
			}
			f = append(f, ch)
			return true
		}
		var typ dtFieldType
		switch {
		case isDigit(c):
			if !add(c) {
				return nil, dtBadFormat
			}
			cp++
			for isDigit(at(cp)) {
				if !add(src[cp]) {
					return nil, dtBadFormat
				}
				cp++
			}
			switch d := at(cp); {
			case d == ':':
				typ = ftTime
				if !add(d) {
					return nil, dtBadFormat
				}
				cp++
				for isDigit(at(cp)) || at(cp) == ':' || at(cp) == '.' {
					if !add(src[cp]) {
						return nil, dtBadFormat
					}
					cp++
				}
			case d == '-' || d == '/' || d == '.':
				delim := d
				if !add(d) {
					return nil, dtBadFormat
				}
				cp++
				if isDigit(at(cp)) {
					typ = ftDate
					if delim == '.' {
						typ = ftNumber
					}
					for isDigit(at(cp)) {
						if !add(src[cp]) {
							return nil, dtBadFormat
						}
						cp++
					}
					if at(cp) == delim {
						typ = ftDate
						if !add(delim) {
							return nil, dtBadFormat
						}
						cp++
						for isDigit(at(cp)) || at(cp) == delim {
							if !add(src[cp]) {
								return nil, dtBadFormat
							}
							cp++
						}
					}
				} else {
					typ = ftDate
					for isAlnum(at(cp)) || at(cp) == delim {
						if !add(lower(src[cp])) {
							return nil, dtBadFormat
						}
						cp++
					}
				}
			default:
				typ = ftNumber
			}
		case c == '.':
			if !add(c) {
				return nil, dtBadFormat
			}
			cp++
			for isDigit(at(cp)) {
				if !add(src[cp]) {
					return nil, dtBadFormat
				}
				cp++
			}
			typ = ftNumber
		case isAlpha(c):
			typ = ftString
			for isAlpha(at(cp)) {
				if !add(lower(src[cp])) {
					return nil, dtBadFormat
				}
				cp++
			}
			isDate := false
			if d := at(cp); d == '-' || d == '/' || d == '.' {
				isDate = true
			} else if d == '+' || isDigit(d) {
				if _, ok := lookupDateToken(f); !ok {
					isDate = true
				}
			}
			if isDate {
				typ = ftDate
				for {
					if !add(lower(src[cp])) {
						return nil, dtBadFormat
					}
					cp++
					d := at(cp)
					if !(d == '+' || d == '-' || d == '/' || d == '_' || d == '.' || d == ':' || isAlnum(d)) {
						break
					}
				}
			}
		case c == '+' || c == '-':
			if !add(c) {
				return nil, dtBadFormat
			}
			cp++
			for cp < n && isSpace(src[cp]) {
				cp++
			}
			switch d := at(cp); {
			case isDigit(d):
				typ = ftTZ
				for isDigit(at(cp)) || at(cp) == ':' || at(cp) == '.' || at(cp) == '-' {
					if !add(src[cp]) {
						return nil, dtBadFormat
					}
					cp++
				}
			case isAlpha(d):
				typ = ftSpecial
				for isAlpha(at(cp)) {
					if !add(lower(src[cp])) {
						return nil, dtBadFormat
					}
					cp++
				}
			default:
				return nil, dtBadFormat
			}
		case isPunct(c):
			cp++
			continue
		default:
			return nil, dtBadFormat
		}
		used += len(f) + 1
		fields = append(fields, dtField{text: f, typ: typ})
	}
	return fields, dtOK
}

// Token kinds, as PostgreSQL's datetime.h numbers them; a field's kind is
// also its bit in the masks that catch repeated fields.
const (
	tkReserved    = 0
	tkMonth       = 1
	tkYear        = 2
	tkDay         = 3
	tkJulian      = 4
	tkTZ          = 5
	tkDTZ         = 6
	tkDynTZ       = 7
	tkIgnore      = 8
	tkAMPM        = 9
	tkHour        = 10
	tkMinute      = 11
	tkSecond      = 12
	tkMillisecond = 13
	tkMicrosecond = 14
	tkDOY         = 15
	tkDOW         = 16
	tkUnits       = 17
	tkADBC        = 18
	tkAgo         = 19
	tkISOTime     = 23
	tkWeek        = 24
	tkDecade      = 25
	tkCentury     = 26
	tkMillennium  = 27
	tkDTZMod      = 28
	tkUnknown     = 31
)

func mask(k int) int { return 1 << k }

const (
	dateMask    = 1<<tkYear | 1<<tkMonth | 1<<tkDay
	allSecsMask = 1<<tkSecond | 1<<tkMillisecond | 1<<tkMicrosecond
	timeMask    = 1<<tkHour | 1<<tkMinute | allSecsMask
)

// Values of reserved words and units.
const (
	rsvEarly = iota + 1
	rsvLate
	rsvEpoch
	rsvNow
	rsvToday
	rsvTomorrow
	rsvYesterday
	rsvZulu

	unitTime // "t": ISO time follows
	unitJulian
	unitYear
	unitMonth
	unitDay
	unitHour
	unitMinute
	unitSecond
	unitMillisec
	unitMicrosec
	unitWeek
	unitDecade
	unitCentury
	unitMillennium
	unitOther

	merAM   = 0
	merPM   = 1
	merHR24 = 2
	eraAD   = 0
	eraBC   = 1
)

type dtToken struct {
	kind int
	val  int
}

// dateTokens is datetktbl: the words of date/time input.
var dateTokens = map[string]dtToken{
	"-infinity": {tkReserved, rsvEarly}, "ad": {tkADBC, eraAD}, "allballs": {tkReserved, rsvZulu},
	"am": {tkAMPM, merAM}, "apr": {tkMonth, 4}, "april": {tkMonth, 4}, "at": {tkIgnore, 0},
	"aug": {tkMonth, 8}, "august": {tkMonth, 8}, "bc": {tkADBC, eraBC}, "d": {tkUnits, unitDay},
	"dec": {tkMonth, 12}, "december": {tkMonth, 12}, "dow": {tkUnits, unitOther}, "doy": {tkUnits, unitOther},
	"dst": {tkDTZMod, 3600}, "epoch": {tkReserved, rsvEpoch}, "feb": {tkMonth, 2}, "february": {tkMonth, 2},
	"fri": {tkDOW, 5}, "friday": {tkDOW, 5}, "h": {tkUnits, unitHour}, "infinity": {tkReserved, rsvLate},
	"isodow": {tkUnits, unitOther}, "isoyear": {tkUnits, unitOther}, "j": {tkUnits, unitJulian},
	"jan": {tkMonth, 1}, "january": {tkMonth, 1}, "jd": {tkUnits, unitJulian}, "jul": {tkMonth, 7},
	"julian": {tkUnits, unitJulian}, "july": {tkMonth, 7}, "jun": {tkMonth, 6}, "june": {tkMonth, 6},
	"m": {tkUnits, unitMonth}, "mar": {tkMonth, 3}, "march": {tkMonth, 3}, "may": {tkMonth, 5},
	"mm": {tkUnits, unitMinute}, "mon": {tkDOW, 1}, "monday": {tkDOW, 1}, "nov": {tkMonth, 11},
	"november": {tkMonth, 11}, "now": {tkReserved, rsvNow}, "oct": {tkMonth, 10}, "october": {tkMonth, 10},
	"on": {tkIgnore, 0}, "pm": {tkAMPM, merPM}, "s": {tkUnits, unitSecond}, "sat": {tkDOW, 6},
	"saturday": {tkDOW, 6}, "sep": {tkMonth, 9}, "sept": {tkMonth, 9}, "september": {tkMonth, 9},
	"sun": {tkDOW, 0}, "sunday": {tkDOW, 0}, "t": {tkISOTime, unitTime}, "thu": {tkDOW, 4},
	"thur": {tkDOW, 4}, "thurs": {tkDOW, 4}, "thursday": {tkDOW, 4}, "today": {tkReserved, rsvToday},
	"tomorrow": {tkReserved, rsvTomorrow}, "tue": {tkDOW, 2}, "tues": {tkDOW, 2}, "tuesday": {tkDOW, 2},
	"wed": {tkDOW, 3}, "wednesday": {tkDOW, 3}, "weds": {tkDOW, 3}, "y": {tkUnits, unitYear},
	"yesterday": {tkReserved, rsvYesterday},
}

// deltaTokens is deltatktbl: the words of interval input.
var deltaTokens = map[string]dtToken{
	"@": {tkIgnore, 0}, "ago": {tkAgo, 0}, "c": {tkUnits, unitCentury}, "cent": {tkUnits, unitCentury},
	"centuries": {tkUnits, unitCentury}, "century": {tkUnits, unitCentury}, "d": {tkUnits, unitDay},
	"day": {tkUnits, unitDay}, "days": {tkUnits, unitDay}, "dec": {tkUnits, unitDecade},
	"decade": {tkUnits, unitDecade}, "decades": {tkUnits, unitDecade}, "decs": {tkUnits, unitDecade},
	"h": {tkUnits, unitHour}, "hour": {tkUnits, unitHour}, "hours": {tkUnits, unitHour},
	"hr": {tkUnits, unitHour}, "hrs": {tkUnits, unitHour}, "m": {tkUnits, unitMinute},
	"microsecon": {tkUnits, unitMicrosec}, "mil": {tkUnits, unitMillennium}, "millennia": {tkUnits, unitMillennium},
	"millennium": {tkUnits, unitMillennium}, "millisecon": {tkUnits, unitMillisec}, "mils": {tkUnits, unitMillennium},
	"min": {tkUnits, unitMinute}, "mins": {tkUnits, unitMinute}, "minute": {tkUnits, unitMinute},
	"minutes": {tkUnits, unitMinute}, "mon": {tkUnits, unitMonth}, "mons": {tkUnits, unitMonth},
	"month": {tkUnits, unitMonth}, "months": {tkUnits, unitMonth}, "ms": {tkUnits, unitMillisec},
	"msec": {tkUnits, unitMillisec}, "msecond": {tkUnits, unitMillisec}, "mseconds": {tkUnits, unitMillisec},
	"msecs": {tkUnits, unitMillisec}, "qtr": {tkUnits, unitOther}, "quarter": {tkUnits, unitOther},
	"s": {tkUnits, unitSecond}, "sec": {tkUnits, unitSecond}, "second": {tkUnits, unitSecond},
	"seconds": {tkUnits, unitSecond}, "secs": {tkUnits, unitSecond}, "timezone": {tkUnits, unitOther},
	"timezone_h": {tkUnits, unitOther}, "timezone_m": {tkUnits, unitOther}, "us": {tkUnits, unitMicrosec},
	"usec": {tkUnits, unitMicrosec}, "usecond": {tkUnits, unitMicrosec}, "useconds": {tkUnits, unitMicrosec},
	"usecs": {tkUnits, unitMicrosec}, "w": {tkUnits, unitWeek}, "week": {tkUnits, unitWeek},
	"weeks": {tkUnits, unitWeek}, "y": {tkUnits, unitYear}, "year": {tkUnits, unitYear},
	"years": {tkUnits, unitYear}, "yr": {tkUnits, unitYear}, "yrs": {tkUnits, unitYear},
}

// Tokens compare on their first ten characters (TOKMAXLEN), which is how
// "milliseconds" finds "millisecon".
func tokenKey(f []byte) string {
	if len(f) > 10 {
		f = f[:10]
	}
	return string(f)
}

func lookupDateToken(f []byte) (dtToken, bool) {
	t, ok := dateTokens[tokenKey(f)]
	return t, ok
}

// pgTM is a broken-down date and time, as struct pg_tm.
type pgTM struct {
	year, mon, mday int64
	hour, min, sec  int64
	fsec            int64 // microseconds
	yday            int64
}

// Kinds of value decodeDateTime finds.
const (
	dtypeDate = iota
	dtypeTime
	dtypeEpoch
	dtypeLate
	dtypeEarly
)

// strtol mimics C's strtol on a field: optional sign, digits; it returns the
// value, the rest, and whether it overflowed int64. No digits: 0 and the
// whole input.
func strtol(s []byte) (v int64, rest []byte, overflow bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	var mag uint64
	for j < len(s) && isDigit(s[j]) {
		d := uint64(s[j] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
		} else {
			mag = mag*10 + d
		}
		j++
	}
	if j == i {
		return 0, s, false
	}
	if neg {
		if mag > 1<<63 {
			overflow = true
		}
		return -int64(mag), s[j:], overflow
	}
	if mag > math.MaxInt64 {
		overflow = true
	}
	return int64(mag), s[j:], overflow
}

// strtoint is strtol limited to int32, as PostgreSQL's strtoint.
func strtoint(s []byte) (int64, []byte, bool) {
	v, rest, of := strtol(s)
	if v > math.MaxInt32 || v < math.MinInt32 {
		of = true
	}
	return v, rest, of
}

// parseFraction reads ".ddd" (digits only, "." alone is zero).
func parseFraction(s []byte) (float64, dterr) {
	if len(s) == 1 {
		return 0, dtOK
	}
	for _, c := range s[1:] {
		if !isDigit(c) {
			return 0, dtBadFormat
		}
	}
	f, err := strconv.ParseFloat("0"+string(s), 64)
	if err != nil {
		return 0, dtBadFormat
	}
	return f, dtOK
}

func parseFractionalSecond(s []byte) (int64, dterr) {
	f, e := parseFraction(s)
	if e != dtOK {
		return 0, e
	}
	return int64(math.RoundToEven(f * 1e6)), dtOK
}

// dateDecoder holds the context of one decodeDateTime call.
type dateDecoder struct {
	st      *style
	now     func() time.Time
	badZone string // the unknown zone name behind a dtBadTimezone
}

func (dd *dateDecoder) currentDate() (int64, int64, int64) {
	t := dd.now().In(dd.st.loc)
	return int64(t.Year()), int64(t.Month()), int64(t.Day())
}

// decodeDateTime is DecodeDateTime. tz is the zone offset in seconds west
// of UTC (PostgreSQL's sign), set when hasTZ.
func (dd *dateDecoder) decodeDateTime(fields []dtField) (dtype int, tm pgTM, tz int64, badZone string, e dterr) {
	fmask := 0
	ptype := 0
	mer := merHR24
	haveTextMonth := false
	isJulian := false
	is2digits := false
	bc := false
	var namedTZ, abbrevTZ *time.Location
	var abbrev string
	isDST := false
	dtype = dtypeDate

	for i := range fields {
		f := fields[i].text
		tmask := 0
		switch fields[i].typ {
		case ftDate:
			if ptype == unitJulian {
				jday, rest, of := strtoint(f)
				if of || jday < 0 {
					return dtype, tm, tz, "", dtFieldOverflow
				}
				tm.year, tm.mon, tm.mday = julianToDate(jday)
				isJulian = true
				off, e := decodeTimezone(rest)
				if e != dtOK {
					return dtype, tm, tz, "", e
				}
				tz = off
				tmask = dateMask | timeMask | mask(tkTZ)
				ptype = 0
				break
			}
			if ptype != 0 || fmask&(mask(tkMonth)|mask(tkDay)) == mask(tkMonth)|mask(tkDay) {
				if isDigit(f[0]) || ptype != 0 {
					if ptype != 0 {
						if ptype != unitTime {
							return dtype, tm, tz, "", dtBadFormat
						}
						ptype = 0
					}
					if fmask&timeMask == timeMask {
						return dtype, tm, tz, "", dtBadFormat
					}
					k := indexByte(f, '-')
					if k < 0 {
						return dtype, tm, tz, "", dtBadFormat
					}
					off, e := decodeTimezone(f[k:])
					if e != dtOK {
						return dtype, tm, tz, "", e
					}
					tz = off
					var e2 dterr
					tmask, _, e2 = decodeNumberField(f[:k], fmask, &tm, &is2digits)
					if e2 != dtOK {
						return dtype, tm, tz, "", e2
					}
					tmask |= mask(tkTZ)
				} else {
					loc, ok := loadZone(string(f))
					if !ok {
						return dtype, tm, tz, string(f), dtBadTimezone
					}
					namedTZ = loc
					tmask = mask(tkTZ)
				}
			} else {
				var e dterr
				tmask, e = decodeDate(f, fmask, &is2digits, &tm, dd.st)
				if e != dtOK {
					return dtype, tm, tz, "", e
				}
			}
		case ftTime:
			if ptype != 0 {
				if ptype != unitTime {
					return dtype, tm, tz, "", dtBadFormat
				}
				ptype = 0
			}
			var e dterr
			tmask, e = decodeTime(f, &tm)
			if e != dtOK {
				return dtype, tm, tz, "", e
			}
			if timeOverflows(tm.hour, tm.min, tm.sec, tm.fsec) {
				return dtype, tm, tz, "", dtFieldOverflow
			}
		case ftTZ:
			off, e := decodeTimezone(f)
			if e != dtOK {
				return dtype, tm, tz, "", e
			}
			tz = off
			tmask = mask(tkTZ)
		case ftNumber:
			if ptype != 0 {
				val, rest, of := strtoint(f)
				if of {
					return dtype, tm, tz, "", dtFieldOverflow
				}
				if len(rest) > 0 && rest[0] != '.' {
					return dtype, tm, tz, "", dtBadFormat
				}
				switch ptype {
				case unitJulian:
					if val < 0 {
						return dtype, tm, tz, "", dtFieldOverflow
					}
					tmask = dateMask
					tm.year, tm.mon, tm.mday = julianToDate(val)
					isJulian = true
					if len(rest) > 0 {
						frac, e := parseFraction(rest)
						if e != dtOK {
							return dtype, tm, tz, "", e
						}
						us := int64(frac * float64(usPerDay))
						tm.hour = us / usPerHour
						us -= tm.hour * usPerHour
						tm.min = us / usPerMinute
						us -= tm.min * usPerMinute
						tm.sec = us / usPerSecond
						tm.fsec = us - tm.sec*usPerSecond
						tmask |= timeMask
					}
				case unitTime:
					var e dterr
					tmask, _, e = decodeNumberField(f, fmask|dateMask, &tm, &is2digits)
					if e != dtOK {
						return dtype, tm, tz, "", e
					}
					if tmask != timeMask {
						return dtype, tm, tz, "", dtBadFormat
					}
				default:
					return dtype, tm, tz, "", dtBadFormat
				}
				ptype = 0
				dtype = dtypeDate
				break
			}
			dot := indexByte(f, '.')
			var e dterr
			switch {
			case dot >= 0 && fmask&dateMask == 0:
				tmask, e = decodeDate(f, fmask, &is2digits, &tm, dd.st)
			case dot > 2:
				tmask, _, e = decodeNumberField(f, fmask, &tm, &is2digits)
			case len(f) >= 6 && (fmask&dateMask == 0 || fmask&timeMask == 0):
				tmask, _, e = decodeNumberField(f, fmask, &tm, &is2digits)
			default:
				tmask, e = decodeNumber(f, haveTextMonth, fmask, &tm, &is2digits, dd.st)
			}
			if e != dtOK {
				return dtype, tm, tz, "", e
			}
		case ftString, ftSpecial:
			kind, off, dynZone, isZone := lookupZoneAbbrev(f)
			val := 0
			if !isZone {
				tok, ok := lookupDateToken(f)
				if !ok {
					kind = tkUnknown
				} else {
					kind, val = tok.kind, tok.val
				}
			}
			if kind == tkIgnore {
				continue
			}
			tmask = mask(kind)
			switch kind {
			case tkReserved:
				switch val {
				case rsvNow:
					tmask = dateMask | timeMask | mask(tkTZ)
					dtype = dtypeDate
					now := dd.now()
					_, offEast := now.In(dd.st.loc).Zone()
					us := now.UnixMicro() + int64(offEast)*usPerSecond
					tm = tmFromMicros(us)
					tz = -int64(offEast)
				case rsvYesterday, rsvToday, rsvTomorrow:
					tmask = dateMask
					dtype = dtypeDate
					y, m, d := dd.currentDate()
					days := daysFromCivil(y, m, d) + int64(val-rsvToday)
					tm.year, tm.mon, tm.mday = civilFromDays(days)
				case rsvZulu:
					tmask = timeMask | mask(tkTZ)
					dtype = dtypeDate
					tm.hour, tm.min, tm.sec = 0, 0, 0
					tz = 0
				case rsvEpoch:
					tmask = dateMask | timeMask | mask(tkTZ)
					dtype = dtypeEpoch
				case rsvLate:
					tmask = dateMask | timeMask | mask(tkTZ)
					dtype = dtypeLate
				case rsvEarly:
					tmask = dateMask | timeMask | mask(tkTZ)
					dtype = dtypeEarly
				}
			case tkMonth:
				if fmask&mask(tkMonth) != 0 && !haveTextMonth && fmask&mask(tkDay) == 0 && tm.mon >= 1 && tm.mon <= 31 {
					tm.mday = tm.mon
					tmask = mask(tkDay)
				}
				haveTextMonth = true
				tm.mon = int64(val)
			case tkDTZMod:
				tmask |= mask(tkDTZ)
				isDST = true
				tz -= int64(val)
			case tkDTZ:
				tmask |= mask(tkTZ)
				isDST = true
				tz = -int64(off)
			case tkTZ:
				tz = -int64(off)
			case tkDynTZ:
				tmask |= mask(tkTZ)
				loc, ok := loadZone(dynZone)
				if !ok {
					return dtype, tm, tz, dynZone, dtBadTimezone
				}
				abbrevTZ, abbrev = loc, string(f)
			case tkAMPM:
				mer = val
			case tkADBC:
				bc = val == eraBC
			case tkDOW:
				// the weekday is checked by nothing; PostgreSQL ignores it too
			case tkUnits:
				tmask = 0
				if ptype != 0 {
					return dtype, tm, tz, "", dtBadFormat
				}
				ptype = val
			case tkISOTime:
				tmask = 0
				if fmask&dateMask != dateMask {
					return dtype, tm, tz, "", dtBadFormat
				}
				if ptype != 0 {
					return dtype, tm, tz, "", dtBadFormat
				}
				ptype = val
			case tkUnknown:
				loc, ok := loadZone(string(f))
				if !ok {
					return dtype, tm, tz, "", dtBadFormat
				}
				namedTZ = loc
				tmask = mask(tkTZ)
			default:
				return dtype, tm, tz, "", dtBadFormat
			}
		default:
			return dtype, tm, tz, "", dtBadFormat
		}
		if tmask&fmask != 0 {
			return dtype, tm, tz, "", dtBadFormat
		}
		fmask |= tmask
	}
	_ = isDST
	if ptype != 0 {
		return dtype, tm, tz, "", dtBadFormat
	}
	if dtype == dtypeDate {
		if e := validateDate(fmask, isJulian, is2digits, bc, &tm); e != dtOK {
			return dtype, tm, tz, "", e
		}
		if mer != merHR24 && tm.hour > 12 {
			return dtype, tm, tz, "", dtFieldOverflow
		}
		if mer == merAM && tm.hour == 12 {
			tm.hour = 0
		} else if mer == merPM && tm.hour != 12 {
			tm.hour += 12
		}
		if fmask&dateMask != dateMask {
			if fmask&timeMask == timeMask {
				return dtypeTime, tm, tz, "", dtBadFormat
			}
			return dtype, tm, tz, "", dtBadFormat
		}
		if namedTZ != nil {
			if fmask&mask(tkDTZMod) != 0 {
				return dtype, tm, tz, "", dtBadFormat
			}
			tz = determineOffset(&tm, namedTZ)
		}
		if abbrevTZ != nil {
			if fmask&mask(tkDTZMod) != 0 {
				return dtype, tm, tz, "", dtBadFormat
			}
			tz = determineAbbrevOffset(&tm, abbrev, abbrevTZ)
		}
		if fmask&mask(tkTZ) == 0 {
			if fmask&mask(tkDTZMod) != 0 {
				return dtype, tm, tz, "", dtBadFormat
			}
			tz = determineOffset(&tm, dd.st.loc)
		}
	}
	return dtype, tm, tz, "", dtOK
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func tmFromMicros(us int64) pgTM {
	days := floorDiv(us, usPerDay)
	tod := us - days*usPerDay
	var tm pgTM
	tm.year, tm.mon, tm.mday = civilFromDays(days)
	tm.hour = tod / usPerHour
	tod -= tm.hour * usPerHour
	tm.min = tod / usPerMinute
	tod -= tm.min * usPerMinute
	tm.sec = tod / usPerSecond
	tm.fsec = tod - tm.sec*usPerSecond
	return tm
}

// julianToDate converts a Julian day number to a date.
func julianToDate(jd int64) (int64, int64, int64) {
	return civilFromDays(jd - 2440588)
}

// decodeDate is DecodeDate: a field with delimiters, such as 2001-02-03,
// 02/03/2001, 3-feb-2001 or 2001.034.
func decodeDate(str []byte, fmask int, is2digits *bool, tm *pgTM, st *style) (int, dterr) {
	var parts [][]byte
	i := 0
	for i < len(str) && len(parts) < maxDateFields {
		for i < len(str) && !isAlnum(str[i]) {
			i++
		}
		if i >= len(str) {
			return 0, dtBadFormat
		}
		start := i
		if isDigit(str[i]) {
			for i < len(str) && isDigit(str[i]) {
				i++
			}
		} else {
			for i < len(str) && isAlpha(str[i]) {
				i++
			}
		}
		parts = append(parts, str[start:i])
		if i < len(str) {
			i++ // the separator after the part
		}
	}
	tmask := 0
	haveTextMonth := false
	done := make([]bool, len(parts))
	for k, p := range parts {
		if !isAlpha(p[0]) {
			continue
		}
		tok, ok := lookupDateToken(p)
		if ok && tok.kind == tkIgnore {
			continue
		}
		if !ok || tok.kind != tkMonth {
			return 0, dtBadFormat
		}
		tm.mon = int64(tok.val)
		haveTextMonth = true
		if fmask&mask(tkMonth) != 0 {
			return 0, dtBadFormat
		}
		fmask |= mask(tkMonth)
		tmask |= mask(tkMonth)
		done[k] = true
	}
	for k, p := range parts {
		if done[k] {
			continue // ignored words ("at", "on") fall through and fail here, as in PostgreSQL
		}
		dmask, e := decodeNumber(p, haveTextMonth, fmask, tm, is2digits, st)
		if e != dtOK {
			return 0, e
		}
		if fmask&dmask != 0 {
			return 0, dtBadFormat
		}
		fmask |= dmask
		tmask |= dmask
	}
	if fmask&^(mask(tkDOY)|mask(tkTZ)) != dateMask {
		return 0, dtBadFormat
	}
	return tmask, dtOK
}

// decodeNumber is DecodeNumber: one numeric field read in the context of
// the fields seen so far and DateStyle's field order.
func decodeNumber(str []byte, haveTextMonth bool, fmask int, tm *pgTM, is2digits *bool, st *style) (int, dterr) {
	flen := len(str)
	val, rest, of := strtoint(str)
	if of {
		return 0, dtFieldOverflow
	}
	if len(rest) == len(str) {
		return 0, dtBadFormat
	}
	if len(rest) > 0 && rest[0] == '.' {
		if len(str)-len(rest) > 2 {
			tmask, _, e := decodeNumberField(str, fmask|dateMask, tm, is2digits)
			return tmask, e
		}
		fs, e := parseFractionalSecond(rest)
		if e != dtOK {
			return 0, e
		}
		tm.fsec = fs
	} else if len(rest) > 0 {
		return 0, dtBadFormat
	}
	if flen == 3 && fmask&dateMask == mask(tkYear) && val >= 1 && val <= 366 {
		tm.yday = val
		return mask(tkDOY) | mask(tkMonth) | mask(tkDay), dtOK
	}
	tmask := 0
	switch fmask & dateMask {
	case 0:
		switch {
		case flen >= 3 || st.order == orderYMD:
			tmask = mask(tkYear)
			tm.year = val
		case st.order == orderDMY:
			tmask = mask(tkDay)
			tm.mday = val
		default:
			tmask = mask(tkMonth)
			tm.mon = val
		}
	case mask(tkYear):
		tmask = mask(tkMonth)
		tm.mon = val
	case mask(tkMonth):
		if haveTextMonth {
			if flen >= 3 || st.order == orderYMD {
				tmask = mask(tkYear)
				tm.year = val
			} else {
				tmask = mask(tkDay)
				tm.mday = val
			}
		} else {
			tmask = mask(tkDay)
			tm.mday = val
		}
	case mask(tkYear) | mask(tkMonth):
		if haveTextMonth && flen >= 3 && *is2digits {
			tmask = mask(tkDay)
			tm.mday = tm.year
			tm.year = val
			*is2digits = false
		} else {
			tmask = mask(tkDay)
			tm.mday = val
		}
	case mask(tkDay):
		tmask = mask(tkMonth)
		tm.mon = val
	case mask(tkMonth) | mask(tkDay):
		tmask = mask(tkYear)
		tm.year = val
	case dateMask:
		tm2, _, e := decodeNumberField(str, fmask, tm, is2digits)
		return tm2, e
	default:
		return 0, dtBadFormat
	}
	if tmask == mask(tkYear) {
		*is2digits = flen <= 2
	}
	return tmask, dtOK
}

// decodeNumberField is DecodeNumberField: run-together digits such as
// 20011225, 040506 or 040506.789. It reports whether it found a date or a time.
func decodeNumberField(str []byte, fmask int, tm *pgTM, is2digits *bool) (int, bool, dterr) {
	for _, c := range str {
		if !isDigit(c) && c != '.' {
			return 0, false, dtBadFormat
		}
	}
	if dot := indexByte(str, '.'); dot >= 0 {
		fs, e := parseFractionalSecond(str[dot:])
		if e != dtOK {
			return 0, false, e
		}
		tm.fsec = fs
		str = str[:dot]
	} else if fmask&dateMask != dateMask {
		if len(str) >= 6 {
			n := len(str)
			tm.mday = atoi(str[n-2:])
			tm.mon = atoi(str[n-4 : n-2])
			tm.year = atoi(str[:n-4])
			if n-4 == 2 {
				*is2digits = true
			}
			return dateMask, true, dtOK
		}
	}
	if fmask&timeMask != timeMask {
		switch len(str) {
		case 6:
			tm.sec = atoi(str[4:])
			tm.min = atoi(str[2:4])
			tm.hour = atoi(str[:2])
			return timeMask, false, dtOK
		case 4:
			tm.sec = 0
			tm.min = atoi(str[2:])
			tm.hour = atoi(str[:2])
			return timeMask, false, dtOK
		}
	}
	return 0, false, dtBadFormat
}

// atoi is C's atoi on digits (saturating instead of undefined on overflow).
func atoi(s []byte) int64 {
	v, _, of := strtoint(s)
	if of {
		return math.MaxInt32
	}
	return v
}

// decodeTimeParts is DecodeTimeCommon: hh:mm[:ss[.fff]], or mm:ss.fff.
func decodeTimeParts(str []byte) (hour, min, sec, usec int64, e dterr) {
	hour, rest, of := strtol(str)
	if of {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	if len(rest) == 0 || rest[0] != ':' {
		return 0, 0, 0, 0, dtBadFormat
	}
	min, rest, of = strtoint(rest[1:])
	if of {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	switch {
	case len(rest) == 0:
		sec = 0
	case rest[0] == '.':
		usec, e = parseFractionalSecond(rest)
		if e != dtOK {
			return 0, 0, 0, 0, e
		}
		if hour > math.MaxInt32 || hour < math.MinInt32 {
			return 0, 0, 0, 0, dtFieldOverflow
		}
		sec, min, hour = min, hour, 0
	case rest[0] == ':':
		sec, rest, of = strtoint(rest[1:])
		if of {
			return 0, 0, 0, 0, dtFieldOverflow
		}
		if len(rest) > 0 {
			if rest[0] != '.' {
				return 0, 0, 0, 0, dtBadFormat
			}
			usec, e = parseFractionalSecond(rest)
			if e != dtOK {
				return 0, 0, 0, 0, e
			}
		}
	default:
		return 0, 0, 0, 0, dtBadFormat
	}
	if hour < 0 || min < 0 || min > 59 || sec < 0 || sec > 60 || usec < 0 || usec > usPerSecond {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	return hour, min, sec, usec, dtOK
}

func decodeTime(str []byte, tm *pgTM) (int, dterr) {
	h, m, s, us, e := decodeTimeParts(str)
	if e != dtOK {
		return 0, e
	}
	if h > math.MaxInt32 {
		return 0, dtFieldOverflow
	}
	tm.hour, tm.min, tm.sec, tm.fsec = h, m, s, us
	return timeMask, dtOK
}

func timeOverflows(h, m, s, fsec int64) bool {
	if h < 0 || m < 0 || m > 59 || s < 0 || s > 60 || h > 24 || fsec < 0 || fsec > usPerSecond {
		return true
	}
	return ((h*60+m)*60+s)*usPerSecond+fsec > usPerDay
}

// decodeTimezone is DecodeTimezone: +hh, +hh:mm, +hh:mm:ss or +hhmm. It
// returns seconds west of UTC.
func decodeTimezone(str []byte) (int64, dterr) {
	if len(str) == 0 || (str[0] != '+' && str[0] != '-') {
		return 0, dtBadFormat
	}
	hr, rest, of := strtoint(str[1:])
	if of {
		return 0, dtTZDispOverflow
	}
	var min, sec int64
	switch {
	case len(rest) > 0 && rest[0] == ':':
		min, rest, of = strtoint(rest[1:])
		if of {
			return 0, dtTZDispOverflow
		}
		if len(rest) > 0 && rest[0] == ':' {
			sec, rest, of = strtoint(rest[1:])
			if of {
				return 0, dtTZDispOverflow
			}
		}
	case len(rest) == 0 && len(str) > 3:
		min = hr % 100
		hr /= 100
	}
	if hr < 0 || hr > 15 || min < 0 || min >= 60 || sec < 0 || sec >= 60 {
		return 0, dtTZDispOverflow
	}
	tz := (hr*60+min)*60 + sec
	if str[0] == '-' {
		tz = -tz
	}
	if len(rest) != 0 {
		return -tz, dtBadFormat
	}
	return -tz, dtOK
}

// validateDate is ValidateDate: BC and two-digit years, day of year, and
// the ranges of month and day.
func validateDate(fmask int, isJulian, is2digits, bc bool, tm *pgTM) dterr {
	if fmask&mask(tkYear) != 0 {
		switch {
		case isJulian:
		case bc:
			if tm.year <= 0 {
				return dtFieldOverflow
			}
			tm.year = -(tm.year - 1)
		case is2digits:
			if tm.year < 0 {
				return dtFieldOverflow
			}
			if tm.year < 70 {
				tm.year += 2000
			} else if tm.year < 100 {
				tm.year += 1900
			}
		default:
			if tm.year <= 0 {
				return dtFieldOverflow
			}
		}
	}
	if fmask&mask(tkDOY) != 0 {
		tm.year, tm.mon, tm.mday = civilFromDays(daysFromCivil(tm.year, 1, 1) + tm.yday - 1)
	}
	if fmask&mask(tkMonth) != 0 && (tm.mon < 1 || tm.mon > 12) {
		return dtMDFieldOverflow
	}
	if fmask&mask(tkDay) != 0 && (tm.mday < 1 || tm.mday > 31) {
		return dtMDFieldOverflow
	}
	if fmask&dateMask == dateMask && tm.mday > daysInMonth(tm.year, tm.mon) {
		return dtFieldOverflow
	}
	return dtOK
}

// validJulian is IS_VALID_JULIAN: from 4714-11-01 BC to 5874898-05-31.
func validJulian(y, m int64) bool {
	return (y > -4713 || (y == -4713 && m >= 11)) && (y < 5874898 || (y == 5874898 && m < 6))
}

// decodeTimeOnly is DecodeTimeOnly: the fields of a time of day, maybe with
// a date and a zone, both of which time ignores.
func (dd *dateDecoder) decodeTimeOnly(fields []dtField) (tm pgTM, e dterr) {
	var namedTZ *time.Location
	fmask := 0
	ptype := 0
	mer := merHR24
	is2digits := false
	bc := false
	isJulian := false
	nf := len(fields)
	for i := range fields {
		f := fields[i].text
		tmask := 0
		switch fields[i].typ {
		case ftDate:
			if i == 0 && nf >= 2 && (fields[nf-1].typ == ftDate || fields[1].typ == ftTime) {
				tmask, e = decodeDate(f, fmask, &is2digits, &tm, dd.st)
				if e != dtOK {
					return tm, e
				}
			} else if isDigit(f[0]) {
				if fmask&timeMask == timeMask {
					return tm, dtBadFormat
				}
				k := indexByte(f, '-')
				if k < 0 {
					return tm, dtBadFormat
				}
				if _, e = decodeTimezone(f[k:]); e != dtOK {
					return tm, e
				}
				tmask, _, e = decodeNumberField(f[:k], fmask|dateMask, &tm, &is2digits)
				if e != dtOK {
					return tm, e
				}
				tmask |= mask(tkTZ)
			} else {
				loc, ok := loadZone(string(f))
				if !ok {
					dd.badZone = string(f)
					return tm, dtBadTimezone
				}
				namedTZ = loc
				tmask = mask(tkTZ)
			}
		case ftTime:
			if ptype != 0 {
				if ptype != unitTime {
					return tm, dtBadFormat
				}
				ptype = 0
			}
			tmask, e = decodeTime(f, &tm)
			if e != dtOK {
				return tm, e
			}
		case ftTZ:
			if _, e = decodeTimezone(f); e != dtOK {
				return tm, e
			}
			tmask = mask(tkTZ)
		case ftNumber:
			if ptype != 0 {
				val, rest, of := strtoint(f)
				if of {
					return tm, dtFieldOverflow
				}
				if len(rest) > 0 && rest[0] != '.' {
					return tm, dtBadFormat
				}
				switch ptype {
				case unitJulian:
					if val < 0 {
						return tm, dtFieldOverflow
					}
					tmask = dateMask
					tm.year, tm.mon, tm.mday = julianToDate(val)
					isJulian = true
				case unitTime:
					tmask, _, e = decodeNumberField(f, fmask|dateMask, &tm, &is2digits)
					if e != dtOK {
						return tm, e
					}
					if tmask != timeMask {
						return tm, dtBadFormat
					}
				default:
					return tm, dtBadFormat
				}
				ptype = 0
				break
			}
			dot := indexByte(f, '.')
			switch {
			case dot >= 0:
				if i == 0 && nf >= 2 && fields[nf-1].typ == ftDate {
					tmask, e = decodeDate(f, fmask, &is2digits, &tm, dd.st)
				} else if dot > 2 {
					tmask, _, e = decodeNumberField(f, fmask|dateMask, &tm, &is2digits)
				} else {
					e = dtBadFormat
				}
			case len(f) > 4:
				tmask, _, e = decodeNumberField(f, fmask|dateMask, &tm, &is2digits)
			default:
				tmask, e = decodeNumber(f, false, fmask|dateMask, &tm, &is2digits, dd.st)
			}
			if e != dtOK {
				return tm, e
			}
		case ftString, ftSpecial:
			kind, _, _, isZone := lookupZoneAbbrev(f)
			val := 0
			if !isZone {
				tok, ok := lookupDateToken(f)
				if !ok {
					kind = tkUnknown
				} else {
					kind, val = tok.kind, tok.val
				}
			}
			if kind == tkIgnore {
				continue
			}
			tmask = mask(kind)
			switch kind {
			case tkReserved:
				switch val {
				case rsvNow:
					tmask = timeMask
					now := dd.now().In(dd.st.loc)
					_, off := now.Zone()
					t := tmFromMicros(now.UnixMicro() + int64(off)*usPerSecond)
					tm.hour, tm.min, tm.sec, tm.fsec = t.hour, t.min, t.sec, t.fsec
				case rsvZulu:
					tmask = timeMask | mask(tkTZ)
					tm.hour, tm.min, tm.sec = 0, 0, 0
				default:
					return tm, dtBadFormat
				}
			case tkDTZMod:
				tmask |= mask(tkDTZ)
			case tkDTZ:
				tmask |= mask(tkTZ)
			case tkTZ:
			case tkDynTZ:
				tmask |= mask(tkTZ)
			case tkAMPM:
				mer = val
			case tkADBC:
				bc = val == eraBC
			case tkUnits, tkISOTime:
				tmask = 0
				if ptype != 0 {
					return tm, dtBadFormat
				}
				ptype = val
			case tkUnknown:
				loc, ok := loadZone(string(f))
				if !ok {
					return tm, dtBadFormat
				}
				namedTZ = loc
				tmask = mask(tkTZ)
			default:
				return tm, dtBadFormat
			}
		default:
			return tm, dtBadFormat
		}
		if tmask&fmask != 0 {
			return tm, dtBadFormat
		}
		fmask |= tmask
	}
	if ptype != 0 {
		return tm, dtBadFormat
	}
	if e = validateDate(fmask, isJulian, is2digits, bc, &tm); e != dtOK {
		return tm, e
	}
	if mer != merHR24 && tm.hour > 12 {
		return tm, dtFieldOverflow
	}
	if mer == merAM && tm.hour == 12 {
		tm.hour = 0
	} else if mer == merPM && tm.hour != 12 {
		tm.hour += 12
	}
	if timeOverflows(tm.hour, tm.min, tm.sec, tm.fsec) {
		return tm, dtFieldOverflow
	}
	if fmask&timeMask != timeMask {
		return tm, dtBadFormat
	}
	// A zone name means nothing without a date unless its offset never
	// changed (as PostgreSQL's pg_get_timezone_offset decides).
	if namedTZ != nil && fmask&dateMask != dateMask {
		if start, end := time.Unix(0, 0).In(namedTZ).ZoneBounds(); !start.IsZero() || !end.IsZero() {
			return tm, dtBadFormat
		}
	}
	return tm, dtOK
}

// determineOffset is DetermineTimeZoneOffset: the offset (seconds west) of
// loc at a local wall time. In a spring-forward gap the earlier offset
// wins, in a fall-back overlap the later one, as in PostgreSQL.
func determineOffset(tm *pgTM, loc *time.Location) int64 {
	if !validJulian(tm.year, tm.mon) {
		return 0
	}
	mytime := daysFromCivil(tm.year, tm.mon, tm.mday)*secPerDay + tm.sec + (tm.min+tm.hour*60)*60
	prev := time.Unix(mytime-secPerDay, 0).In(loc)
	_, beforeOff := prev.Zone()
	_, end := prev.ZoneBounds()
	if end.IsZero() {
		return -int64(beforeOff)
	}
	boundary := end.Unix()
	_, afterOff := end.In(loc).Zone()
	before := mytime - int64(beforeOff)
	after := mytime - int64(afterOff)
	if before < boundary && after < boundary {
		return -int64(beforeOff)
	}
	if before > boundary && after >= boundary {
		return -int64(afterOff)
	}
	if before > after {
		return -int64(beforeOff)
	}
	return -int64(afterOff)
}
