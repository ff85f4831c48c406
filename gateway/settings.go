package gateway

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// paramKind is a run-time parameter's value type, as pg_settings.vartype.
type paramKind int

const (
	kindBool paramKind = iota
	kindInt
	kindReal
	kindEnum
	kindString
)

// paramContext says who may change a parameter, as pg_settings.context.
type paramContext int

const (
	ctxUser       paramContext = iota // any session
	ctxInternal                       // never: it describes the server
	ctxPostmaster                     // only at server start
	ctxSuperuser                      // superusers only; Sluice sessions are not
)

// param is one run-time parameter PostgreSQL 15 has. The table holds the
// ones clients read or set; any other name is 42704, as in PostgreSQL,
// except custom "prefix.name" placeholders.
type param struct {
	name   string // canonical spelling: SHOW's column name, ParameterStatus
	kind   paramKind
	ctx    paramContext
	boot   string // value before any configuration, in SHOW's form
	desc   string
	unit   string // base unit of an int: ms, s, kB, 8kB
	min    float64
	max    float64
	enum   []string
	report bool // GUC_REPORT: ParameterStatus when it changes
	list   bool // GUC_LIST_INPUT: SET accepts several values
	quote  bool // GUC_LIST_QUOTE: SET's values are identifiers
	hidden bool // GUC_NO_SHOW_ALL
	// check canonicalises a value; cur is the current value (DateStyle
	// keeps the half not given). Its error becomes 22023 with the
	// returned text as DETAIL.
	check func(v, cur string) (string, error)
}

const maxInt32 = math.MaxInt32

