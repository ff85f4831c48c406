package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

const (
	usPerSec  = 1_000_000
	usPerDay  = 86400 * usPerSec
	usPerHour = 3600 * usPerSec
)

// tm is a broken-down wall clock, PostgreSQL's struct pg_tm: the year is
// astronomical (0 is 1 BC), fsec the microseconds.
type tm struct {
	year, mon, mday, hour, min, sec, fsec int64
	days                                  int64 // days since 1970-01-01
}

func toTM(wall int64) tm {
	days := floorDiv64(wall, usPerDay)
	rest := wall - days*usPerDay
	t := time.Unix(days*86400, 0).UTC()
	return tm{
		year: int64(t.Year()), mon: int64(t.Month()), mday: int64(t.Day()),
		hour: rest / usPerHour, min: rest / (60 * usPerSec) % 60, sec: rest / usPerSec % 60, fsec: rest % usPerSec,
		days: days,
	}
}

// dateTM is the fields of midnight of day days since 1970-01-01.
func dateTM(days int64) tm {
	t := time.Unix(days*86400, 0).UTC()
	return tm{year: int64(t.Year()), mon: int64(t.Month()), mday: int64(t.Day()), days: days}
}

func fromCivil(y, mo, d int64) int64 {
	return time.Date(int(y), time.Month(mo), int(d), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func (t tm) wall() int64 {
	return fromCivil(t.year, t.mon, t.mday)*usPerDay + ((t.hour*60+t.min)*60+t.sec)*usPerSec + t.fsec
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int64) int64 {
	return int64(time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day())
}

// isoWeek returns the ISO 8601 year and week of a day.
func isoWeek(days int64) (int64, int64) {
	y, w := time.Unix(days*86400, 0).UTC().ISOWeek()
	return int64(y), int64(w)
}

func typeName(t pgtype.Type) string {
	switch t.OID {
	case pgtype.TimestampOID:
		return "timestamp without time zone"
	case pgtype.TimestamptzOID:
		return "timestamp with time zone"
	case pgtype.TimeOID:
		return "time without time zone"
	}
	return t.String()
}

func unitUnknown(unit string, t pgtype.Type) error {
	return pgerr.New(pgerr.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, typeName(t))
}

func unitUnsupported(unit string, t pgtype.Type) error {
	return pgerr.New(pgerr.FeatureNotSupported, "unit \"%s\" not supported for type %s", unit, typeName(t))
}

// unitAliases maps PostgreSQL's spellings of datetime units to one name.
var unitAliases = map[string]string{
	"microsecond": "microseconds", "microseconds": "microseconds", "us": "microseconds", "usec": "microseconds", "usecs": "microseconds", "useconds": "microseconds", "usecond": "microseconds",
	"millisecond": "milliseconds", "milliseconds": "milliseconds", "ms": "milliseconds", "msec": "milliseconds", "msecs": "milliseconds", "mseconds": "milliseconds", "millisecon": "milliseconds",
	"second": "second", "seconds": "second", "s": "second", "sec": "second", "secs": "second",
	"minute": "minute", "minutes": "minute", "m": "minute", "min": "minute", "mins": "minute",
	"hour": "hour", "hours": "hour", "h": "hour", "hr": "hour", "hrs": "hour",
	"day": "day", "days": "day", "d": "day",
	"week": "week", "weeks": "week", "w": "week",
	"month": "month", "months": "month", "mon": "month", "mons": "month",
	"quarter": "quarter", "qtr": "quarter",
	"year": "year", "years": "year", "y": "year", "yr": "year", "yrs": "year",
	"decade": "decade", "decades": "decade", "dec": "decade", "decs": "decade",
	"century": "century", "centuries": "century", "c": "century", "cent": "century",
	"millennium": "millennium", "millennia": "millennium", "mil": "millennium", "mils": "millennium", "millenniums": "millennium",
	"dow": "dow", "isodow": "isodow", "doy": "doy", "isoyear": "isoyear", "julian": "julian", "j": "julian",
	"epoch": "epoch", "timezone": "timezone", "timezone_h": "timezone_hour", "timezone_hour": "timezone_hour",
	"timezone_m": "timezone_minute", "timezone_minute": "timezone_minute",
}

func unitOf(s string) string {
	if u, ok := unitAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return u
	}
	return ""
}

// datetimeFunc returns the row function of a strict date/time function,
// or ok false when name is not one.
func datetimeFunc(name string, types []pgtype.Type, ret pgtype.Type, env *Env) (rowFn, bool) {
	loc := zoneOf(env)
	switch name {
	case "date_trunc":
		return dateTrunc(types, loc), true
	case "date_part", "extract":
		asNumeric := name == "extract"
		t := types[1]
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return extractField(a[0].(string), t, a[1], asNumeric, loc)
		}, true
	case "age":
		withZone := types[0].OID == pgtype.TimestamptzOID
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			x := int64(a[0].(pgtype.TimestampValue))
			var y int64
			if len(a) == 1 {
				// age(t) is age(current_date, t): midnight of today.
				today := floorDiv64(wallMicros(env.Now.UnixMicro(), loc), usPerDay) * usPerDay
				y = x
				x = today
				if withZone {
					x = utcMicros(today, loc)
				}
			} else {
				y = int64(a[1].(pgtype.TimestampValue))
			}
			if withZone {
				return age(x, y, wallMicros(x, loc), wallMicros(y, loc)), nil
			}
			return age(x, y, x, y), nil
		}, true
	case "make_date":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			d, err := makeDate(a[0].(int64), a[1].(int64), a[2].(int64))
			if err != nil {
				return nil, err
			}
			return pgtype.DateValue(d), nil
		}, true
	case "make_time":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			us, err := makeTime(a[0].(int64), a[1].(int64), a[2].(float64))
			if err != nil {
				return nil, err
			}
			return pgtype.TimeValue(us), nil
		}, true
	case "make_timestamp", "make_timestamptz":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			d, err := makeDate(a[0].(int64), a[1].(int64), a[2].(int64))
			if err != nil {
				return nil, err
			}
			us, err := makeTime(a[3].(int64), a[4].(int64), a[5].(float64))
			if err != nil {
				return nil, err
			}
			wall := d*usPerDay + us
			if name == "make_timestamp" {
				return pgtype.TimestampValue(wall), nil
			}
			z := loc
			if len(a) > 6 {
				if z, err = LookupZone(a[6].(string)); err != nil {
					return nil, err
				}
			}
			return pgtype.TimestampValue(utcMicros(wall, z)), nil
		}, true
	case "make_interval":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			var f [6]int64
			for i := 0; i < 6 && i < len(a); i++ {
				f[i] = a[i].(int64)
			}
			secs := 0.0
			if len(a) > 6 {
				secs = a[6].(float64)
			}
			if math.IsInf(secs, 0) || math.IsNaN(secs) {
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "interval out of range")
			}
			months := f[0]*12 + f[1]
			days := f[2]*7 + f[3]
			us := (f[4]*3600+f[5]*60)*usPerSec + int64(math.RoundToEven(secs*usPerSec))
			if months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 {
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "interval out of range")
			}
			return pgtype.IntervalValue{Months: int32(months), Days: int32(days), Micros: us}, nil
		}, true
	case "justify_days", "justify_hours", "justify_interval":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return justify(name, a[0].(pgtype.IntervalValue)), nil
		}, true
	case "to_timestamp":
		if len(types) == 2 {
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				return toTimestamp(a[0].(string), a[1].(string), false, loc)
			}, true
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s := a[0].(float64)
			switch {
			case math.IsNaN(s):
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp cannot be NaN")
			case math.IsInf(s, 1):
				return pgtype.TimestampPosInfinity, nil
			case math.IsInf(s, -1):
				return pgtype.TimestampNegInfinity, nil
			}
			const pgEpoch = 946684800
			us := math.RoundToEven((s - pgEpoch) * usPerSec)
			if us < -211813488000*usPerSec || us >= 9223371331200*usPerSec {
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", strconv.FormatFloat(s, 'g', -1, 64))
			}
			return pgtype.TimestampValue(int64(us) + pgEpoch*usPerSec), nil
		}, true
	case "to_date":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			v, err := toTimestamp(a[0].(string), a[1].(string), true, time.UTC)
			if err != nil {
				return nil, err
			}
			return pgtype.DateValue(floorDiv64(int64(v.(pgtype.TimestampValue)), usPerDay)), nil
		}, true
	case "to_char":
		t := types[0]
		if t.OID == pgtype.IntervalOID {
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				return intervalToChar(a[0].(pgtype.IntervalValue), a[1].(string))
			}, true
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return toChar(a[0].(pgtype.TimestampValue), t, a[1].(string), loc)
		}, true
	case "timezone":
		toLocal := types[1].OID == pgtype.TimestamptzOID
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			z, err := LookupZone(a[0].(string))
			if err != nil {
				return nil, err
			}
			ts := a[1].(pgtype.TimestampValue)
			if ts == pgtype.TimestampPosInfinity || ts == pgtype.TimestampNegInfinity {
				return ts, nil
			}
			if toLocal {
				return pgtype.TimestampValue(wallMicros(int64(ts), z)), nil
			}
			return pgtype.TimestampValue(utcMicros(int64(ts), z)), nil
		}, true
	case "isfinite":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			switch v := a[0].(type) {
			case pgtype.DateValue:
				return v != pgtype.DatePosInfinity && v != pgtype.DateNegInfinity, nil
			case pgtype.TimestampValue:
				return v != pgtype.TimestampPosInfinity && v != pgtype.TimestampNegInfinity, nil
			}
			return true, nil
		}, true
	}
	return nil, false
}

