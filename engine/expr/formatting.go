package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// to_char and to_timestamp templates, as PostgreSQL's formatting.c reads
// them: keywords matched longest first, FM and TH modifiers, "quoted"
// literal text and backslash escapes.

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var romanMonths = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// dchKeywords in match order: a longer keyword before its prefixes.
var dchKeywords = []string{
	"A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "HH24", "HH12", "HH", "IDDD", "ID", "IW", "IYYY", "IYY", "IY", "I",
	"J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF", "P.M.", "PM", "Q", "RM", "SSSSS", "SSSS", "SS",
	"TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY", "YYY", "YY", "Y",
	"a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy", "d",
	"ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "hh24", "hh12", "hh", "iddd", "id", "iw", "iyyy", "iyy", "iy", "i",
	"j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm", "q", "rm", "sssss", "ssss", "ss",
	"tzh", "tzm", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
}

// lowercase-only keywords that mean the same as their upper-case form
// (case matters only for names: MONTH, Month, month).
func keywordAt(f string) string {
	for _, k := range dchKeywords {
		if strings.HasPrefix(f, k) {
			return k
		}
	}
	return ""
}

func ordinal(n int64, upper bool) string {
	s := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			s = "st"
		case 2:
			s = "nd"
		case 3:
			s = "rd"
		}
	}
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

func styleName(name, kw string, width int, fm bool) string {
	switch {
	case kw == strings.ToUpper(kw):
		name = strings.ToUpper(name)
	case kw == strings.ToLower(kw):
		name = strings.ToLower(name)
	}
	if !fm && len(name) < width {
		name += strings.Repeat(" ", width-len(name))
	}
	return name
}

func toChar(ts pgtype.TimestampValue, t pgtype.Type, f string, loc *time.Location) (pgtype.Datum, error) {
	if ts == pgtype.TimestampPosInfinity || ts == pgtype.TimestampNegInfinity || f == "" {
		return nil, nil
	}
	wall := int64(ts)
	zoneAbbr, zoneOff := "", 0
	if t.OID == pgtype.TimestamptzOID {
		wall = wallMicros(wall, loc)
		zoneAbbr, zoneOff = time.UnixMicro(int64(ts)).In(loc).Zone()
	}
	x := toTM(wall)
	doy := x.days - fromCivil(x.year, 1, 1) + 1
	return formatTM(x, doy, false, t, f, zoneAbbr, zoneOff)
}

// intervalToChar is to_char(interval): the interval's own fields, hours
// past 24 and negative values included; calendar fields are an error.
func intervalToChar(v pgtype.IntervalValue, f string) (pgtype.Datum, error) {
	if f == "" {
		return nil, nil
	}
	us := v.Micros
	x := tm{year: int64(v.Months) / 12, mon: int64(v.Months) % 12, mday: int64(v.Days),
		hour: us / usPerHour, min: us / (60 * usPerSec) % 60, sec: us / usPerSec % 60, fsec: us % usPerSec}
	return formatTM(x, int64(v.Days), true, pgtype.Interval, f, "", 0)
}

// intervalKeywords are the template patterns to_char accepts for an
// interval.
var intervalKeywords = map[string]bool{
	"YYYY": true, "YYY": true, "YY": true, "Y": true, "Y,YYY": true, "MM": true, "DD": true, "DDD": true,
	"HH": true, "HH12": true, "HH24": true, "MI": true, "SS": true, "MS": true, "US": true,
	"FF1": true, "FF2": true, "FF3": true, "FF4": true, "FF5": true, "FF6": true,
	"SSSS": true, "SSSSS": true, "AM": true, "PM": true, "A.M.": true, "P.M.": true,
}

