package gateway

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// CacheConfig is how the gateway uses the result cache.
type CacheConfig struct {
	// Cache keeps results; nil: no result cache.
	Cache *cache.Cache
	// Routes are the routes whose results are cached (routeOf's names:
	// local, catalog, ...); nil: all.
	Routes []string
	// Staleness is how stale a result of each layer (schema) may be served
	// to sessions that did not SET sluice.max_staleness. A query's
	// staleness is the least of its tables' layers; a layer not listed
	// allows none.
	Staleness map[string]time.Duration
}

// Session settings of the cache.
const (
	settingCache        = "sluice.cache"         // on | off | refresh
	settingMaxStaleness = "sluice.max_staleness" // how stale a result may be served
	settingAsOf         = "sluice.as_of"         // time travel: a timestamp or snapshot:<id>
)

// keySettings are the settings that change a query's result (its values,
// or how the planner binds names and literals), so they are part of the
// cache key. bytea_output changes bytea cast to text.
var keySettings = []string{"timezone", "datestyle", "intervalstyle", "search_path",
	"extra_float_digits", "bytea_output", settingAsOf}

// cachePlan is the cache's view of one bound query: its key, or why it is
// not cached.
type cachePlan struct {
	key       cache.Key
	reason    string // not cached, and why (EXPLAIN shows it)
	staleness time.Duration
	refresh   bool
}

// planCache decides whether a bound query's result may come from the
// cache and builds its key.
func (s *Session) planCache(b *planner.Bound, params []pgtype.Datum) cachePlan {
	cfg := s.g.cfg.Cache
	if cfg.Cache == nil {
		return cachePlan{reason: "off (not configured)"}
	}
	mode := s.showValue(settingCache)
	if mode == "off" {
		return cachePlan{reason: "off (sluice.cache = off)"}
	}
	route, denied := s.cacheRoute(b)
	if denied {
		// The route's rules refuse it: a hit must not go around them
		// (a rule may match what the key does not hold, application_name
		// or client tags).
		return cachePlan{reason: "off (a routing rule denies the query)"}
	}
	if cfg.Routes != nil && !containsString(cfg.Routes, route) {
		return cachePlan{reason: fmt.Sprintf("off for route %s", route)}
	}
	info := s.boundInfo(b)
	if info.reason != "" {
		return cachePlan{reason: info.reason}
	}
	kb := cache.NewKey().Field("statement", info.text)
	for i, t := range b.ParamTypes {
		var v pgtype.Datum
		if i < len(params) {
			v = params[i]
		}
		kb.Field("param", fmt.Sprintf("%d/%d %T:%v", t.OID, t.Typmod, v, v))
	}
	// The settings that change results and the access scope
	// (accessScope): two scopes never share an entry.
	kb.Field("session", s.keyEnv())
	for _, t := range info.tables {
		kb.Table(t.Table, t.Version)
	}
	if info.catalog {
		kb.Catalog(strconv.FormatUint(s.catalogState().Version, 10))
	}
	return cachePlan{key: kb.Key(), staleness: s.staleness(b), refresh: mode == "refresh"}
}

// cacheRoute names the route a query will take, for cache.routes: the
// catalog, local, or the Trino tier the routing rules (or SET
// sluice.route) choose; denied if a rule refuses the query.
func (s *Session) cacheRoute(b *planner.Bound) (route string, denied bool) {
	route = routeOf(b)
	rt, ok := s.g.engine.(*Routes)
	if !ok || !rt.routing() || route == routeCatalog {
		return route, false
	}
	c := s.choose(rt, b)
	if c.deny != nil {
		return route, true
	}
	if c.route != "" {
		route = c.route
	}
	return route, false
}

// staleness is how stale a result this query may be served: the session's
// sluice.max_staleness if set, else the least of its layers' configured
// staleness.
func (s *Session) staleness(b *planner.Bound) time.Duration {
	if v := s.showValue(settingMaxStaleness); v != "" && v != "0" {
		if n, err := parseIntWithUnit(v, "s"); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	layers := s.g.cfg.Cache.Staleness
	if len(layers) == 0 || len(b.Tables) == 0 {
		return 0
	}
	least := time.Duration(-1)
	for _, t := range b.Tables {
		d, ok := layers[t.Schema]
		if !ok {
			return 0
		}
		if least < 0 || d < least {
			least = d
		}
	}
	return max(least, 0)
}

// deps is what a plan's results depend on beyond its tables.
type deps struct {
	volatile string // a function whose value changes call to call or with the clock
	catalog  bool   // a catalog function or reg* cast: reads the whole catalog
}

// clockFuncs are stable within a statement but change with the clock, so
// a result that calls them is never reused.
var clockFuncs = map[string]bool{"now": true, "statement_timestamp": true, "transaction_timestamp": true}

// catalogFuncs read the catalog state at execution (engine/expr's catalog
// functions).
func catalogFunc(name string) bool {
	switch name {
	case "format_type", "obj_description", "col_description", "shobj_description":
		return true
	}
	return strings.HasPrefix(name, "pg_") && name != "pg_size_pretty" || strings.HasPrefix(name, "has_")
}

func regType(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegprocedureOID,
		pgtype.RegoperOID, pgtype.RegoperatorOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
		return true
	}
	return false
}

// planDependencies walks every node and expression of a plan, subquery
// plans included.
func planDependencies(root plan.Node) deps {
	var d deps
	var node func(n plan.Node)
	expr := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch c := x.(type) {
			case *plan.Call:
				if v, ok := planner.FuncVolatility(c.Op); ok && v == planner.Volatile || clockFuncs[c.Op] {
					if d.volatile == "" {
						d.volatile = c.Op
					}
				}
				if catalogFunc(c.Op) {
					d.catalog = true
				}
			case *plan.Cast:
				if regType(c.Typ) || regType(c.Arg.Type()) {
					d.catalog = true
				}
			case *plan.Const:
				if regType(c.Typ) { // a reg* literal resolved at bind time
					d.catalog = true
				}
			case *plan.Subquery:
				node(c.Plan)
			}
			return true
		})
	}
	node = func(n plan.Node) {
		if n == nil {
			return
		}
		for _, e := range plan.Exprs(n) {
			expr(e)
		}
		for _, c := range n.Children() {
			node(c)
		}
	}
	node(root)
	return d
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
