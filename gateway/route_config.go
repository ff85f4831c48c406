package gateway

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Routes are where a gateway runs bound queries: the local engine and the
// Trino tiers of a router, chosen per query by SET sluice.route and the
// routing rules. Give it to New in the engine's place: it runs plans
// locally as the engine does, and the sessions route through it.
type Routes struct {
	// Local is the in-process engine.
	Local Engine
	// Router holds the Trino tiers; nil: none (every query runs locally,
	// rules may still deny).
	Router *router.Router
	// Rules choose a route per query; nil: everything runs locally.
	Rules *router.RuleSet
	// Fallback is the tier that takes queries the local engine cannot run
	// (a feature it lacks, its memory budget) before any row was sent;
	// empty: those fail as without Trino.
	Fallback string

	queries *prometheus.CounterVec
}

// NewRoutes assembles the routes. reg (may be nil) receives
// sluice_routed_queries_total{route, rule, outcome}.
func NewRoutes(local Engine, r *router.Router, rules *router.RuleSet, fallback string, reg prometheus.Registerer) *Routes {
	rt := &Routes{Local: local, Router: r, Rules: rules, Fallback: fallback,
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_routed_queries_total",
			Help: "Queries by the route chosen (local or a Trino tier), the rule that chose it, and the outcome (local, forwarded, fallback, denied).",
		}, []string{"route", "rule", "outcome"})}
	if reg != nil {
		reg.MustRegister(rt.queries)
	}
	return rt
}

// Execute runs a plan on the local engine (the Engine the gateway was
// given).
func (rt *Routes) Execute(ctx context.Context, root plan.Node, params []pgtype.Datum, opts ...engine.Option) (engine.Stream, error) {
	return rt.Local.Execute(ctx, root, params, opts...)
}

// routing says whether anything but the local engine can happen.
func (rt *Routes) routing() bool { return rt.Router != nil || rt.Rules != nil }

func (rt *Routes) count(route, rule, outcome string) {
	if rt.queries == nil {
		return
	}
	if rule == "" {
		rule = "none"
	}
	rt.queries.WithLabelValues(route, rule, outcome).Inc()
}

// layers is the layer mapping of a tier's first cluster (for EXPLAIN).
func (rt *Routes) layers(tier string) map[string]string {
	if rt.Router == nil {
		return nil
	}
	for _, t := range rt.Router.Tiers() {
		if t.Name == tier && len(t.Clusters) > 0 {
			return rt.Router.Catalogs(t.Clusters[0])
		}
	}
	return nil
}

// forward sends a query to a tier, rendered for the cluster the router
// picks; Trino's rows come back in the bound query's column types.
func (rt *Routes) forward(ctx context.Context, tier string, fw forwarding) (engine.Stream, error) {
	types := make([]pgtype.Type, len(fw.b.Columns))
	for i, c := range fw.b.Columns {
		types[i] = c.Type
	}
	req := router.Request{
		Render: func(catalogs map[string]string) (string, error) {
			return planner.TrinoSQL(fw.b, fw.params, planner.TrinoTarget{Layers: catalogs, TimeZone: fw.zone, Now: fw.now, Snapshots: fw.snapshots})
		},
		User:       fw.user,
		Source:     fw.app,
		ClientTags: fw.tags,
		TimeZone:   fw.zone,
		Columns:    fw.columns,
		Types:      types,
		Notice:     fw.notice,
	}
	if fw.forwarded != nil {
		fw.forwarded()
	}
	res, err := rt.Router.Execute(ctx, tier, req)
	if err != nil {
		return nil, err
	}
	return res, nil
}
