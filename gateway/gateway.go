// Package gateway owns SQL sessions: the PostgreSQL behaviour a client sees
// between the wire protocol and the query engine. A Session keeps the
// run-time settings (SET/SHOW/RESET/DISCARD), the transaction state
// (BEGIN/COMMIT/ROLLBACK/SAVEPOINT and the failed-block 25P02 rule),
// prepared statements, portals and cursors (DECLARE/FETCH/MOVE/CLOSE), the
// statement timeout and cancellation, and it counts and logs every query.
//
// It implements wire.Handler and wire.Session, asks the planner to parse
// and bind, and streams engine results batch by batch to the wire. It must
// not know protocol bytes (wire does), SQL grammar (planner does) or how
// rows are computed (engine does).
package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Planner parses and binds SQL; *planner.Planner is the implementation.
type Planner interface {
	Parse(sql string) ([]planner.Statement, error)
	Bind(q *planner.Query, state *catalog.State, env planner.Env, paramTypes []pgtype.Type) (*planner.Bound, error)
}

// Engine runs bound plans; *engine.Engine is the implementation.
type Engine interface {
	Execute(ctx context.Context, root plan.Node, params []pgtype.Datum, opts ...engine.Option) (engine.Stream, error)
}

// DefaultDatabase is the one database name Sluice answers to unless
// configured otherwise.
const DefaultDatabase = "sluice"

// Config is what sessions are made with.
type Config struct {
	// Database is the only database name clients may connect to
	// (DefaultDatabase if empty); any other gets 3D000.
	Database string
	// Version is Sluice's own version, shown in server_version and
	// version().
	Version string
	// Settings are server-wide defaults of run-time parameters
	// (postgresql.conf's role), e.g. statement_timeout or search_path.
	// Validate them with CheckSettings.
	Settings map[string]string
	// Cache is the result cache and how to use it (none if Cache.Cache is
	// nil).
	Cache CacheConfig
}

// Gateway makes sessions. It is safe for concurrent use.
type Gateway struct {
	cfg      Config
	catalog  catalog.Source
	planner  Planner
	engine   Engine
	metrics  *Metrics
	log      *slog.Logger
	defaults map[string]string // boot values overlaid with Config.Settings
	nextID   atomic.Uint64
	sessions sync.Map // id → *Session, the live ones (pg_stat_activity)

	plans *planMemo // bound plans shared by sessions (cache_plans.go)
}