func makeDate(y, m, d int64) (int64, error) {
	bad := func() error {
		return pgerr.New(pgerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	if y == 0 || m < 1 || m > 12 || d < 1 {
		return 0, bad()
	}
	if y < 0 {
		y++ // -1 is 1 BC, astronomical year 0
	}
	if d > daysIn(y, m) || y < -4713 || y > 5874897 {
		return 0, bad()
	}
	return fromCivil(y, m, d), nil
}

func makeTime(h, m int64, s float64) (int64, error) {
	us := int64(math.RoundToEven(s * usPerSec))
	if h < 0 || m < 0 || m > 59 || s < 0 || us > 60*usPerSec || h > 24 || h == 24 && (m > 0 || us > 0) {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%s", h, m, strconv.FormatFloat(s, 'f', -1, 64))
	}
	return (h*3600+m*60)*usPerSec + us, nil
}

// LookupZone resolves a time zone name as AT TIME ZONE does: an
// abbreviation, a POSIX-style offset ("+05" is five hours west, as in
// PostgreSQL), or an IANA name.
func LookupZone(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	if off, ok := zoneAbbrevs[strings.ToLower(n)]; ok {
		return time.FixedZone(strings.ToUpper(n), off), nil
	}
	if off, ok := posixOffset(n); ok {
		return time.FixedZone(n, off), nil
	}
	if loc, err := time.LoadLocation(n); err == nil && n != "" && n != "Local" {
		return loc, nil
	}
	return nil, pgerr.New(pgerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
}

// zoneAbbrevs are the fixed-offset abbreviations of PostgreSQL's Default
// set that AT TIME ZONE reads before zone names (seconds east of UTC).
var zoneAbbrevs = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "zulu": 0, "ut": 0,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"akst": -9 * 3600, "akdt": -8 * 3600, "hst": -10 * 3600,
	"cet": 3600, "cest": 2 * 3600, "eet": 2 * 3600, "eest": 3 * 3600, "wet": 0, "west": 3600,
	"bst": 3600, "msk": 3 * 3600, "jst": 9 * 3600, "kst": 9 * 3600, "aest": 10 * 3600, "aedt": 11 * 3600,
	"nzst": 12 * 3600, "nzdt": 13 * 3600,
}

// posixOffset reads "+5", "-08:00", "UTC+3" as POSIX does: positive is
// west of Greenwich.
func posixOffset(s string) (int, bool) {
	u := strings.ToUpper(s)
	for _, p := range []string{"UTC", "GMT"} {
		if strings.HasPrefix(u, p) && len(u) > len(p) {
			u = u[len(p):]
		}
	}
	if u == "" || (u[0] != '+' && u[0] != '-') {
		return 0, false
	}
	sign := -1
	if u[0] == '-' {
		sign = 1
	}
	parts := strings.Split(u[1:], ":")
	if len(parts) > 3 {
		return 0, false
	}
	mult := []int{3600, 60, 1}
	total := 0
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p == "" {
			return 0, false
		}
		total += v * mult[i]
	}
	if total > 15*3600+59*60 {
		return 0, false
	}
	return sign * total, true
}

func dateTrunc(types []pgtype.Type, loc *time.Location) rowFn {
	t := types[1]
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		unit := unitOf(a[0].(string))
		if t.OID == pgtype.IntervalOID {
			return truncInterval(a[0].(string), unit, a[1].(pgtype.IntervalValue))
		}
		ts := a[1].(pgtype.TimestampValue)
		z := loc
		if len(a) > 2 {
			var err error
			if z, err = LookupZone(a[2].(string)); err != nil {
				return nil, err
			}
		}
		wall := int64(ts)
		if t.OID == pgtype.TimestamptzOID {
			wall = wallMicros(wall, z)
		}
		out, err := truncWall(a[0].(string), unit, wall, t)
		if err != nil {
			return nil, err
		}
		if ts == pgtype.TimestampPosInfinity || ts == pgtype.TimestampNegInfinity {
			return ts, nil
		}
		if t.OID == pgtype.TimestamptzOID {
			return pgtype.TimestampValue(utcMicros(out, z)), nil
		}
		return pgtype.TimestampValue(out), nil
	}
}

