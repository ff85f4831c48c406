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

// zoneAbbrevs and dynamicZoneAbbrevs are PostgreSQL 15's Default
// timezone_abbreviations set: fixed offsets here, and below the
// abbreviations whose meaning is looked up in a zone at the date given.
var zoneAbbrevs = map[string]zoneAbbrev{
	"acdt": {37800, true}, "acsst": {37800, true}, "acst": {34200, false}, "act": {-18000, false},
	"acwst": {31500, false}, "adt": {-10800, true}, "aedt": {39600, true}, "aesst": {39600, true},
	"aest": {36000, false}, "aft": {16200, false}, "akdt": {-28800, true}, "akst": {-32400, false},
	"almst": {25200, true}, "almt": {21600, false}, "amt": {-14400, false}, "ast": {-14400, false},
	"awsst": {32400, true}, "awst": {28800, false}, "azost": {0, true}, "azot": {-3600, false},
	"bdst": {7200, true}, "bdt": {21600, false}, "bnt": {28800, false}, "bort": {28800, false},
	"bot": {-14400, false}, "bra": {-10800, false}, "brst": {-7200, true}, "brt": {-10800, false},
	"bst": {3600, true}, "btt": {21600, false}, "cadt": {37800, true}, "cast": {34200, false},
	"cct": {28800, false}, "cdt": {-18000, true}, "cest": {7200, true}, "cet": {3600, false},
	"cetdst": {7200, true}, "chadt": {49500, true}, "chast": {45900, false}, "chut": {36000, false},
	"clst": {-10800, true}, "cot": {-18000, false}, "cst": {-21600, false}, "cxt": {25200, false},
	"ddut": {36000, false}, "eat": {10800, false}, "edt": {-14400, true}, "eest": {10800, true},
	"eet": {7200, false}, "eetdst": {10800, true}, "egst": {0, true}, "egt": {-3600, false},
	"est": {-18000, false}, "fet": {10800, false}, "fjst": {46800, true}, "fjt": {43200, false},
	"fnst": {-3600, true}, "fnt": {-7200, false}, "galt": {-21600, false}, "gamt": {-32400, false},
	"gft": {-10800, false}, "gilt": {43200, false}, "gmt": {0, false}, "hkt": {28800, false},
	"hst": {-36000, false}, "ict": {25200, false}, "idt": {10800, true}, "irt": {12600, false},
	"ist": {7200, false}, "jayt": {32400, false}, "jst": {32400, false}, "kdt": {36000, true},
	"kgst": {21600, true}, "kst": {32400, false}, "lhst": {37800, false}, "ligt": {36000, false},
	"mart": {-34200, false}, "mdt": {-21600, true}, "mest": {7200, true}, "mesz": {7200, true},
	"met": {3600, false}, "metdst": {7200, true}, "mez": {3600, false}, "mht": {43200, false},
	"mmt": {23400, false}, "mpt": {36000, false}, "msd": {14400, true}, "mst": {-25200, false},
	"must": {18000, true}, "mut": {14400, false}, "mvt": {18000, false}, "myt": {28800, false},
	"ndt": {-9000, true}, "nft": {-12600, false}, "npt": {20700, false}, "nst": {-12600, false},
	"nzdt": {46800, true}, "nzst": {43200, false}, "nzt": {43200, false}, "pdt": {-25200, true},
	"pet": {-18000, false}, "pgt": {36000, false}, "pht": {28800, false}, "pkst": {21600, true},
	"pkt": {18000, false}, "pmdt": {-7200, true}, "pmst": {-10800, false}, "pont": {39600, false},
	"pst": {-28800, false}, "pwt": {32400, false}, "pyst": {-10800, true}, "ret": {14400, false},
	"sadt": {37800, true}, "sast": {7200, false}, "sct": {14400, false}, "taht": {-36000, false},
	"tft": {18000, false}, "tjt": {18000, false}, "tot": {46800, false}, "trut": {36000, false},
	"tvt": {43200, false}, "uct": {0, false}, "ulast": {32400, true}, "ut": {0, false}, "utc": {0, false},
	"uyst": {-7200, true}, "uyt": {-10800, false}, "uzst": {21600, true}, "uzt": {18000, false},
	"vut": {39600, false}, "wadt": {28800, true}, "wakt": {43200, false}, "wast": {25200, false},
	"wat": {3600, false}, "wdt": {32400, true}, "wet": {0, false}, "wetdst": {3600, true},
	"wft": {43200, false}, "wgst": {-7200, true}, "wgt": {-10800, false}, "xjt": {21600, false},
	"yapt": {36000, false}, "yekst": {21600, true}, "z": {0, false}, "zulu": {0, false},
}

