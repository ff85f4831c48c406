package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Session settings of routing.
const (
	// settingRoute forces a route: a tier's name or "local"; empty (the
	// default) lets the rules choose. It wins over every rule.
	settingRoute = "sluice.route"
	// settingClientTags are the session's client tags, comma-separated:
	// rules match them and Trino receives them as X-Trino-Client-Tags.
	settingClientTags = "sluice.client_tags"
)

// routeOf names where a bound query runs, for metrics: catalog when it
// reads only system tables.
func routeOf(b *planner.Bound) string {
	if len(b.Tables) == 0 {
		return routeLocal
	}
	for _, t := range b.Tables {
		if t.Format != catalog.FormatSystem {
			return routeLocal
		}
	}
	return routeCatalog
}

// choice is the route chosen for one query, and why.
type choice struct {
	route    string // router.RouteLocal or a tier
	rule     string // the rule that chose it; "" for the default
	explicit bool   // SET sluice.route chose it
	deny     *pgerr.Error
	profile  planner.Profile
	// note says why a tier a rule chose was not taken.
	note string
	// fallback says why the query goes to the fallback tier rather than
	// the local engine the rules chose: it calls a function only Trino
	// runs.
	fallback string
	// fail is why such a query runs nowhere: Trino cannot run it as
	// PostgreSQL would.
	fail *pgerr.Error
}

// choose applies SET sluice.route, then the rules, to a bound query.
func (s *Session) choose(rt *Routes, b *planner.Bound) choice {
	c := choice{route: router.RouteLocal, profile: planner.ProfileOf(b)}
	if routeOf(b) == routeCatalog {
		return c
	}
	if forced := strings.TrimSpace(s.showValue(settingRoute)); forced != "" {
		c.route, c.explicit = forced, true
		return c
	}
	if rt.Rules == nil {
		return c
	}
	d := rt.Rules.Decide(s.routingQuery(c.profile))
	c.rule = d.Rule
	if d.Deny != "" {
		c.deny = pgerr.New(d.Code, "%s", d.Deny)
		if d.Rule != "" {
			c.deny = c.deny.WithHint("Denied by routing rule %s.", d.Rule)
		}
		return c
	}
	c.route = d.Route
	if c.route != router.RouteLocal {
		if err := translatable(b); err != nil {
			// A rule routes by who asks and what is read; a plan Trino
			// cannot run as PostgreSQL would stays local rather than fail.
			c.note = fmt.Sprintf("rule %s chose %s, but %v", d.Rule, c.route, err)
			c.route = router.RouteLocal
		}
	}
	return c
}

// chooseRun is choose, then the fallback tier for a plan calling a function
// only Trino runs (bound so because a tier is configured): the local engine
// would refuse it, so it is not tried. SET sluice.route = 'local' keeps it
// local, where it fails naming the function.
func (s *Session) chooseRun(rt *Routes, b *planner.Bound) choice {
	c := s.choose(rt, b)
	if c.deny != nil || c.explicit || c.route != router.RouteLocal || rt.Fallback == "" || rt.Router == nil || !rt.Router.HasTier(rt.Fallback) {
		return c
	}
	name := plan.RemoteOnly(b.Root)
	if name == "" {
		return c
	}
	if err := translatable(b); err != nil {
		c.fail = pgerr.New(pgerr.FeatureNotSupported, "function %s runs only on Trino, and this query cannot run there: %s", name,
			strings.TrimPrefix(pgerr.Convert(err).Message, "cannot run on Trino: "))
		return c
	}
	c.route, c.fallback = rt.Fallback, fmt.Sprintf("function %s runs only on Trino", name)
	return c
}

// TrinoFunctions implements planner.TrinoEnv: functions only Trino computes
// bind when a tier can take them.
func (s *Session) TrinoFunctions() bool {
	rt, ok := s.g.engine.(*Routes)
	return ok && rt.Router != nil && rt.Router.HasTiers()
}

// translatable says whether a plan can be rendered for Trino at all (with
// every layer mapped somewhere): what only a cluster's mapping decides is
// left to the router.
func translatable(b *planner.Bound) error {
	_, err := planner.TrinoSQL(b, nil, planner.TrinoTarget{Catalog: "lake"})
	if err != nil && strings.Contains(err.Error(), "parameter $") {
		return nil // parameters are bound later
	}
	return err
}

// routingQuery is the rules' view of this session and a query.
func (s *Session) routingQuery(p planner.Profile) router.Query {
	roles := []string{s.user}
	if r := s.showValue("role"); r != "" && r != "none" && r != s.user {
		roles = append(roles, r)
	}
	return router.Query{
		User:        s.user,
		Roles:       roles,
		Application: s.showValue("application_name"),
		ClientTags:  splitTags(s.showValue(settingClientTags)),
		Tables:      p.Tables,
		Layers:      p.Layers,
		Bytes:       p.Bytes,
		Rows:        p.Rows,
		Features:    p.Features,
		Functions:   p.Functions,
	}
}