func truncWall(raw, unit string, wall int64, t pgtype.Type) (int64, error) {
	x := toTM(wall)
	switch unit {
	case "millennium":
		if x.year > 0 {
			x.year = ((x.year+999)/1000)*1000 - 999
		} else {
			x.year = -((999-(x.year-1))/1000)*1000 + 1
		}
		x.mon, x.mday, x.hour, x.min, x.sec, x.fsec = 1, 1, 0, 0, 0, 0
	case "century":
		if x.year > 0 {
			x.year = ((x.year+99)/100)*100 - 99
		} else {
			x.year = -((99-(x.year-1))/100)*100 + 1
		}
		x.mon, x.mday, x.hour, x.min, x.sec, x.fsec = 1, 1, 0, 0, 0, 0
	case "decade":
		if x.year > 0 {
			x.year = (x.year / 10) * 10
		} else {
			x.year = -((8-(x.year-1))/10)*10 + 1
		}
		x.mon, x.mday, x.hour, x.min, x.sec, x.fsec = 1, 1, 0, 0, 0, 0
	case "year":
		x.mon, x.mday, x.hour, x.min, x.sec, x.fsec = 1, 1, 0, 0, 0, 0
	case "quarter":
		x.mon = 3*((x.mon-1)/3) + 1
		x.mday, x.hour, x.min, x.sec, x.fsec = 1, 0, 0, 0, 0
	case "month":
		x.mday, x.hour, x.min, x.sec, x.fsec = 1, 0, 0, 0, 0
	case "week":
		dow := (x.days%7 + 7 + 3) % 7 // 0 = Monday
		return (x.days - dow) * usPerDay, nil
	case "day":
		x.hour, x.min, x.sec, x.fsec = 0, 0, 0, 0
	case "hour":
		x.min, x.sec, x.fsec = 0, 0, 0
	case "minute":
		x.sec, x.fsec = 0, 0
	case "second":
		x.fsec = 0
	case "milliseconds":
		x.fsec = x.fsec / 1000 * 1000
	case "microseconds":
	default:
		if unit == "" {
			return 0, unitUnknown(raw, t)
		}
		return 0, unitUnsupported(raw, t)
	}
	return x.wall(), nil
}