func formatTM(x tm, doy int64, interval bool, t pgtype.Type, f, zoneAbbr string, zoneOff int) (pgtype.Datum, error) {
	bc := x.year <= 0 && !interval
	year := x.year
	if bc {
		year = 1 - x.year
	}
	isoY, isoW := isoWeek(x.days)
	if isoY <= 0 {
		isoY = 1 - isoY
	}
	dow := (x.days%7 + 7 + 4) % 7
	var b strings.Builder
	for i := 0; i < len(f); {
		fm := false
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			fm = true
			i += 2
		}
		for strings.HasPrefix(f[i:], "TM") || strings.HasPrefix(f[i:], "tm") || strings.HasPrefix(f[i:], "FX") || strings.HasPrefix(f[i:], "fx") {
			i += 2
		}
		kw := keywordAt(f[i:])
		if kw == "" {
			switch c := f[i]; {
			case c == '"':
				j := i + 1
				for j < len(f) && f[j] != '"' {
					if f[j] == '\\' && j+1 < len(f) && f[j+1] == '"' {
						j++
					}
					b.WriteByte(f[j])
					j++
				}
				i = j + 1
			case c == '\\' && i+1 < len(f) && f[i+1] == '"':
				b.WriteByte('"')
				i += 2
			default:
				b.WriteByte(c)
				i++
			}
			continue
		}
		if interval && !intervalKeywords[strings.ToUpper(kw)] {
			return nil, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid format specification for an interval value").
				WithHint("Intervals are not tied to specific calendar dates.")
		}
		i += len(kw)
		th, thUpper := false, false
		if strings.HasPrefix(f[i:], "TH") {
			th, thUpper = true, true
			i += 2
		} else if strings.HasPrefix(f[i:], "th") {
			th = true
			i += 2
		}
		num := func(n int64, width int) {
			// C's %0*d: the width counts a minus sign; an interval's
			// negative fields get one more place, except days.
			if n < 0 && interval && strings.ToUpper(kw) != "DD" {
				width++
			}
			s := strconv.FormatInt(max(n, -n), 10)
			if !fm && len(s) < width-boolInt(n < 0) {
				s = strings.Repeat("0", width-boolInt(n < 0)-len(s)) + s
			}
			if n < 0 {
				s = "-" + s
			}
			b.WriteString(s)
			if th {
				b.WriteString(ordinal(n, thUpper))
			}
		}
		last := func(n int64, digits int) {
			mod := int64(1)
			for j := 0; j < digits; j++ {
				mod *= 10
			}
			num(n%mod, digits)
		}
		switch strings.ToUpper(kw) {
		case "HH24":
			num(x.hour, 2)
		case "HH12", "HH":
			h := x.hour % 12
			if h == 0 {
				h = 12
			}
			num(h, 2)
		case "MI":
			num(x.min, 2)
		case "SS":
			num(x.sec, 2)
		case "MS":
			num(x.fsec/1000, 3)
		case "US":
			num(x.fsec, 6)
		case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
			n := int(kw[2] - '0')
			v := x.fsec
			for j := n; j < 6; j++ {
				v /= 10
			}
			num(v, n)
		case "SSSS", "SSSSS":
			num((x.hour*60+x.min)*60+x.sec, 0)
		case "AM", "PM", "A.M.", "P.M.":
			s := "AM"
			if x.hour >= 12 {
				s = "PM"
			}
			if strings.Contains(kw, ".") {
				s = s[:1] + "." + s[1:] + "."
			}
			if kw == strings.ToLower(kw) {
				s = strings.ToLower(s)
			}
			b.WriteString(s)
		case "AD", "BC", "A.D.", "B.C.":
			s := "AD"
			if bc {
				s = "BC"
			}
			if strings.Contains(kw, ".") {
				s = s[:1] + "." + s[1:] + "."
			}
			if kw == strings.ToLower(kw) {
				s = strings.ToLower(s)
			}
			b.WriteString(s)
		case "YYYY":
			num(year, 4)
		case "Y,YYY":
			s := strconv.FormatInt(year/1000, 10) + "," + pad3(year%1000)
			b.WriteString(s)
		case "YYY":
			last(year, 3)
		case "YY":
			last(year, 2)
		case "Y":
			last(year, 1)
		case "IYYY":
			num(isoY, 4)
		case "IYY":
			last(isoY, 3)
		case "IY":
			last(isoY, 2)
		case "I":
			last(isoY, 1)
		case "MONTH":
			b.WriteString(styleName(monthNames[x.mon-1], kw, 9, fm))
		case "MON":
			b.WriteString(styleName(monthNames[x.mon-1][:3], kw, 3, fm))
		case "MM":
			num(x.mon, 2)
		case "RM":
			r := romanMonths[x.mon-1]
			if kw == "rm" {
				r = strings.ToLower(r)
			}
			if !fm {
				r += strings.Repeat(" ", 4-len(r))
			}
			b.WriteString(r)
		case "DAY":
			b.WriteString(styleName(dayNames[dow], kw, 9, fm))
		case "DY":
			b.WriteString(styleName(dayNames[dow][:3], kw, 3, fm))
		case "DDD":
			num(doy, 3)
		case "IDDD":
			jan4 := fromCivil(isoYearAstro(x.days), 1, 4)
			start := jan4 - (jan4%7+7+3)%7
			num(x.days-start+1, 3)
		case "DD":
			num(x.mday, 2)
		case "D":
			num(dow+1, 0)
		case "ID":
			d := dow
			if d == 0 {
				d = 7
			}
			num(d, 0)
		case "WW":
			num((doy-1)/7+1, 2)
		case "IW":
			num(isoW, 2)
		case "W":
			num((x.mday-1)/7+1, 0)
		case "CC":
			var cc int64
			if x.year > 0 {
				cc = (x.year + 99) / 100
			} else {
				cc = -((99 - (x.year - 1)) / 100)
			}
			num(cc, 2)
		case "Q":
			num((x.mon-1)/3+1, 0)
		case "J":
			num(x.days+2440588, 0)
		case "TZ":
			if kw == "tz" {
				zoneAbbr = strings.ToLower(zoneAbbr)
			}
			b.WriteString(zoneAbbr)
		case "OF", "TZH", "TZM":
			if t.OID != pgtype.TimestamptzOID {
				break
			}
			sign := "+"
			off := zoneOff
			if off < 0 {
				sign, off = "-", -off
			}
			switch strings.ToUpper(kw) {
			case "OF":
				b.WriteString(sign + pad2(int64(off/3600)))
				if off%3600 != 0 {
					b.WriteString(":" + pad2(int64(off%3600/60)))
				}
			case "TZH":
				b.WriteString(sign + pad2(int64(off/3600)))
			case "TZM":
				b.WriteString(pad2(int64(off % 3600 / 60)))
			}
		}
	}
	return b.String(), nil
}

