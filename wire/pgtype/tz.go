package pgtype

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Time zone names and abbreviations in datetime input.

// zoneAbbrev is one entry of PostgreSQL's "Default" timezone_abbreviations
// set: a fixed offset east of UTC in seconds, and whether it is daylight time.
type zoneAbbrev struct {
	offset int
	dst    bool
}

// zoneAbbrevs holds the commonly used part of the Default set. PostgreSQL
// reads the full set from a configuration file; abbreviations missing here
// are rejected as unknown zones.
var zoneAbbrevs = map[string]zoneAbbrev{
	"acdt": {37800, true}, "acst": {34200, false}, "adt": {-10800, true}, "aedt": {39600, true},
	"aest": {36000, false}, "akdt": {-28800, true}, "akst": {-32400, false}, "ast": {-14400, false},
	"awst": {28800, false}, "bst": {3600, true}, "cat": {7200, false}, "cdt": {-18000, true},
	"cest": {7200, true}, "cet": {3600, false}, "cst": {-21600, false}, "eat": {10800, false},
	"edt": {-14400, true}, "eest": {10800, true}, "eet": {7200, false}, "est": {-18000, false},
	"gmt": {0, false}, "hkt": {28800, false}, "hst": {-36000, false}, "idt": {10800, true},
	"ist": {7200, false}, "jst": {32400, false}, "kst": {32400, false}, "mdt": {-21600, true},
	"mest": {7200, true}, "met": {3600, false}, "msk": {10800, false}, "mst": {-25200, false},
	"ndt": {-9000, true}, "nst": {-12600, false}, "nzdt": {46800, true}, "nzst": {43200, false},
	"pdt": {-25200, true}, "pst": {-28800, false}, "sast": {7200, false}, "sgt": {28800, false},
	"ut": {0, false}, "utc": {0, false}, "wat": {3600, false}, "west": {3600, true},
	"wet": {0, false}, "z": {0, false}, "zulu": {0, false},
}

// lookupZoneAbbrev finds a lower-cased abbreviation; kind is tkTZ or tkDTZ
// and off its offset east of UTC.
func lookupZoneAbbrev(f []byte) (kind, val, off int, ok bool) {
	a, ok := zoneAbbrevs[tokenKey(f)]
	if !ok {
		return 0, 0, 0, false
	}
	if a.dst {
		return tkDTZ, 0, a.offset, true
	}
	return tkTZ, 0, a.offset, true
}

// zoneinfoDir is where the IANA database lives; PostgreSQL on Debian reads
// the same files, so names and historical offsets agree.
func zoneinfoDir() string {
	if d := os.Getenv("ZONEINFO"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return "/usr/share/zoneinfo"
}

// loadZone finds a zone by name without regard to case, as pg_tzset does
// (the datetime parser lower-cases its input).
func loadZone(name string) (*time.Location, bool) {
	if name == "" || len(name) > 255 || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, false
	}
	switch strings.ToLower(name) {
	case "utc", "gmt", "zulu", "uct", "universal":
		return time.UTC, true
	}
	dir := zoneinfoDir()
	var canon []string
	cur := dir
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." {
			return nil, false
		}
		entries, err := os.ReadDir(cur)
		if err != nil {
			// No database to walk: try the name as given.
			loc, err := time.LoadLocation(name)
			return loc, err == nil
		}
		found := ""
		for _, e := range entries {
			if strings.EqualFold(e.Name(), part) {
				found = e.Name()
				if e.Name() == part {
					break
				}
			}
		}
		if found == "" {
			return nil, false
		}
		canon = append(canon, found)
		cur = filepath.Join(cur, found)
	}
	if st, err := os.Stat(cur); err != nil || st.IsDir() {
		return nil, false
	}
	loc, err := time.LoadLocation(strings.Join(canon, "/"))
	return loc, err == nil
}