// params is PostgreSQL 15's table, trimmed to what clients touch. Defaults
// and descriptions are PostgreSQL's (pg_settings.boot_val, short_desc).
var params = []*param{
	{name: "application_name", kind: kindString, desc: "Sets the application name to be reported in statistics and logs.", report: true, check: checkApplicationName},
	{name: "array_nulls", kind: kindBool, boot: "on", desc: "Enable input of NULL elements in arrays."},
	{name: "backslash_quote", kind: kindEnum, boot: "safe_encoding", enum: []string{"safe_encoding", "on", "off"}, desc: `Sets whether "\'" is allowed in string literals.`},
	{name: "block_size", kind: kindInt, ctx: ctxInternal, boot: "8192", min: 8192, max: 8192, desc: "Shows the size of a disk block."},
	{name: "bytea_output", kind: kindEnum, boot: "hex", enum: []string{"escape", "hex"}, desc: "Sets the output format for bytea."},
	{name: "check_function_bodies", kind: kindBool, boot: "on", desc: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE."},
	{name: "client_connection_check_interval", kind: kindInt, unit: "ms", boot: "0", min: 0, max: maxInt32, desc: "Sets the time interval between checks for disconnection while running queries."},
	{name: "client_encoding", kind: kindString, boot: "UTF8", desc: "Sets the client's character set encoding.", report: true, check: checkClientEncoding},
	{name: "client_min_messages", kind: kindEnum, boot: "notice", enum: []string{"debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"}, desc: "Sets the message levels that are sent to the client."},
	{name: "cursor_tuple_fraction", kind: kindReal, boot: "0.1", min: 0, max: 1, desc: "Sets the planner's estimate of the fraction of a cursor's rows that will be retrieved."},
	{name: "DateStyle", kind: kindString, boot: "ISO, MDY", desc: "Sets the display format for date and time values.", report: true, list: true, check: checkDateStyle},
	{name: "default_tablespace", kind: kindString, desc: "Sets the default tablespace to create tables and indexes in."},
	{name: "default_text_search_config", kind: kindString, boot: "pg_catalog.simple", desc: "Sets default text search configuration."},
	{name: "default_transaction_deferrable", kind: kindBool, boot: "off", desc: "Sets the default deferrable status of new transactions."},
	{name: "default_transaction_isolation", kind: kindEnum, boot: "read committed", enum: isolationLevels, desc: "Sets the transaction isolation level of each new transaction."},
	// Sluice only reads, so every transaction is read-only; reporting it
	// lets libpq's target_session_attrs=read-write look elsewhere.
	{name: "default_transaction_read_only", kind: kindBool, boot: "on", desc: "Sets the default read-only status of new transactions.", report: true},
	{name: "effective_cache_size", kind: kindInt, unit: "8kB", boot: "524288", min: 1, max: maxInt32, desc: "Sets the planner's assumption about the total size of the data caches."},
	{name: "enable_hashjoin", kind: kindBool, boot: "on", desc: "Enables the planner's use of hash join plans."},
	{name: "enable_indexscan", kind: kindBool, boot: "on", desc: "Enables the planner's use of index-scan plans."},
	{name: "enable_mergejoin", kind: kindBool, boot: "on", desc: "Enables the planner's use of merge join plans."},
	{name: "enable_nestloop", kind: kindBool, boot: "on", desc: "Enables the planner's use of nested-loop join plans."},
	{name: "enable_seqscan", kind: kindBool, boot: "on", desc: "Enables the planner's use of sequential-scan plans."},
	{name: "escape_string_warning", kind: kindBool, boot: "on", desc: "Warn about backslash escapes in ordinary string literals."},
	{name: "extra_float_digits", kind: kindInt, boot: "1", min: -15, max: 3, desc: "Sets the number of digits displayed for floating-point values."},
	{name: "from_collapse_limit", kind: kindInt, boot: "8", min: 1, max: maxInt32, desc: "Sets the FROM-list size beyond which subqueries are not collapsed."},
	{name: "geqo", kind: kindBool, boot: "on", desc: "Enables genetic query optimization."},
	{name: "idle_in_transaction_session_timeout", kind: kindInt, unit: "ms", boot: "0", min: 0, max: maxInt32, desc: "Sets the maximum allowed idle time between queries, when in a transaction."},
	{name: "idle_session_timeout", kind: kindInt, unit: "ms", boot: "0", min: 0, max: maxInt32, desc: "Sets the maximum allowed idle time between queries, when not in a transaction."},
	{name: "in_hot_standby", kind: kindBool, ctx: ctxInternal, boot: "off", desc: "Shows whether hot standby is currently active.", report: true},
	{name: "integer_datetimes", kind: kindBool, ctx: ctxInternal, boot: "on", desc: "Shows whether datetimes are integer based.", report: true},
	{name: "IntervalStyle", kind: kindEnum, boot: "postgres", enum: []string{"postgres", "postgres_verbose", "sql_standard", "iso_8601"}, desc: "Sets the display format for interval values.", report: true},
	{name: "is_superuser", kind: kindBool, ctx: ctxInternal, boot: "off", desc: "Shows whether the current user is a superuser.", report: true, hidden: true},
	{name: "jit", kind: kindBool, boot: "on", desc: "Allow JIT compilation."},
	{name: "join_collapse_limit", kind: kindInt, boot: "8", min: 1, max: maxInt32, desc: "Sets the FROM-list size beyond which JOIN constructs are not flattened."},
	// Sluice compares text bytewise, which is the C collation.
	{name: "lc_collate", kind: kindString, ctx: ctxInternal, boot: "C", desc: "Shows the collation order locale."},
	{name: "lc_ctype", kind: kindString, ctx: ctxInternal, boot: "C", desc: "Shows the character classification and case conversion locale."},
	{name: "lc_messages", kind: kindString, ctx: ctxSuperuser, boot: "C", desc: "Sets the language in which messages are displayed."},
	{name: "lc_monetary", kind: kindString, boot: "C", desc: "Sets the locale for formatting monetary amounts."},
	{name: "lc_numeric", kind: kindString, boot: "C", desc: "Sets the locale for formatting numbers."},
	{name: "lc_time", kind: kindString, boot: "C", desc: "Sets the locale for formatting date and time values."},
	{name: "lock_timeout", kind: kindInt, unit: "ms", boot: "0", min: 0, max: maxInt32, desc: "Sets the maximum allowed duration of any wait for a lock."},
	{name: "maintenance_work_mem", kind: kindInt, unit: "kB", boot: "65536", min: 1024, max: maxInt32, desc: "Sets the maximum memory to be used for maintenance operations."},
	{name: "max_connections", kind: kindInt, ctx: ctxPostmaster, boot: "100", min: 1, max: 262143, desc: "Sets the maximum number of concurrent connections."},
	{name: "max_identifier_length", kind: kindInt, ctx: ctxInternal, boot: "63", min: 63, max: 63, desc: "Shows the maximum identifier length."},
	{name: "max_index_keys", kind: kindInt, ctx: ctxInternal, boot: "32", min: 32, max: 32, desc: "Shows the maximum number of index keys."},
	{name: "max_parallel_workers_per_gather", kind: kindInt, boot: "2", min: 0, max: 1024, desc: "Sets the maximum number of parallel processes per executor node."},
	{name: "password_encryption", kind: kindEnum, boot: "scram-sha-256", enum: []string{"md5", "scram-sha-256"}, desc: "Chooses the algorithm for encrypting passwords."},
	{name: "plan_cache_mode", kind: kindEnum, boot: "auto", enum: []string{"auto", "force_generic_plan", "force_custom_plan"}, desc: "Controls the planner's selection of custom or generic plan."},
	{name: "quote_all_identifiers", kind: kindBool, boot: "off", desc: "When generating SQL fragments, quote all identifiers."},
	{name: "random_page_cost", kind: kindReal, boot: "4", min: 0, max: math.MaxFloat64, desc: "Sets the planner's estimate of the cost of a nonsequentially fetched disk page."},
	{name: "role", kind: kindString, boot: "none", desc: "Sets the current role.", hidden: true},
	{name: "row_security", kind: kindBool, boot: "on", desc: "Enable row security."},
	{name: "search_path", kind: kindString, boot: `"$user", public`, desc: "Sets the schema search order for names that are not schema-qualified.", list: true, quote: true, check: checkSearchPath},
	{name: "seq_page_cost", kind: kindReal, boot: "1", min: 0, max: math.MaxFloat64, desc: "Sets the planner's estimate of the cost of a sequentially fetched disk page."},
	{name: "server_encoding", kind: kindString, ctx: ctxInternal, boot: "UTF8", desc: "Shows the server (database) character set encoding.", report: true},
	{name: "server_version", kind: kindString, ctx: ctxInternal, boot: "15.0", desc: "Shows the server version.", report: true},
	{name: "server_version_num", kind: kindInt, ctx: ctxInternal, boot: "150000", min: 150000, max: 150000, desc: "Shows the server version as an integer."},
	{name: "session_authorization", kind: kindString, desc: "Sets the session user name.", report: true, hidden: true},
	// Sluice's own: routing (docs/routing.md).
	{name: "sluice.route", kind: kindString, desc: "Runs queries on this route (local or a Trino tier), whatever the routing rules say; empty lets the rules choose."},
	{name: "sluice.client_tags", kind: kindString, desc: "Client tags (comma-separated) that routing rules match and Trino receives."},
	// Sluice's own: the result cache (docs/cache.md) and time travel.
	{name: "sluice.as_of", kind: kindString, desc: "Reads Iceberg tables as of a time or snapshot:<id> (empty: the current snapshot).", check: checkAsOf},
	{name: "sluice.cache", kind: kindEnum, boot: "on", enum: []string{"on", "off", "refresh"}, desc: "Answers queries from the result cache (on), never (off), or recomputes and replaces entries (refresh)."},
	{name: "sluice.max_staleness", kind: kindInt, unit: "s", boot: "0", min: 0, max: maxInt32, desc: "Serves a cached result up to this long after a commit made it stale, while one background refresh recomputes it (0: the layer's configured staleness)."},
	{name: "session_replication_role", kind: kindEnum, ctx: ctxSuperuser, boot: "origin", enum: []string{"origin", "replica", "local"}, desc: "Sets the session's behavior for triggers and rewrite rules."},
	// The SQL parser always reads strings as standard-conforming, so the
	// setting cannot be turned off (see checkStandardStrings).
	{name: "standard_conforming_strings", kind: kindBool, boot: "on", desc: "Causes '...' strings to treat backslashes literally.", report: true, check: checkStandardStrings},
	{name: "statement_timeout", kind: kindInt, unit: "ms", boot: "0", min: 0, max: maxInt32, desc: "Sets the maximum allowed duration of any statement."},
	{name: "synchronous_commit", kind: kindEnum, boot: "on", enum: []string{"local", "remote_write", "remote_apply", "on", "off"}, desc: "Sets the current transaction's synchronization level."},
	{name: "tcp_keepalives_idle", kind: kindInt, unit: "s", boot: "0", min: 0, max: maxInt32, desc: "Time between issuing TCP keepalives."},
	{name: "temp_buffers", kind: kindInt, unit: "8kB", boot: "1024", min: 100, max: 1073741823, desc: "Sets the maximum number of temporary buffers used by each session."},
	{name: "TimeZone", kind: kindString, boot: "UTC", desc: "Sets the time zone for displaying and interpreting time stamps.", report: true, check: checkTimeZone},
	{name: "timezone_abbreviations", kind: kindString, boot: "Default", desc: "Selects a file of time zone abbreviations."},
	{name: "transaction_deferrable", kind: kindBool, boot: "off", desc: "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures."},
	{name: "transaction_isolation", kind: kindEnum, boot: "read committed", enum: isolationLevels, desc: "Sets the current transaction's isolation level."},
	{name: "transaction_read_only", kind: kindBool, boot: "on", desc: "Sets the current transaction's read-only status."},
	{name: "work_mem", kind: kindInt, unit: "kB", boot: "4096", min: 64, max: maxInt32, desc: "Sets the maximum memory to be used for query workspaces."},
	{name: "xmloption", kind: kindEnum, boot: "content", enum: []string{"content", "document"}, desc: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments."},
}

var isolationLevels = []string{"serializable", "repeatable read", "read committed", "read uncommitted"}

// paramsByName indexes params by lower-cased name; it is built once and
// never written, so sessions share it.
var paramsByName = func() map[string]*param {
	m := make(map[string]*param, len(params))
	for _, p := range params {
		m[strings.ToLower(p.name)] = p
		if p.kind == kindInt && p.unit != "" {
			// The table gives boot values in base units, as pg_settings
			// does; SHOW gives them in the largest exact unit.
			n, err := parseIntWithUnit(p.boot, p.unit)
			if err != nil {
				panic("bad boot value of " + p.name)
			}
			p.boot = formatIntWithUnit(n, p.unit)
		}
	}
	return m
}()

// Parameters whose value lives in the transaction, not in the session's
// value map: each transaction starts from the default_ ones.
func isTxParam(name string) bool {
	switch name {
	case "transaction_isolation", "transaction_read_only", "transaction_deferrable":
		return true
	}
	return false
}

// lookupParam finds a parameter by any spelling.
func lookupParam(name string) *param { return paramsByName[strings.ToLower(name)] }

// settingValues is one immutable set of parameter values, keyed by
// lower-cased name. A change makes a new one, so a transaction or savepoint
// remembers earlier values by keeping a pointer.
type settingValues struct {
	m map[string]string
	// derived caches what is computed from m on first use; safe because
	// a session uses its values from one goroutine and m never changes.
	derived *derivedSettings
}

type derivedSettings struct {
	enc        *pgtype.Settings
	timeout    time.Duration
	searchPath []string // as listed, quotes removed; "$user" still unexpanded
}

func (v *settingValues) get(name string) (string, bool) {
	s, ok := v.m[name]
	return s, ok
}

// with returns a copy of v with name set to value.
func (v *settingValues) with(name, value string) *settingValues {
	m := make(map[string]string, len(v.m)+1)
	for k, x := range v.m {
		m[k] = x
	}
	m[name] = value
	return &settingValues{m: m}
}

func (v *settingValues) derive() *derivedSettings {
	if v.derived != nil {
		return v.derived
	}
	d := &derivedSettings{enc: pgtype.DefaultSettings()}
	d.enc.DateStyle = v.m["datestyle"]
	d.enc.IntervalStyle = v.m["intervalstyle"]
	if loc, _, err := loadTimeZone(v.m["timezone"]); err == nil {
		d.enc.TimeZone = loc
	}
	if n, err := strconv.Atoi(v.m["extra_float_digits"]); err == nil {
		d.enc.ExtraFloatDigits = n
	}
	d.enc.ByteaOutput = v.m["bytea_output"]
	if ms, err := parseIntWithUnit(v.m["statement_timeout"], "ms"); err == nil {
		d.timeout = time.Duration(ms) * time.Millisecond
	}
	d.searchPath, _ = splitIdentifiers(v.m["search_path"])
	v.derived = d
	return d
}

// bootValues is every parameter at its boot value.
func bootValues() map[string]string {
	m := make(map[string]string, len(params))
	for _, p := range params {
		if !isTxParam(strings.ToLower(p.name)) {
			m[strings.ToLower(p.name)] = p.boot
		}
	}
	return m
}

// errUnrecognized is PostgreSQL's answer for an unknown parameter.
func errUnrecognized(name string) *pgerr.Error {
	return pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
}

// validCustomName reports whether name is a custom placeholder PostgreSQL
// accepts: two or more identifiers joined by dots.
func validCustomName(name string) bool {
	if !strings.Contains(name, ".") {
		return false
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 ||
				i > 0 && (r >= '0' && r <= '9' || r == '$')
			if !ok {
				return false
			}
		}
	}
	return true
}

// normalize validates value for p and returns it in SHOW's form. name is
// the spelling the client used, which PostgreSQL's generic messages quote.
func (p *param) normalize(name, value, cur string) (string, error) {
	switch p.kind {
	case kindBool:
		b, ok := parseBool(value)
		if !ok {
			return "", pgerr.New(pgerr.InvalidParameterValue, "parameter \"%s\" requires a Boolean value", name)
		}
		value = "off"
		if b {
			value = "on"
		}
	case kindInt:
		n, err := parseIntWithUnit(value, p.unit)
		if err != nil {
			e := pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", name, value)
			if p.unit != "" {
				e.Hint = unitHint(p.unit)
			}
			return "", e
		}
		if float64(n) < p.min || float64(n) > p.max {
			return "", pgerr.New(pgerr.InvalidParameterValue, "%d%s is outside the valid range for parameter \"%s\" (%d .. %d)",
				n, unitSuffix(p.unit), name, int64(p.min), int64(p.max))
		}
		value = formatIntWithUnit(n, p.unit)
	case kindReal:
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(f) {
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", name, value)
		}
		if f < p.min || f > p.max {
			return "", pgerr.New(pgerr.InvalidParameterValue, "%s is outside the valid range for parameter \"%s\" (%s .. %s)",
				formatFloat(f), name, formatFloat(p.min), formatFloat(p.max))
		}
		value = formatFloat(f)
	case kindEnum:
		found := false
		for _, e := range p.enum {
			if strings.EqualFold(e, strings.TrimSpace(value)) {
				value, found = e, true
				break
			}
		}
		if !found {
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", name, value).
				WithHint("Available values: %s.", strings.Join(p.enum, ", "))
		}
	}
	if p.check != nil {
		v, err := p.check(value, cur)
		if err != nil {
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", p.name, value).
				WithDetail("%s", err.Error())
		}
		value = v
	}
	return value, nil
}

// parseBool accepts what PostgreSQL's parse_bool does: unique prefixes of
// true/false/yes/no, on/off, 1/0, in any case.
func parseBool(s string) (bool, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return false, false
	}
	switch {
	case strings.HasPrefix("true", v), strings.HasPrefix("yes", v), v == "on", v == "1":
		return true, true
	case strings.HasPrefix("false", v), strings.HasPrefix("no", v), len(v) >= 2 && strings.HasPrefix("off", v), v == "0":
		return false, true
	}
	return false, false
}