func truncInterval(raw, unit string, v pgtype.IntervalValue) (pgtype.Datum, error) {
	years, months := int64(v.Months)/12, int64(v.Months)%12
	days := int64(v.Days)
	us := v.Micros
	hour, min, sec, fsec := us/usPerHour, us/(60*usPerSec)%60, us/usPerSec%60, us%usPerSec
	switch unit {
	case "millennium":
		years = years / 1000 * 1000
		months, days, hour, min, sec, fsec = 0, 0, 0, 0, 0, 0
	case "century":
		years = years / 100 * 100
		months, days, hour, min, sec, fsec = 0, 0, 0, 0, 0, 0
	case "decade":
		years = years / 10 * 10
		months, days, hour, min, sec, fsec = 0, 0, 0, 0, 0, 0
	case "year":
		months, days, hour, min, sec, fsec = 0, 0, 0, 0, 0, 0
	case "quarter":
		months = 3 * (months / 3)
		days, hour, min, sec, fsec = 0, 0, 0, 0, 0
	case "month":
		days, hour, min, sec, fsec = 0, 0, 0, 0, 0
	case "day":
		hour, min, sec, fsec = 0, 0, 0, 0
	case "hour":
		min, sec, fsec = 0, 0, 0
	case "minute":
		sec, fsec = 0, 0
	case "second":
		fsec = 0
	case "milliseconds":
		fsec = fsec / 1000 * 1000
	case "microseconds":
	case "week":
		return nil, pgerr.New(pgerr.FeatureNotSupported, "unit \"%s\" not supported for type interval", raw).
			WithDetail("Months usually have fractional weeks.")
	default:
		if unit == "" {
			return nil, unitUnknown(raw, pgtype.Interval)
		}
		return nil, unitUnsupported(raw, pgtype.Interval)
	}
	return pgtype.IntervalValue{Months: int32(years*12 + months), Days: int32(days),
		Micros: ((hour*60+min)*60+sec)*usPerSec + fsec}, nil
}