func isoYearAstro(days int64) int64 {
	y, _ := isoWeek(days)
	return y
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func pad3(n int64) string {
	s := strconv.FormatInt(n, 10)
	return strings.Repeat("0", 3-len(s)) + s
}

// toTimestamp parses s by the template f (to_timestamp, to_date). Fields
// not in the template take their defaults: January 1 of year 1, midnight.
func toTimestamp(s, f string, dateOnly bool, loc *time.Location) (pgtype.Datum, error) {
	// Without a year field the year is 0 (1 BC), as in PostgreSQL.
	year, mon, mday := int64(0), int64(1), int64(1)
	var hour, min, sec, fsec, doy int64
	pm, hasAMPM, bc := false, false, false
	hour12 := false
	haveYear := false
	i := 0 // position in s
	skipSpaces := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	readInt := func(maxDigits int, kw string) (int64, error) {
		skipSpaces()
		start := i
		neg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') && maxDigits > 4 {
			neg = s[i] == '-'
			i++
		}
		for i < len(s) && i-start < maxDigits && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		digits := strings.TrimLeft(s[start:i], "+-")
		if digits == "" {
			rest := s[start:]
			if len(rest) > 0 {
				rest = strings.SplitN(rest, " ", 2)[0]
			}
			return 0, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", rest, kw).
				WithDetail("Value must be an integer.")
		}
		v, _ := strconv.ParseInt(digits, 10, 64)
		if neg {
			v = -v
		}
		return v, nil
	}
	readName := func(names []string, abbrev bool, kw string) (int64, error) {
		skipSpaces()
		for n, name := range names {
			cand := name
			if abbrev {
				cand = name[:3]
			}
			if len(s)-i >= len(cand) && strings.EqualFold(s[i:i+len(cand)], cand) {
				i += len(cand)
				return int64(n), nil
			}
		}
		rest := s[i:]
		return 0, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", firstWord(rest, len(kw)), kw).
			WithDetail("The given value did not match any of the allowed values for this field.")
	}
	for j := 0; j < len(f); {
		if strings.HasPrefix(f[j:], "FM") || strings.HasPrefix(f[j:], "fm") || strings.HasPrefix(f[j:], "FX") || strings.HasPrefix(f[j:], "fx") {
			j += 2
			continue
		}
		kw := keywordAt(f[j:])
		if kw == "" {
			c := f[j]
			j++
			if c == '"' {
				for j < len(f) && f[j] != '"' {
					j++
					if i < len(s) {
						i++
					}
				}
				j++
				continue
			}
			// A separator in the template skips one character of input
			// (any non-letter, non-digit).
			if i < len(s) && !(s[i] >= '0' && s[i] <= '9') && !isLetter(s[i]) {
				i++
			} else if c == ' ' {
				skipSpaces()
			}
			continue
		}
		j += len(kw)
		if strings.HasPrefix(f[j:], "TH") || strings.HasPrefix(f[j:], "th") {
			j += 2
		}
		var err error
		switch strings.ToUpper(kw) {
		case "YYYY", "IYYY":
			year, err = readInt(4, kw)
			if err == nil && i < len(s) && s[i] >= '0' && s[i] <= '9' && !nextIsKeyword(f[j:]) {
				more, _ := readInt(9, kw)
				year = year*pow10i(digitsOf(more)) + more
			}
			haveYear = true
		case "Y,YYY":
			var th, rest int64
			if th, err = readInt(3, kw); err == nil {
				if i < len(s) && s[i] == ',' {
					i++
				}
				rest, err = readInt(3, kw)
				year = th*1000 + rest
			}
			haveYear = true
		case "YYY", "IYY":
			year, err = readInt(3, kw)
			if err == nil && year < 100 {
				year += 2000
			} else if err == nil && year < 1000 {
				year += 1000
			}
			haveYear = true
		case "YY", "IY":
			year, err = readInt(2, kw)
			if err == nil {
				if year < 70 {
					year += 2000
				} else {
					year += 1900
				}
			}
			haveYear = true
		case "Y", "I":
			year, err = readInt(1, kw)
			year += 2000
			haveYear = true
		case "MM":
			mon, err = readInt(2, kw)
		case "MONTH":
			var n int64
			n, err = readName(monthNames, false, kw)
			mon = n + 1
		case "MON":
			var n int64
			n, err = readName(monthNames, true, kw)
			mon = n + 1
		case "DAY":
			_, err = readName(dayNames, false, kw)
		case "DY":
			_, err = readName(dayNames, true, kw)
		case "DD":
			mday, err = readInt(2, kw)
		case "DDD":
			doy, err = readInt(3, kw)
		case "D", "ID":
			_, err = readInt(1, kw)
		case "HH24":
			hour, err = readInt(2, kw)
		case "HH", "HH12":
			hour, err = readInt(2, kw)
			hour12 = true
		case "MI":
			min, err = readInt(2, kw)
		case "SS":
			sec, err = readInt(2, kw)
		case "MS":
			var v int64
			start := i
			v, err = readInt(3, kw)
			for k := i - start; k < 3; k++ {
				v *= 10
			}
			fsec = v * 1000
		case "US":
			var v int64
			start := i
			v, err = readInt(6, kw)
			for k := i - start; k < 6; k++ {
				v *= 10
			}
			fsec = v
		case "AM", "PM", "A.M.", "P.M.":
			skipSpaces()
			hasAMPM = true
			w := len(kw)
			if i+w <= len(s) {
				v := strings.ToUpper(s[i : i+w])
				pm = strings.HasPrefix(v, "P")
				if !strings.HasPrefix(v, "A") && !pm {
					err = pgerr.New(pgerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s[i:i+w], kw).
						WithDetail("The given value did not match any of the allowed values for this field.")
				}
				i += w
			}
		case "AD", "BC", "A.D.", "B.C.":
			skipSpaces()
			w := len(kw)
			if i+w <= len(s) {
				bc = strings.HasPrefix(strings.ToUpper(s[i:i+w]), "B")
				i += w
			}
		case "TZ", "OF", "TZH", "TZM":
			return nil, pgerr.New(pgerr.FeatureNotSupported, "formatting field \"%s\" is only supported in to_char", kw)
		default:
			return nil, pgerr.New(pgerr.FeatureNotSupported, "template pattern \"%s\" is not supported by to_timestamp yet", kw)
		}
		if err != nil {
			return nil, err
		}
	}
	if hour12 || hasAMPM {
		if hour < 1 || hour > 12 {
			return nil, pgerr.New(pgerr.InvalidDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if pm && hour < 12 {
			hour += 12
		} else if !pm && hour == 12 {
			hour = 0
		}
	}
	if bc && haveYear {
		year = -(year - 1)
	}
	if doy > 0 {
		mon, mday = 1, 1
	}
	if mon < 1 || mon > 12 || mday < 1 || mday > daysIn(year, mon) || hour > 24 || min > 59 || sec > 60 {
		what := "date/time"
		return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "%s field value out of range: \"%s\"", what, s)
	}
	days := fromCivil(year, mon, mday)
	if doy > 0 {
		days += doy - 1
	}
	wall := days*usPerDay + ((hour*60+min)*60+sec)*usPerSec + fsec
	if dateOnly {
		return pgtype.TimestampValue(wall), nil
	}
	return pgtype.TimestampValue(utcMicros(wall, loc)), nil
}

func firstWord(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return s
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func nextIsKeyword(f string) bool { return f != "" && keywordAt(f) != "" }

func digitsOf(n int64) int {
	return len(strconv.FormatInt(n, 10))
}

func pow10i(n int) int64 {
	r := int64(1)
	for ; n > 0; n-- {
		r *= 10
	}
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