// Units of integer parameters, as PostgreSQL's guc.c tables: each unit
// named relative to the parameter's base unit.
var (
	timeUnitsMs = []unitDef{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}
	timeUnitsS  = []unitDef{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}, {"ms", 0.001}, {"us", 0.000001}}
	memUnitsKB  = []unitDef{{"TB", 1 << 30}, {"GB", 1 << 20}, {"MB", 1 << 10}, {"kB", 1}, {"B", 1.0 / 1024}}
	memUnits8KB = []unitDef{{"TB", 1 << 27}, {"GB", 1 << 17}, {"MB", 1 << 7}, {"kB", 1.0 / 8}, {"B", 1.0 / 8192}}
)

type unitDef struct {
	name string
	mult float64 // how many base units one of this unit is
}

func unitsFor(base string) []unitDef {
	switch base {
	case "ms":
		return timeUnitsMs
	case "s":
		return timeUnitsS
	case "kB":
		return memUnitsKB
	case "8kB":
		return memUnits8KB
	}
	return nil
}

func unitHint(base string) string {
	switch base {
	case "ms", "s":
		return `Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`
	}
	return `Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".`
}

// unitSuffix is how PostgreSQL's range error names the base unit.
func unitSuffix(base string) string {
	if base == "" {
		return ""
	}
	return " " + base
}

