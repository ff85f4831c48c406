package pgtype

// Proleptic Gregorian calendar arithmetic, as PostgreSQL uses for all
// dates. Years are astronomical: 0 is 1 BC, -1 is 2 BC.

const (
	usPerSecond = int64(1_000_000)
	usPerMinute = 60 * usPerSecond
	usPerHour   = 60 * usPerMinute
	usPerDay    = 24 * usPerHour
	secPerDay   = int64(86400)

	// pgEpochDays is 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
	pgEpochDays = 10957
	// pgEpochMicros is the same instant in microseconds.
	pgEpochMicros = pgEpochDays * usPerDay

	// Range of date, inclusive: 4714-11-24 BC (Julian day 0) to 5874897-12-31.
	minDateDays = -2440588
	maxDateDays = 2145042905
	// Range of timestamp: from 4714-11-24 BC 00:00 (inclusive). PostgreSQL
	// goes on to 294276 AD, but microseconds since 1970 in an int64 end in
	// 294247 AD, and the largest int64 means infinity, so Sluice's range
	// stops just short of it (maxTimestamp is exclusive).
	minTimestamp = int64(minDateDays) * usPerDay
	maxTimestamp = int64(TimestampPosInfinity)
)

// daysFromCivil returns the days since 1970-01-01 of y-m-d.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// weekday of a day count: 0 Sunday … 6 Saturday.
func weekday(days int64) int {
	return int(floorMod(days+4, 7)) // 1970-01-01 was a Thursday
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
