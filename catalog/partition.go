package catalog

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// HiveNullPartition is the directory value Hive, Spark and Trino write for a
// NULL partition key.
const HiveNullPartition = "__HIVE_DEFAULT_PARTITION__"

// partitionSegment splits one directory name of a Hive-style path
// ("dt=2026-11-21") into its key and value. A NULL value is reported by
// isNull; the value is URL-unescaped as Hive escapes it.
func partitionSegment(seg string) (key, value string, isNull bool, err error) {
	k, v, ok := strings.Cut(seg, "=")
	if !ok || k == "" {
		return "", "", false, fmt.Errorf("directory %q is not a Hive-style key=value partition", seg)
	}
	key, err = url.PathUnescape(k)
	if err != nil {
		return "", "", false, fmt.Errorf("partition directory %q: %w", seg, err)
	}
	if v == HiveNullPartition {
		return key, "", true, nil
	}
	value, err = url.PathUnescape(v)
	if err != nil {
		return "", "", false, fmt.Errorf("partition directory %q: %w", seg, err)
	}
	return key, value, false, nil
}

// inferPartitionType picks the narrowest type that holds every non-NULL value
// of one partition key: int4, int8, date (YYYY-MM-DD), else text. Integers
// with leading zeros stay text so that "007" reads back as written.
func inferPartitionType(values []*string) pgtype.Type {
	isInt4, isInt8, isDate, seen := true, true, true, false
	for _, p := range values {
		if p == nil {
			continue
		}
		seen = true
		v := *p
		if isInt8 {
			n, ok := parseCanonicalInt(v)
			if !ok {
				isInt4, isInt8 = false, false
			} else if n < math.MinInt32 || n > math.MaxInt32 {
				isInt4 = false
			}
		}
		if isDate {
			if _, ok := parseISODate(v); !ok {
				isDate = false
			}
		}
	}
	switch {
	case !seen:
		return pgtype.Text
	case isInt4:
		return pgtype.Int4
	case isInt8:
		return pgtype.Int8
	case isDate:
		return pgtype.Date
	}
	return pgtype.Text
}

// partitionDatum converts a path value to a Datum of t (nil for NULL); t
// comes from inferPartitionType over the same values, so it cannot fail.
func partitionDatum(t pgtype.Type, v *string) pgtype.Datum {
	if v == nil {
		return nil
	}
	switch t.OID {
	case pgtype.Int4OID, pgtype.Int8OID:
		n, _ := parseCanonicalInt(*v)
		return n
	case pgtype.DateOID:
		d, _ := parseISODate(*v)
		return d
	}
	return *v
}

// parseCanonicalInt accepts only the shortest decimal spelling of an integer
// (no sign "+", no leading zeros), so that formatting the number gives the
// path value back.
func parseCanonicalInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// parseISODate parses exactly YYYY-MM-DD into days since 1970-01-01.
func parseISODate(s string) (pgtype.DateValue, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return pgtype.DateValue(t.Unix() / 86400), true
}