func splitTags(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// openRoute runs a bound query on its route: the local engine, or a Trino
// tier through the router. A query the local engine cannot run (a feature
// it lacks, its memory budget) goes to the fallback tier instead of
// failing, as long as nothing has reached the client.
func (s *Session) openRoute(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option) (engine.Stream, error) {
	return s.openRouteAt(ctx, b, params, opts, false)
}

// openRouteAsOf is openRoute for a query bound against older snapshots
// (SET sluice.as_of): a Trino route reads each Iceberg table at the
// snapshot the plan holds, with FOR VERSION AS OF.
func (s *Session) openRouteAsOf(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option) (engine.Stream, error) {
	return s.openRouteAt(ctx, b, params, opts, true)
}

func (s *Session) openRouteAt(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option, snapshots bool) (engine.Stream, error) {
	rt, ok := s.g.engine.(*Routes)
	if !ok || !rt.routing() {
		return s.g.engine.Execute(ctx, b.Root, params, opts...)
	}
	c := s.chooseRun(rt, b)
	if c.deny != nil {
		rt.count(router.RouteLocal, c.rule, "denied")
		return nil, c.deny
	}
	if c.fail != nil {
		return nil, c.fail
	}
	fw := s.forwarding(b, params, opts)
	fw.snapshots = snapshots
	if c.fallback != "" {
		rt.count(c.route, c.rule, "fallback")
		fw.fallbackNotice(c.route, c.fallback)
		return rt.forwardTo(ctx, c.route, fw)
	}
	if c.route != router.RouteLocal {
		if rt.Router == nil || !rt.Router.HasTier(c.route) {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "no Trino tier named %q", c.route).
				WithHint("SET sluice.route to local or to one of the configured tiers.")
		}
		rt.count(c.route, c.rule, "forwarded")
		return rt.forwardTo(ctx, c.route, fw)
	}
	rt.count(router.RouteLocal, c.rule, "local")
	stream, err := rt.Local.Execute(ctx, b.Root, params, opts...)
	if err != nil {
		if tier := rt.fallbackFor(err, c, b); tier != "" {
			rt.count(tier, c.rule, "fallback")
			fw.fallbackNotice(tier, pgerr.Convert(err).Message)
			return rt.forwardTo(ctx, tier, fw)
		}
		return nil, err
	}
	if rt.Fallback == "" || c.explicit || routeOf(b) == routeCatalog {
		return stream, nil
	}
	return &fallbackStream{local: stream, rt: rt, c: c, fw: fw}, nil
}

// forwarding is what a forwarded query carries: captured now, since the
// stream may be read after the session moved on (cursors).
type forwarding struct {
	b       *planner.Bound
	params  []pgtype.Datum
	user    string
	app     string
	tags    []string
	zone    string
	now     time.Time
	columns *arrow.Schema
	// notice sends the router's notices (queue, retry, progress) to the
	// client; forwarded marks the statement as Trino's in the metrics.
	// Both run on the session's goroutine.
	notice    func(router.Notice)
	forwarded func()
	// snapshots: read Iceberg tables at the plan's snapshots (as_of).
	snapshots bool
	// finish, when set (by exact), computes the client's columns (out)
	// from b's, which carry the exact operands of numeric quotients
	// (planner.TrinoExact): the local engine divides them at PostgreSQL's
	// scale. opts are the statement's engine options it evaluates with.
	finish []plan.Expr
	out    []plan.Column
	opts   []engine.Option
}

// forwardTo runs a forwarded query on a tier, and its finishing projection
// locally over Trino's rows.
func (rt *Routes) forwardTo(ctx context.Context, tier string, fw forwarding) (engine.Stream, error) {
	fw = fw.exact()
	s, err := rt.forward(ctx, tier, fw)
	if err != nil || fw.finish == nil {
		return s, err
	}
	f, err := engine.Finish(s, fw.finish, fw.out, fw.params, fw.opts...)
	if err != nil {
		s.Close()
		return nil, err
	}
	return f, nil
}