// numDiv is a/b as a numeric at PostgreSQL's division scale.
func numDiv(a, b int64) pgtype.NumericValue {
	v, _ := numericOp("div", pgtype.NumericValue{Coef: big.NewInt(a)}, pgtype.NumericValue{Coef: big.NewInt(b)}, -1)
	return v.(pgtype.NumericValue)
}

// scaled is v / 10^scale as an exact numeric (int64_div_fast_to_numeric).
func scaled(v int64, scale int32) pgtype.NumericValue {
	return pgtype.NumericValue{Coef: big.NewInt(v), Scale: scale}
}

// extractField is extract (numeric) and date_part (float8).
func extractField(raw string, t pgtype.Type, d pgtype.Datum, asNumeric bool, loc *time.Location) (pgtype.Datum, error) {
	unit := unitOf(raw)
	// Each field is an exact value v / 10^scale.
	var v int64
	var scale int32
	var exact *pgtype.NumericValue // fields that are not v / 10^scale
	var f float64                  // date_part's value when it is not v / 10^scale
	useF := false
	switch t.OID {
	case pgtype.IntervalOID:
		iv := d.(pgtype.IntervalValue)
		years, months := int64(iv.Months)/12, int64(iv.Months)%12
		hour := iv.Micros / usPerHour
		rest := iv.Micros - hour*usPerHour
		min := rest / (60 * usPerSec)
		rest -= min * 60 * usPerSec
		switch unit {
		case "microseconds":
			v = rest
		case "milliseconds":
			v, scale = rest, 3
		case "second":
			v, scale = rest, 6
		case "minute":
			v = min
		case "hour":
			v = hour
		case "day":
			v = int64(iv.Days)
		case "month":
			v = months
		case "quarter":
			v = months/3 + 1
		case "year":
			v = years
		case "decade":
			v = years / 10
		case "century":
			v = years / 100
		case "millennium":
			v = years / 1000
		case "epoch":
			secs := int64(31557600)*years + int64(30*86400)*months + 86400*int64(iv.Days)
			n, _ := numericOp("add", scaled(iv.Micros, 6), pgtype.NumericValue{Coef: big.NewInt(secs)}, -1)
			nv := n.(pgtype.NumericValue)
			exact = &nv
			f = float64(iv.Micros)/1e6 + (365.25*86400)*float64(years) + (30.0*86400)*float64(months) + 86400.0*float64(iv.Days)
			useF = true
		default:
			if unit == "" {
				return nil, unitUnknown(raw, t)
			}
			return nil, unitUnsupported(raw, t)
		}
	case pgtype.TimeOID:
		us := int64(d.(pgtype.TimeValue))
		switch unit {
		case "microseconds":
			v = us % (60 * usPerSec)
		case "milliseconds":
			v, scale = us%(60*usPerSec), 3
		case "second":
			v, scale = us%(60*usPerSec), 6
		case "minute":
			v = us / (60 * usPerSec) % 60
		case "hour":
			v = us / usPerHour
		case "epoch":
			v, scale = us, 6
		default:
			if unit == "" {
				return nil, unitUnknown(raw, t)
			}
			return nil, unitUnsupported(raw, t)
		}
	default:
		var wall, abs, dayNum int64
		isDate := t.OID == pgtype.DateOID
		switch x := d.(type) {
		case pgtype.DateValue:
			if x == pgtype.DatePosInfinity || x == pgtype.DateNegInfinity {
				return infiniteField(unit, raw, t, x == pgtype.DatePosInfinity, asNumeric)
			}
			// Dates run to 5874897 AD, past what microseconds since
			// 1970 hold: their fields come from the day number.
			dayNum = int64(x)
			wall = dayNum * usPerDay
			abs = wall
		case pgtype.TimestampValue:
			if x == pgtype.TimestampPosInfinity || x == pgtype.TimestampNegInfinity {
				return infiniteField(unit, raw, t, x == pgtype.TimestampPosInfinity, asNumeric)
			}
			abs = int64(x)
			wall = abs
			if t.OID == pgtype.TimestamptzOID {
				wall = wallMicros(abs, loc)
			}
		}
		x := toTM(wall)
		if isDate {
			x = dateTM(dayNum)
		}
		if isDate && asNumeric {
			switch unit {
			case "microseconds", "milliseconds", "second", "minute", "hour", "timezone", "timezone_hour", "timezone_minute":
				return nil, unitUnsupported(raw, t)
			}
		}
		switch unit {
		case "microseconds":
			v = x.sec*usPerSec + x.fsec
		case "milliseconds":
			v, scale = x.sec*usPerSec+x.fsec, 3
		case "second":
			v, scale = x.sec*usPerSec+x.fsec, 6
		case "minute":
			v = x.min
		case "hour":
			v = x.hour
		case "day":
			v = x.mday
		case "month":
			v = x.mon
		case "quarter":
			v = (x.mon-1)/3 + 1
		case "week":
			_, v = isoWeek(x.days)
		case "year":
			v = x.year
			if v <= 0 {
				v--
			}
		case "decade":
			if x.year >= 0 {
				v = x.year / 10
			} else {
				v = -((8 - (x.year - 1)) / 10)
			}
		case "century":
			if x.year > 0 {
				v = (x.year + 99) / 100
			} else {
				v = -((99 - (x.year - 1)) / 100)
			}
		case "millennium":
			if x.year > 0 {
				v = (x.year + 999) / 1000
			} else {
				v = -((999 - (x.year - 1)) / 1000)
			}
		case "isoyear":
			v, _ = isoWeek(x.days)
			if v <= 0 {
				v--
			}
		case "dow":
			v = (x.days%7 + 7 + 4) % 7
		case "isodow":
			v = (x.days%7 + 7 + 4) % 7
			if v == 0 {
				v = 7
			}
		case "doy":
			v = x.days - fromCivil(x.year, 1, 1) + 1
		case "julian":
			jd := x.days + 2440588
			tod := ((x.hour*60+x.min)*60+x.sec)*usPerSec + x.fsec
			if isDate && asNumeric {
				v = jd
				break
			}
			n, _ := numericOp("add", pgtype.NumericValue{Coef: big.NewInt(jd)}, numDiv(tod, usPerDay), -1)
			nv := n.(pgtype.NumericValue)
			exact = &nv
			f = float64(jd) + float64(tod)/float64(usPerDay)
			useF = true
		case "epoch":
			if isDate {
				v = dayNum * 86400
				break
			}
			if t.OID == pgtype.TimestampOID {
				v, scale = wall, 6
			} else {
				v, scale = abs, 6
			}
		case "timezone", "timezone_hour", "timezone_minute":
			if t.OID != pgtype.TimestamptzOID {
				return nil, unitUnsupported(raw, t)
			}
			off := (wall - abs) / usPerSec
			switch unit {
			case "timezone":
				v = off
			case "timezone_hour":
				v = off / 3600
			default:
				v = off / 60 % 60
			}
		default:
			if unit == "" {
				return nil, unitUnknown(raw, t)
			}
			return nil, unitUnsupported(raw, t)
		}
	}
	if asNumeric {
		if exact != nil {
			return *exact, nil
		}
		return scaled(v, scale), nil
	}
	if useF {
		return f, nil
	}
	switch scale {
	case 3:
		return float64(v) / 1000, nil
	case 6:
		return float64(v) / 1e6, nil
	}
	return float64(v), nil
}

