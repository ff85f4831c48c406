package catalog

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// pg_settings and pg_stat_activity describe the server and the session
// reading them, not the lake: their rows come from a SessionView that the
// gateway hands each query (through the engine, in the context of the
// scan). A table computed this way is SessionDependent: its rows are built
// per scan and never cached.

// SessionView is what the session-dependent catalog views read at query
// time.
type SessionView interface {
	// PGSetting is a run-time parameter's current value as pg_settings'
	// setting column shows it (a number with a unit in the parameter's
	// base unit: "5000" where SHOW says "5s"); ok is false for a
	// parameter the session does not track.
	PGSetting(name string) (value string, ok bool)
	// Backends are the live sessions of the server, for pg_stat_activity.
	Backends() []Backend
}

// Backend is one live session as pg_stat_activity shows it. Zero times are
// NULL.
type Backend struct {
	PID             int32
	Database        string
	User            string
	ApplicationName string
	ClientAddr      string // host part; "" for a Unix socket
	ClientPort      int32  // -1 for a Unix socket
	BackendStart    time.Time
	XactStart       time.Time
	QueryStart      time.Time
	StateChange     time.Time
	State           string // active, idle, idle in transaction, idle in transaction (aborted)
	Query           string
}

type sessionViewKey struct{}

// WithSessionView returns ctx carrying the session view the scans of
// session-dependent tables read.
func WithSessionView(ctx context.Context, v SessionView) context.Context {
	return context.WithValue(ctx, sessionViewKey{}, v)
}

func sessionViewFrom(ctx context.Context) SessionView {
	v, _ := ctx.Value(sessionViewKey{}).(SessionView)
	return v
}

//go:embed pg_settings.tsv
var pgSettingsTSV string

// settingRow is one exported pg_settings row, as text (nil NULL).
type settingRows struct {
	rows  [][]pgtype.Datum
	index map[string]int // lower-case name → row
}

var builtinSettings = sync.OnceValue(func() settingRows {
	s, err := parseSettings(pgSettingsTSV)
	if err != nil {
		panic(fmt.Sprintf("catalog: the embedded pg_settings.tsv is damaged: %v", err)) // a build defect
	}
	return s
})

// pg_settings' columns, PostgreSQL 15's.
const (
	setName = iota
	setSetting
	setUnit
	_ // category
	_ // short_desc
	_ // extra_desc
	_ // context
	_ // vartype
	setSource
	_ // min_val
	_ // max_val
	setEnumvals
	setBootVal
	setResetVal
	_ // sourcefile
	setSourceline
	setPendingRestart
	settingColumns
)

func parseSettings(text string) (settingRows, error) {
	out := settingRows{index: map[string]int{}}
	header := false
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		cells := strings.Split(line, "\t")
		if len(cells) != settingColumns {
			return out, fmt.Errorf("line %d has %d cells", i+1, len(cells))
		}
		if !header {
			header = true
			continue
		}
		row := make([]pgtype.Datum, len(cells))
		for j, c := range cells {
			if c == `\N` {
				continue
			}
			c = unescapeTSV(c)
			switch j {
			case setEnumvals:
				vals, err := parseTextArray(c)
				if err != nil {
					return out, fmt.Errorf("line %d: enumvals: %w", i+1, err)
				}
				row[j] = vals
			case setSourceline:
				n, err := strconv.ParseInt(c, 10, 32)
				if err != nil {
					return out, fmt.Errorf("line %d: sourceline: %w", i+1, err)
				}
				row[j] = n
			case setPendingRestart:
				row[j] = c == "t"
			default:
				row[j] = c
			}
		}
		out.index[strings.ToLower(row[setName].(string))] = len(out.rows)
		out.rows = append(out.rows, row)
	}
	return out, nil
}

// unescapeTSV undoes COPY's text escapes of the export.
func unescapeTSV(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r").Replace(s)
}

// parseTextArray reads a one-dimensional text array literal ({a,"b c"}).
func parseTextArray(s string) ([]string, error) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("not an array: %q", s)
	}
	body := s[1 : len(s)-1]
	var out []string
	for len(body) > 0 {
		var elem strings.Builder
		if body[0] == '"' {
			i := 1
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem.WriteByte(body[i])
			}
			if i >= len(body) {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			body = body[i+1:]
		} else {
			i := strings.IndexByte(body, ',')
			if i < 0 {
				i = len(body)
			}
			elem.WriteString(body[:i])
			body = body[i:]
		}
		out = append(out, elem.String())
		if len(body) > 0 {
			if body[0] != ',' {
				return nil, fmt.Errorf("malformed array %q", s)
			}
			body = body[1:]
		}
	}
	return out, nil
}

// pgSettingsRows are PostgreSQL's parameters at their defaults, with the
// values the session tracks put in (in pg_settings' base units).
func pgSettingsRows(_ *State, v SessionView) [][]pgtype.Datum {
	b := builtinSettings()
	out := make([][]pgtype.Datum, len(b.rows))
	for i, r := range b.rows {
		out[i] = r
		if v == nil {
			continue
		}
		val, ok := v.PGSetting(r[setName].(string))
		if !ok || val == r[setSetting] {
			continue
		}
		row := append([]pgtype.Datum(nil), r...)
		row[setSetting], row[setSource] = val, "session"
		out[i] = row
	}
	return out
}

// pgStatActivityRows are the server's live sessions.
func pgStatActivityRows(st *State, v SessionView) [][]pgtype.Datum {
	if v == nil {
		return nil
	}
	ts := func(t time.Time) pgtype.Datum {
		if t.IsZero() {
			return nil
		}
		return pgtype.TimestampValue(t.UnixMicro())
	}
	dbOID := int64(DatabaseOID)
	var out [][]pgtype.Datum
	for _, b := range v.Backends() {
		var addr, port pgtype.Datum
		if b.ClientAddr != "" {
			addr, port = b.ClientAddr, int64(b.ClientPort)
		} else {
			port = int64(-1)
		}
		userOID, _ := st.RoleOID(b.User)
		out = append(out, row{
			dbOID, b.Database, int64(b.PID), nil, oidv(userOID), b.User, b.ApplicationName, addr, nil, port,
			ts(b.BackendStart), ts(b.XactStart), ts(b.QueryStart), ts(b.StateChange), nil, nil, b.State,
			nil, nil, nil, b.Query, "client backend",
		})
	}
	return out
}

// sessionTables are the pg_catalog views computed from the session view,
// with PostgreSQL's columns.
func sessionTables() []*sysTable {
	def := func(name string, rows func(*State, SessionView) [][]pgtype.Datum) *sysTable {
		r := exported().byName[pgCatalogName+"."+name]
		return &sysTable{name: name, oid: r.oid, kind: r.kind, cols: r.cols, sessionRows: rows}
	}
	return []*sysTable{
		def("pg_settings", pgSettingsRows),
		def("pg_stat_activity", pgStatActivityRows),
	}
}
