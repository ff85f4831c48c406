package planner

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TrinoEnv is an Env that can say whether a Trino tier is configured. When
// one is, a call to a PostgreSQL function the local engine lacks but Trino
// computes with PostgreSQL's meaning (trinoScalars, trinoAggregates) binds
// as a remote call (plan.Call.Remote, plan.AggCall.Remote): the local engine
// refuses the plan with 0A000 and the gateway's fallback runs it on Trino.
// Without a tier such a call fails as any unknown function does (42883).
type TrinoEnv interface {
	TrinoFunctions() bool
}

// trinoFuncs says whether remote calls may be bound.
func (b *binder) trinoFuncs() bool {
	te, ok := b.env.(TrinoEnv)
	return ok && te.TrinoFunctions()
}

// trinoScalars are PostgreSQL's signatures of the scalar functions only
// Trino runs. Each was checked against PostgreSQL 15 and Trino 476 on the
// same values (planner/trino_funcs_test.go, gateway/route_trino_funcs_test.go):
// NULL in, NULL out; results of the PostgreSQL type; PostgreSQL's errors
// (sin(infinity), asin(2)) raised on Trino with PostgreSQL's SQLSTATE.
var trinoScalars = map[string][]funcSig{
	"sin":   sigs(Immutable, "float8->float8"),
	"cos":   sigs(Immutable, "float8->float8"),
	"tan":   sigs(Immutable, "float8->float8"),
	"cot":   sigs(Immutable, "float8->float8"),
	"asin":  sigs(Immutable, "float8->float8"),
	"acos":  sigs(Immutable, "float8->float8"),
	"atan":  sigs(Immutable, "float8->float8"),
	"atan2": sigs(Immutable, "float8,float8->float8"),
	"sinh":  sigs(Immutable, "float8->float8"),
	"cosh":  sigs(Immutable, "float8->float8"),
	"tanh":  sigs(Immutable, "float8->float8"),
	// PostgreSQL 15's regular-expression functions, without the start,
	// occurrence and flags arguments (Trino has none of them).
	"regexp_count":  sigs(Immutable, "text,text->int4"),
	"regexp_substr": sigs(Immutable, "text,text->text"),
	"regexp_instr":  sigs(Immutable, "text,text->int4"),
}

// trinoAggregates are the aggregates only Trino runs: PostgreSQL's
// two-variable statistics, each (Y float8, X float8), skipping rows where
// either is NULL.
var trinoAggregates = map[string]pgtype.Type{
	"corr":           pgtype.Float8,
	"covar_pop":      pgtype.Float8,
	"covar_samp":     pgtype.Float8,
	"regr_slope":     pgtype.Float8,
	"regr_intercept": pgtype.Float8,
	"regr_count":     pgtype.Int8,
	"regr_avgx":      pgtype.Float8,
	"regr_avgy":      pgtype.Float8,
	"regr_sxx":       pgtype.Float8,
	"regr_syy":       pgtype.Float8,
	"regr_sxy":       pgtype.Float8,
	"regr_r2":        pgtype.Float8,
}

// isTrinoAggregate says whether name is one of trinoAggregates. They are
// aggregates to the parser whether or not a tier is configured, as in
// PostgreSQL (corr in WHERE is 42803); without a tier a call fails as an
// unknown function.
func isTrinoAggregate(name string) bool {
	_, ok := trinoAggregates[name]
	return ok
}

// trinoCall binds a call to one of trinoScalars when a tier is
// configured; ok is false when it is not such a call.
func (b *binder) trinoCall(name string, args []plan.Expr, loc int32) (plan.Expr, bool, error) {
	overloads, ok := trinoScalars[name]
	if !ok || !b.trinoFuncs() {
		return nil, false, nil
	}
	out, ret, err := b.resolveOverload(name, overloads, args, loc)
	if err != nil {
		return nil, true, err
	}
	return &plan.Call{Func: name, Op: name, Args: out, Typ: ret, Remote: true}, true, nil
}