// infiniteField is extract of an infinite date or timestamp: ±Infinity
// for the fields that grow without bound, NULL for the rest.
func infiniteField(unit, raw string, t pgtype.Type, pos, asNumeric bool) (pgtype.Datum, error) {
	switch unit {
	case "epoch", "julian", "year", "decade", "century", "millennium", "isoyear":
		if asNumeric {
			if pos {
				return pgtype.NumericValue{Special: pgtype.NumericPosInf}, nil
			}
			return pgtype.NumericValue{Special: pgtype.NumericNegInf}, nil
		}
		if pos {
			return math.Inf(1), nil
		}
		return math.Inf(-1), nil
	case "":
		return nil, unitUnknown(raw, t)
	}
	return nil, nil
}

var dayTab = [2][12]int64{
	{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
	{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
}

func leapIndex(y int64) int {
	if isLeap(y) {
		return 1
	}
	return 0
}

// age is PostgreSQL's age(): field-wise differences of the two wall
// clocks, borrowing from the next larger field.
func age(x, y, wx, wy int64) pgtype.Datum {
	a, b := toTM(wx), toTM(wy)
	fsec := a.fsec - b.fsec
	sec := a.sec - b.sec
	min := a.min - b.min
	hour := a.hour - b.hour
	mday := a.mday - b.mday
	mon := a.mon - b.mon
	year := a.year - b.year
	neg := x < y
	if neg {
		fsec, sec, min, hour, mday, mon, year = -fsec, -sec, -min, -hour, -mday, -mon, -year
	}
	for fsec < 0 {
		fsec += usPerSec
		sec--
	}
	for sec < 0 {
		sec += 60
		min--
	}
	for min < 0 {
		min += 60
		hour--
	}
	for hour < 0 {
		hour += 24
		mday--
	}
	for mday < 0 {
		if neg {
			mday += dayTab[leapIndex(a.year)][a.mon-1]
		} else {
			mday += dayTab[leapIndex(b.year)][b.mon-1]
		}
		mon--
	}
	for mon < 0 {
		mon += 12
		year--
	}
	if neg {
		fsec, sec, min, hour, mday, mon, year = -fsec, -sec, -min, -hour, -mday, -mon, -year
	}
	return pgtype.IntervalValue{Months: int32(year*12 + mon), Days: int32(mday),
		Micros: ((hour*60+min)*60+sec)*usPerSec + fsec}
}

func justify(name string, v pgtype.IntervalValue) pgtype.IntervalValue {
	months, days, us := int64(v.Months), int64(v.Days), v.Micros
	if name != "justify_days" {
		whole := us / usPerDay
		us -= whole * usPerDay
		days += whole
	}
	if name != "justify_hours" {
		whole := days / 30
		days -= whole * 30
		months += whole
	}
	if name == "justify_interval" {
		if months > 0 && (days < 0 || days == 0 && us < 0) {
			days += 30
			months--
		} else if months < 0 && (days > 0 || days == 0 && us > 0) {
			days -= 30
			months++
		}
	}
	if name == "justify_days" {
		if months > 0 && days < 0 {
			days += 30
			months--
		} else if months < 0 && days > 0 {
			days -= 30
			months++
		}
	} else {
		if days > 0 && us < 0 {
			us += usPerDay
			days--
		} else if days < 0 && us > 0 {
			us -= usPerDay
			days++
		}
	}
	return pgtype.IntervalValue{Months: int32(months), Days: int32(days), Micros: us}
}