// dynamicZoneAbbrevs are the abbreviations of the Default set whose
// meaning is looked up in a zone at the date given (DYNTZ in PostgreSQL).
var dynamicZoneAbbrevs = map[string]string{
	"art": "America/Argentina/Buenos_Aires", "arst": "America/Argentina/Buenos_Aires",
	"clt": "America/Santiago", "gyt": "America/Guyana", "pyt": "America/Asuncion", "vet": "America/Caracas",
	"davt": "Antarctica/Davis", "mawt": "Antarctica/Mawson", "amst": "Asia/Yerevan", "anast": "Asia/Anadyr",
	"anat": "Asia/Anadyr", "azst": "Asia/Baku", "azt": "Asia/Baku", "gest": "Asia/Tbilisi",
	"get": "Asia/Tbilisi", "irkst": "Asia/Irkutsk", "irkt": "Asia/Irkutsk", "kgt": "Asia/Bishkek",
	"krast": "Asia/Krasnoyarsk", "krat": "Asia/Krasnoyarsk", "lkt": "Asia/Colombo", "magst": "Asia/Magadan",
	"magt": "Asia/Magadan", "novst": "Asia/Novosibirsk", "novt": "Asia/Novosibirsk", "omsst": "Asia/Omsk",
	"omst": "Asia/Omsk", "petst": "Asia/Kamchatka", "pett": "Asia/Kamchatka", "sgt": "Asia/Singapore",
	"tmt": "Asia/Ashgabat", "ulat": "Asia/Ulaanbaatar", "vlast": "Asia/Vladivostok", "vlat": "Asia/Vladivostok",
	"yakst": "Asia/Yakutsk", "yakt": "Asia/Yakutsk", "yekt": "Asia/Yekaterinburg", "fkst": "Atlantic/Stanley",
	"fkt": "Atlantic/Stanley", "lhdt": "Australia/Lord_Howe", "msk": "Europe/Moscow",
	"volt": "Europe/Volgograd", "iot": "Indian/Chagos", "ckt": "Pacific/Rarotonga", "easst": "Pacific/Easter",
	"east": "Pacific/Easter", "kost": "Pacific/Kosrae", "lint": "Pacific/Kiritimati", "nut": "Pacific/Niue",
	"tkt": "Pacific/Fakaofo",
}

// lookupZoneAbbrev finds a lower-cased abbreviation. kind is tkTZ or tkDTZ
// with off its fixed offset east of UTC, or tkDynTZ with the zone to
// resolve it in.
func lookupZoneAbbrev(f []byte) (kind, off int, zone string, ok bool) {
	key := tokenKey(f)
	if z, ok := dynamicZoneAbbrevs[key]; ok {
		return tkDynTZ, 0, z, true
	}
	a, ok := zoneAbbrevs[key]
	if !ok {
		return 0, 0, "", false
	}
	if a.dst {
		return tkDTZ, a.offset, "", true
	}
	return tkTZ, a.offset, "", true
}

// determineAbbrevOffset is DetermineTimeZoneAbbrevOffset: the offset
// (seconds west) a dynamic abbreviation had in loc around a local time: the
// latest period at or before it that used the abbreviation, else the first
// after it, else the zone's own offset then.
func determineAbbrevOffset(tm *pgTM, abbrev string, loc *time.Location) int64 {
	zoneOff := determineOffset(tm, loc)
	at := daysFromCivil(tm.year, tm.mon, tm.mday)*secPerDay + tm.sec + (tm.min+tm.hour*60)*60 + zoneOff
	want := strings.ToUpper(abbrev)
	x := at
	for i := 0; i < 5000; i++ {
		t := time.Unix(x, 0).In(loc)
		if name, off := t.Zone(); name == want {
			return -int64(off)
		}
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			break
		}
		x = start.Unix() - 1
	}
	x = at
	for i := 0; i < 5000; i++ {
		t := time.Unix(x, 0).In(loc)
		if name, off := t.Zone(); name == want {
			return -int64(off)
		}
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		x = end.Unix()
	}
	return zoneOff
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