// trinoAggSignature types a call to one of trinoAggregates; noFunc is the
// unknown-function error the call fails with when no tier is configured.
func (b *binder) trinoAggSignature(name string, args, keys []plan.Expr, fc *pg_query.FuncCall, noFunc func() error) (pgtype.Type, []plan.Expr, error) {
	if !b.trinoFuncs() || len(args) != 2 || len(keys) > 0 && fc.AggWithinGroup {
		return pgtype.Unknown, nil, noFunc()
	}
	if fc.Over != nil {
		return pgtype.Unknown, nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "%s as a window function is not supported", name))
	}
	out, _, err := b.resolveOverload(name, sigs(Immutable, "float8,float8->float8"), args, fc.Location)
	if err != nil {
		return pgtype.Unknown, nil, err
	}
	return trinoAggregates[name], out, nil
}

// remoteCall renders a call to one of trinoScalars in Trino's spelling.
func (r *trinoRenderer) remoteCall(x *plan.Call, args []string) (string, error) {
	for _, a := range x.Args {
		if ExprVolatility(a) == Volatile {
			// The guards below read an argument twice.
			return "", notTrino("%s of a volatile argument", x.Op)
		}
	}
	// outOfRange raises PostgreSQL's error on Trino when cond holds; the
	// router turns the "SQLSTATE: message" of fail() back into both.
	outOfRange := func(cond, call string) string {
		return fmt.Sprintf("(CASE WHEN %s THEN CAST(fail('%s: input is out of range') AS double) ELSE %s END)", cond, pgerr.NumericValueOutOfRange, call)
	}
	switch x.Func {
	case "sin", "cos", "tan":
		// PostgreSQL refuses an infinite angle; Trino answers NaN.
		return outOfRange("is_infinite("+args[0]+")", x.Func+"("+args[0]+")"), nil
	case "cot":
		return outOfRange("is_infinite("+args[0]+")", "(1e0 / tan("+args[0]+"))"), nil
	case "asin", "acos":
		return outOfRange("abs("+args[0]+") > 1", x.Func+"("+args[0]+")"), nil
	case "atan", "atan2", "sinh", "cosh", "tanh":
		return x.Func + "(" + strings.Join(args, ", ") + ")", nil
	case "regexp_count":
		return "CAST(regexp_count(" + args[0] + ", " + args[1] + ") AS integer)", nil
	case "regexp_substr":
		return "regexp_extract(" + args[0] + ", " + args[1] + ")", nil
	case "regexp_instr":
		// Trino says -1 where PostgreSQL says 0: no match.
		return "CAST(greatest(regexp_position(" + args[0] + ", " + args[1] + "), 0) AS integer)", nil
	}
	return "", notTrino("function %s", x.Op)
}

// remoteAgg renders one of trinoAggregates. y and x are the rendered
// arguments; filter is the call's own FILTER condition or "". PostgreSQL
// skips the rows where either argument is NULL, for every part of the
// result: the renderings that combine several Trino aggregates filter each
// of them so.
func (r *trinoRenderer) remoteAgg(c *plan.AggCall, y, x, filter string) (string, error) {
	if c.Distinct {
		return "", notTrino("DISTINCT in %s", c.Func)
	}
	cond := "(" + y + " IS NOT NULL AND " + x + " IS NOT NULL)"
	if filter != "" {
		cond = "(" + cond + " AND " + filter + ")"
	}
	f := " FILTER (WHERE " + cond + ")"
	switch c.Func {
	case "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept":
		return c.Func + "(" + y + ", " + x + ")" + f, nil
	case "regr_count":
		return "count(*)" + f, nil
	case "regr_avgx":
		return "avg(" + x + ")" + f, nil
	case "regr_avgy":
		return "avg(" + y + ")" + f, nil
	case "regr_sxx":
		return "(var_pop(" + x + ")" + f + " * count(*)" + f + ")", nil
	case "regr_syy":
		return "(var_pop(" + y + ")" + f + " * count(*)" + f + ")", nil
	case "regr_sxy":
		return "(covar_pop(" + y + ", " + x + ")" + f + " * count(*)" + f + ")", nil
	case "regr_r2":
		// PostgreSQL: NULL when X is constant, 1 when Y is.
		return fmt.Sprintf("(CASE WHEN var_pop(%s)%s = 0 THEN NULL WHEN var_pop(%s)%s = 0 THEN 1e0 ELSE power(corr(%s, %s)%s, 2) END)", x, f, y, f, y, x, f), nil
	}
	return "", notTrino("aggregate %s", c.Func)
}