// parseIntWithUnit reads "5000", "5s", "1.5 min", "4MB" into base units,
// rounding as PostgreSQL does.
func parseIntWithUnit(s, base string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '+' || s[i] == 'e' || s[i] == 'E') {
		if (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && !(s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-' || s[i+1] == '+') {
			break
		}
		i++
	}
	num, rest := s[:i], strings.TrimSpace(s[i:])
	if num == "" {
		return 0, fmt.Errorf("no number")
	}
	var f float64
	if n, err := strconv.ParseInt(num, 0, 64); err == nil {
		f = float64(n)
	} else if x, err := strconv.ParseFloat(num, 64); err == nil {
		f = x
	} else {
		return 0, err
	}
	if rest != "" {
		units := unitsFor(base)
		found := false
		for _, u := range units {
			if u.name == rest {
				f *= u.mult
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("bad unit %q", rest)
		}
	}
	f = math.RoundToEven(f)
	if f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return 0, fmt.Errorf("out of range")
	}
	return int64(f), nil
}

// formatIntWithUnit is SHOW's form: the largest unit that divides the
// value exactly; zero and negatives plain.
func formatIntWithUnit(n int64, base string) string {
	if n <= 0 || base == "" {
		return strconv.FormatInt(n, 10)
	}
	if base == "8kB" {
		n, base = n*8, "kB"
	}
	for _, u := range unitsFor(base) {
		if u.mult < 1 {
			continue
		}
		m := int64(u.mult)
		if n%m == 0 {
			return strconv.FormatInt(n/m, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + base
}

func formatFloat(f float64) string {
	if f == math.MaxFloat64 {
		return "1.79769e+308"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func checkApplicationName(v, _ string) (string, error) {
	// PostgreSQL replaces non-ASCII bytes with '?' (it cannot know the
	// encoding of another backend reading it); keep that.
	b := []byte(v)
	changed := false
	for i, c := range b {
		if c < 32 || c > 126 {
			b[i] = '?'
			changed = true
		}
	}
	if changed {
		return string(b), nil
	}
	return v, nil
}

func checkClientEncoding(v, _ string) (string, error) {
	if v == "UNICODE" {
		return v, nil // PostgreSQL keeps this old spelling as given
	}
	switch strings.ToUpper(strings.NewReplacer("-", "", "_", "").Replace(strings.TrimSpace(v))) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	}
	return "", fmt.Errorf("Sluice speaks only UTF8.")
}

func checkStandardStrings(v, _ string) (string, error) {
	if v != "on" {
		return "", fmt.Errorf("Sluice parses SQL with standard_conforming_strings on.")
	}
	return v, nil
}

// checkDateStyle follows PostgreSQL's check_datestyle: an output style and
// a field order, either of which may be omitted (keeping the current one).
func checkDateStyle(v, cur string) (string, error) {
	curStyle, curOrder := "ISO", "MDY"
	if parts := strings.SplitN(cur, ", ", 2); len(parts) == 2 {
		curStyle, curOrder = parts[0], parts[1]
	}
	style, order := "", ""
	conflict := false
	setStyle := func(s string) {
		if style != "" && style != s {
			conflict = true
		}
		style = s
	}
	setOrder := func(o string) {
		if order != "" && order != o {
			conflict = true
		}
		order = o
	}
	germanOrder := false
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		switch strings.ToUpper(tok) {
		case "ISO":
			setStyle("ISO")
		case "SQL":
			setStyle("SQL")
		case "POSTGRES":
			setStyle("Postgres")
		case "GERMAN":
			setStyle("German")
			germanOrder = true
		case "YMD":
			setOrder("YMD")
		case "DMY", "EURO", "EUROPEAN":
			setOrder("DMY")
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			setOrder("MDY")
		case "DEFAULT":
			setStyle("ISO")
			setOrder("MDY")
		default:
			return "", fmt.Errorf("Unrecognized key word: \"%s\".", tok)
		}
	}
	if conflict {
		return "", fmt.Errorf("Conflicting \"datestyle\" specifications.")
	}
	if order == "" && germanOrder {
		order = "DMY"
	}
	if style == "" {
		style = curStyle
	}
	if order == "" {
		order = curOrder
	}
	return style + ", " + order, nil
}

func checkSearchPath(v, _ string) (string, error) {
	if _, err := splitIdentifiers(v); err != nil {
		return "", fmt.Errorf("List syntax is invalid.")
	}
	return v, nil
}

// checkAsOf accepts a timestamp with time zone (canonicalised, UTC) or
// snapshot:<id>; empty turns time travel off.
func checkAsOf(v, _ string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if id, ok := strings.CutPrefix(v, "snapshot:"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || n <= 0 {
			return "", fmt.Errorf("\"%s\" is not snapshot:<id> with a positive snapshot id", v)
		}
		return "snapshot:" + strconv.FormatInt(n, 10), nil
	}
	d, err := pgtype.Decode(pgtype.Timestamptz, 0, []byte(v), pgtype.DefaultSettings())
	if err != nil {
		return "", fmt.Errorf("\"%s\" is neither a timestamp with time zone nor snapshot:<id>", v)
	}
	out, err := pgtype.AppendText(nil, pgtype.Timestamptz, d, pgtype.DefaultSettings())
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func checkTimeZone(v, _ string) (string, error) {
	_, name, err := loadTimeZone(v)
	if err != nil {
		return "", fmt.Errorf("time zone \"%s\" not recognized", v)
	}
	return name, nil
}

// loadTimeZone resolves a TimeZone value: an IANA name in any letter case
// (PostgreSQL looks names up case-insensitively and reports the file's
// spelling), a POSIX-style "UTC+3" (hours west, as POSIX counts), or a
// number of hours east as SET TIME ZONE -7 gives.
func loadTimeZone(v string) (*time.Location, string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, "", fmt.Errorf("empty time zone")
	}
	if strings.EqualFold(v, "utc") || strings.EqualFold(v, "z") || strings.EqualFold(v, "zulu") {
		return time.UTC, "UTC", nil
	}
	if h, err := strconv.ParseFloat(v, 64); err == nil {
		// SET TIME ZONE -7: hours east of UTC; PostgreSQL names it <-07>+07.
		secs := int(math.Round(h * 3600))
		name := posixOffsetName(secs)
		return time.FixedZone(name, secs), name, nil
	}
	for _, cand := range timeZoneCandidates(v) {
		if strings.HasPrefix(cand, "/") || strings.Contains(cand, "..") {
			continue
		}
		if loc, err := time.LoadLocation(cand); err == nil {
			return loc, cand, nil
		}
	}
	if loc, ok := posixZone(v); ok {
		return loc, v, nil
	}
	return nil, "", fmt.Errorf("unknown time zone %q", v)
}

// posixOffsetName renders an offset east of UTC the way PostgreSQL shows a
// numeric zone: <+02>-02, <-07>+07, <+05:30>-05:30.
func posixOffsetName(secsEast int) string {
	sign, inv := "+", "-"
	s := secsEast
	if s < 0 {
		sign, inv, s = "-", "+", -s
	}
	hm := fmt.Sprintf("%02d", s/3600)
	if m := s % 3600 / 60; m != 0 {
		hm += fmt.Sprintf(":%02d", m)
	}
	if secsEast == 0 {
		return "<+00>+00"
	}
	return "<" + sign + hm + ">" + inv + hm
}

// posixZone reads "ABC+3", "UTC-05:30", "<+07>-07": a name and an offset
// west of UTC. Daylight rules are not supported.
func posixZone(v string) (*time.Location, bool) {
	i := 0
	if strings.HasPrefix(v, "<") {
		j := strings.IndexByte(v, '>')
		if j < 0 {
			return nil, false
		}
		i = j + 1
	} else {
		for i < len(v) && (v[i] >= 'a' && v[i] <= 'z' || v[i] >= 'A' && v[i] <= 'Z') {
			i++
		}
		// PostgreSQL also takes a bare offset ("+02:00", still west).
		if i > 0 && i < 3 {
			return nil, false
		}
	}
	rest := v[i:]
	if rest == "" {
		return nil, false
	}
	sign := 1
	switch rest[0] {
	case '+':
		rest = rest[1:]
	case '-':
		sign, rest = -1, rest[1:]
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 3 {
		return nil, false
	}
	secs := 0
	mult := 3600
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		secs += n * mult
		mult /= 60
	}
	if secs > 168*3600 {
		return nil, false
	}
	return time.FixedZone(v, -sign*secs), true
}

// timeZoneCandidates spells v the ways the tz database names files, since
// Go's loader is case-sensitive and PostgreSQL's is not.
func timeZoneCandidates(v string) []string {
	out := []string{v}
	segs := strings.Split(v, "/")
	title := make([]string, len(segs))
	upperShort := make([]string, len(segs))
	for i, s := range segs {
		title[i] = titleWords(s)
		if len(s) <= 4 && !strings.EqualFold(s, "etc") {
			upperShort[i] = strings.ToUpper(s)
		} else {
			upperShort[i] = title[i]
		}
	}
	out = append(out, strings.Join(title, "/"), strings.Join(upperShort, "/"), strings.ToUpper(v))
	return out
}

func titleWords(s string) string {
	b := []byte(strings.ToLower(s))
	start := true
	for i, c := range b {
		if start && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		start = c == '_' || c == '-' || c == '/'
	}
	return string(b)
}

// splitIdentifiers parses a comma-separated identifier list as
// PostgreSQL's SplitIdentifierString: unquoted names are lower-cased,
// "quoted" ones kept exactly.
func splitIdentifiers(s string) ([]string, error) {
	var out []string
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	skipSpace()
	if i == len(s) {
		return nil, nil
	}
	for {
		skipSpace()
		var name string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated quoted identifier")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			name = b.String() // may be empty: SET search_path = '' names no schema
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' && s[i] != '"' {
				i++
			}
			name = strings.ToLower(s[start:i])
			if name == "" {
				return nil, fmt.Errorf("empty identifier")
			}
		}
		out = append(out, name)
		skipSpace()
		if i == len(s) {
			return out, nil
		}
		if s[i] != ',' {
			return nil, fmt.Errorf("expected comma")
		}
		i++
	}
}

// quoteIdentifier quotes a name as PostgreSQL's quote_identifier, for
// list parameters whose SET values are identifiers (search_path).
func quoteIdentifier(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && (r >= '0' && r <= '9')) {
			plain = false
			break
		}
	}
	if plain && !isKeyword(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func isKeyword(s string) bool {
	switch s {
	case "all", "and", "any", "array", "as", "asc", "case", "cast", "check", "collate", "column",
		"constraint", "create", "default", "desc", "distinct", "do", "else", "end", "false", "for",
		"foreign", "from", "grant", "group", "having", "in", "into", "limit", "not", "null", "offset",
		"on", "only", "or", "order", "primary", "references", "select", "table", "then", "to", "true",
		"union", "unique", "user", "using", "when", "where", "with":
		return true
	}
	return false
}

// showAllRows lists SHOW ALL's rows for a session's values: every visible
// parameter and custom placeholder, sorted as PostgreSQL sorts them.
func showAllRows(get func(name string) (string, bool), custom []string) [][3]string {
	type row struct{ name, value, desc string }
	var rows []row
	for _, p := range params {
		if p.hidden {
			continue
		}
		v, _ := get(strings.ToLower(p.name))
		rows = append(rows, row{p.name, v, p.desc})
	}
	for _, c := range custom {
		v, _ := get(c)
		rows = append(rows, row{c, v, ""})
	}
	sort.Slice(rows, func(i, j int) bool { return strings.ToLower(rows[i].name) < strings.ToLower(rows[j].name) })
	out := make([][3]string, len(rows))
	for i, r := range rows {
		out[i] = [3]string{r.name, r.value, r.desc}
	}
	return out
}