func columnsSchema(cols []plan.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, col := range cols {
		fields[i] = arrow.Field{Name: col.Name, Type: col.Type.ArrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func (s *Session) forwarding(b *planner.Bound, params []pgtype.Datum, opts []engine.Option) forwarding {
	// The engine options carry the statement's instant and settings; read
	// them the way the engine would.
	env := &expr.Env{Settings: pgtype.DefaultSettings(), Now: time.Now()}
	for _, o := range opts {
		o(env)
	}
	zone := "UTC"
	if env.Settings != nil && env.Settings.TimeZone != nil {
		zone = env.Settings.TimeZone.String()
	}
	if zone == "Local" {
		zone = "UTC"
	}
	return forwarding{b: b, params: params, user: s.user, app: s.showValue("application_name"),
		tags: splitTags(s.showValue(settingClientTags)), zone: zone, now: env.Now, opts: opts,
		notice: s.routeNotice, forwarded: func() { s.route = routeTrino }}
}

// exact readies fw for Trino: numeric quotients PostgreSQL prints at a
// per-value scale come back as their exact operands, for the local engine
// to divide (planner.TrinoExact). It is done only once a query is
// forwarded, not for every routed query that runs locally.
func (fw forwarding) exact() forwarding {
	remote, finish := planner.TrinoExact(fw.b)
	if finish != nil {
		fw.finish, fw.out = finish, fw.b.Columns
	}
	fw.b, fw.columns = remote, columnsSchema(remote.Columns)
	return fw
}

// fallbackNotice tells the client that a query the local engine cannot
// run goes to a tier, and why.
func (fw forwarding) fallbackNotice(tier, why string) {
	if fw.notice != nil {
		fw.notice(router.Notice{Kind: router.NoticeFallback, Tier: tier,
			Message: fmt.Sprintf("running on Trino tier %q: %s", tier, why)})
	}
}

// fallbackCodes are the local failures Trino can take over: a feature the
// engine lacks and its memory budget.
func fallbackCode(err error) bool {
	switch pgerr.Code(err) {
	case pgerr.FeatureNotSupported, pgerr.OutOfMemory:
		return true
	}
	return false
}

// fallbackFor is the tier that takes a query the local engine failed to
// run, or "" when the failure stands: also when Trino could not run the
// plan as PostgreSQL would (the local error says more than a refusal to
// translate).
func (rt *Routes) fallbackFor(err error, c choice, b *planner.Bound) string {
	if rt.Fallback == "" || c.explicit || !fallbackCode(err) || rt.Router == nil || !rt.Router.HasTier(rt.Fallback) {
		return ""
	}
	if translatable(b) != nil {
		return ""
	}
	return rt.Fallback
}

// fallbackStream is a local stream that, if its first batch fails in a way
// Trino can take over, continues on the fallback tier instead: nothing has
// reached the client yet.
type fallbackStream struct {
	local   engine.Stream
	rt      *Routes
	c       choice
	fw      forwarding
	started bool
}

func (f *fallbackStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	rec, err := f.local.Next(ctx)
	if err == nil || f.started {
		f.started = true
		return rec, err
	}
	tier := f.rt.fallbackFor(err, f.c, f.fw.b)
	if tier == "" {
		return nil, err
	}
	f.started = true
	f.local.Close()
	f.rt.count(tier, f.c.rule, "fallback")
	f.fw.fallbackNotice(tier, pgerr.Convert(err).Message)
	remote, ferr := f.rt.forwardTo(ctx, tier, f.fw)
	if ferr != nil {
		return nil, ferr
	}
	f.local = remote
	return remote.Next(ctx)
}

func (f *fallbackStream) Close() { f.local.Close() }

// explainRoute is EXPLAIN's first lines: the route a query takes, the rule
// or setting that chose it, and the estimate the rules saw. snapshots: b is
// bound at older snapshots (sluice.as_of), which the Trino SQL names as
// openRouteAsOf sends it.
func (s *Session) explainRoute(b *planner.Bound, snapshots bool) []string {
	rt, ok := s.g.engine.(*Routes)
	if !ok || !rt.routing() {
		return []string{"Route: " + routeOf(b)}
	}
	c := s.chooseRun(rt, b)
	var line string
	switch {
	case c.deny != nil:
		line = fmt.Sprintf("Route: denied (rule %s): %s", c.rule, c.deny.Message)
	case c.fallback != "":
		line = fmt.Sprintf("Route: %s (fallback: %s)", displayRoute(c.route), c.fallback)
	case c.fail != nil:
		line = "Route: none: " + c.fail.Message
	case c.explicit:
		line = fmt.Sprintf("Route: %s (SET sluice.route)", displayRoute(c.route))
	case c.rule != "":
		line = fmt.Sprintf("Route: %s (rule %s)", displayRoute(c.route), c.rule)
	default:
		line = fmt.Sprintf("Route: %s (no rule matched)", displayRoute(routeOf(b)))
	}
	lines := []string{line}
	if c.note != "" {
		lines = append(lines, "Route note: "+c.note)
	}
	p := c.profile
	known := ""
	if !p.Known {
		known = ", some sizes unknown"
	}
	lines = append(lines, fmt.Sprintf("Estimate: %d bytes, %d rows, %d files after pruning%s", p.Bytes, p.Rows, p.Files, known))
	if c.route != router.RouteLocal && c.deny == nil {
		remote, _ := planner.TrinoExact(b)
		if sql, err := planner.TrinoSQL(remote, nil, planner.TrinoTarget{Layers: rt.layers(c.route), Snapshots: snapshots}); err == nil {
			lines = append(lines, "Trino SQL: "+sql)
		}
	}
	return lines
}

func displayRoute(r string) string {
	switch r {
	case router.RouteLocal, routeCatalog:
		return r
	}
	return "trino tier " + r
}