// New returns a gateway serving catalog through planner and engine. metrics
// may be nil (nothing is counted); logger nil means slog.Default().
func New(cfg Config, source catalog.Source, p Planner, e Engine, metrics *Metrics, logger *slog.Logger) (*Gateway, error) {
	if cfg.Database == "" {
		cfg.Database = DefaultDatabase
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if logger == nil {
		logger = slog.Default()
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	defaults := bootValues()
	defaults["server_version"] = ServerVersion(cfg.Version)
	if err := applyDefaults(defaults, cfg.Settings); err != nil {
		return nil, err
	}
	if cfg.Cache.Cache != nil {
		source = useCache(cfg.Cache.Cache, source, metrics)
	}
	return &Gateway{cfg: cfg, catalog: source, planner: p, engine: e, metrics: metrics, log: logger, defaults: defaults,
		plans: newPlanMemo()}, nil
}

// ServerVersion is the server_version Sluice reports: PostgreSQL 15's
// number first, which drivers parse, then Sluice's own, as distributions
// add theirs ("15.18 (Debian ...)").
func ServerVersion(version string) string {
	return fmt.Sprintf("15.0 (Sluice %s)", version)
}

// CheckSettings validates server-wide parameter defaults, naming the first
// bad one.
func CheckSettings(settings map[string]string) error {
	return applyDefaults(bootValues(), settings)
}

func applyDefaults(into map[string]string, settings map[string]string) error {
	names := make([]string, 0, len(settings))
	for n := range settings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		lower := strings.ToLower(n)
		p := lookupParam(lower)
		if p == nil {
			if validCustomName(lower) {
				into[lower] = settings[n]
				continue
			}
			return fmt.Errorf("settings: unknown parameter %q", n)
		}
		if p.ctx == ctxInternal || isTxParam(lower) || lower == "session_authorization" || lower == "role" {
			return fmt.Errorf("settings: parameter %q cannot be configured", n)
		}
		v, err := p.normalize(lower, settings[n], into[lower])
		if err != nil {
			return fmt.Errorf("settings: %s", pgerr.Convert(err).Message)
		}
		into[lower] = v
	}
	return nil
}

// startupSkip are StartupMessage parameters that are not run-time
// settings.
var startupSkip = map[string]bool{"user": true, "database": true, "options": true, "replication": true}

// NewSession implements wire.Handler: it checks the database, applies the
// client's startup parameters and reports the GUC_REPORT parameters in the
// order PostgreSQL 15 sends them.
func (g *Gateway) NewSession(ctx context.Context, info wire.StartupInfo) (wire.Session, []wire.ParameterStatus, error) {
	db := info.Database
	if db == "" {
		db = info.User
	}
	if db != g.cfg.Database {
		return nil, nil, pgerr.Fatal(pgerr.InvalidCatalogName, "database \"%s\" does not exist", db)
	}
	if r, ok := info.Params["replication"]; ok {
		if b, isBool := parseBool(r); !isBool || b {
			return nil, nil, pgerr.Fatal(pgerr.FeatureNotSupported, "Sluice does not support replication connections")
		}
	}
	s := newSession(g, info, db)

	// PostgreSQL applies "options" first, then the other parameters, which
	// therefore win; values given at startup become RESET's target.
	var startup [][2]string
	if opts := info.Params["options"]; opts != "" {
		pairs, err := parseOptions(opts)
		if err != nil {
			return nil, nil, err
		}
		startup = append(startup, pairs...)
	}
	names := make([]string, 0, len(info.Params))
	for n := range info.Params {
		if !startupSkip[n] && !strings.HasPrefix(n, "_pq_.") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		startup = append(startup, [2]string{n, info.Params[n]})
	}
	for _, kv := range startup {
		if err := s.applyStartup(kv[0], kv[1]); err != nil {
			pe := pgerr.Convert(err)
			pe.Severity = pgerr.SeverityFatal
			return nil, nil, pe
		}
	}

	var status []wire.ParameterStatus
	for _, p := range params {
		if p.report {
			v := s.showValue(strings.ToLower(p.name))
			s.reported[p.name] = v
			status = append(status, wire.ParameterStatus{Name: p.name, Value: v})
		}
	}
	g.sessions.Store(s.id, s)
	g.metrics.connectionsOpen.Inc()
	g.log.Debug("session opened", "session", s.id, "user", s.user, "remote", addrString(info.RemoteAddr),
		"application_name", s.showValue("application_name"))
	return s, status, nil
}

// parseOptions reads the "options" startup parameter: command-line
// switches "-c name=value" and "--name=value", separated by spaces, with
// backslash escaping a space.
func parseOptions(opts string) ([][2]string, error) {
	var args []string
	var cur strings.Builder
	have := false
	for i := 0; i < len(opts); i++ {
		c := opts[i]
		switch {
		case c == '\\' && i+1 < len(opts):
			i++
			cur.WriteByte(opts[i])
			have = true
		case c == ' ' || c == '\t' || c == '\n':
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	var out [][2]string
	bad := func(a string) error {
		return pgerr.Fatal(pgerr.SyntaxError, "invalid command-line argument for server process: %s", a).
			WithHint("Try \"postgres --help\" for more information.")
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var kv string
		switch {
		case a == "-c":
			if i+1 >= len(args) {
				return nil, bad(a)
			}
			i++
			kv = args[i]
		case strings.HasPrefix(a, "-c"):
			kv = a[2:]
		case strings.HasPrefix(a, "--"):
			kv = a[2:]
		default:
			return nil, bad(a)
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			if strings.HasPrefix(a, "--") {
				return nil, pgerr.Fatal(pgerr.SyntaxError, "--%s requires a value", kv)
			}
			return nil, pgerr.Fatal(pgerr.SyntaxError, "-c %s requires a value", kv)
		}
		out = append(out, [2]string{strings.ReplaceAll(name, "-", "_"), value})
	}
	return out, nil
}
