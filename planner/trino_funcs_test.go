package planner

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// tierEnv is fuzzEnv with a Trino tier configured.
type tierEnv struct{ fuzzEnv }

func (tierEnv) TrinoFunctions() bool { return true }

func bindWithEnv(env Env, sql string) (*Bound, error) {
	p := New()
	stmts, err := p.Parse(sql)
	if err != nil {
		return nil, err
	}
	return p.Bind(stmts[0].(*Query), joinState(), env, nil)
}

// Without a tier, a function only Trino runs is unknown, with the error an
// unknown function of the same arguments gets.
func TestTrinoFunctionsWithoutTier(t *testing.T) {
	for _, tc := range []struct{ sql, like string }{
		{"SELECT corr(amount, order_id) FROM gold.orders", "SELECT nosuch(amount, order_id) FROM gold.orders"},
		{"SELECT status, regr_slope(amount, 2) FROM gold.orders GROUP BY status", "SELECT status, nosuch(amount, 2) FROM gold.orders GROUP BY status"},
		{"SELECT sin(amount) FROM gold.orders", "SELECT nosuch(amount) FROM gold.orders"},
		{"SELECT regexp_count(status, 'a') FROM gold.orders", "SELECT nosuch(status, 'a') FROM gold.orders"},
	} {
		_, err := bindWithEnv(fuzzEnv{}, tc.sql)
		_, want := bindWithEnv(fuzzEnv{}, tc.like)
		if pgerr.Code(err) != pgerr.UndefinedFunction || want == nil {
			t.Fatalf("%s: %v, want 42883", tc.sql, err)
		}
		name := strings.Fields(strings.SplitN(tc.sql, "(", 2)[0])
		got := strings.Replace(pgerr.Convert(err).Message, name[len(name)-1], "nosuch", 1)
		if got != pgerr.Convert(want).Message || pgerr.Convert(err).Position != pgerr.Convert(want).Position {
			t.Errorf("%s: %q at %d, want %q at %d", tc.sql, pgerr.Convert(err).Message, pgerr.Convert(err).Position,
				pgerr.Convert(want).Message, pgerr.Convert(want).Position)
		}
	}
}

func TestTrinoFunctionsBindRemote(t *testing.T) {
	tests := []struct {
		sql    string
		remote string
		typ    pgtype.Type
		want   []string
	}{
		{"SELECT corr(amount, order_id) FROM gold.orders", "corr", pgtype.Float8,
			[]string{"corr(CAST(", "AS double)", "FILTER (WHERE ("}},
		{"SELECT regr_count(amount, order_id) FILTER (WHERE status = 'paid') FROM gold.orders", "regr_count", pgtype.Int8,
			[]string{"count(*) FILTER (WHERE ((", "IS NOT NULL AND", "AND (", " = 'paid'))", "AS bigint)"}},
		{"SELECT regr_r2(amount, order_id) FROM gold.orders", "regr_r2", pgtype.Float8,
			[]string{"WHEN var_pop(", "THEN 1e0 ELSE power(corr("}},
		{"SELECT sin(amount) FROM gold.orders", "sin", pgtype.Float8,
			[]string{"is_infinite(CAST(", "fail('22003: input is out of range')", "ELSE sin(CAST("}},
		{"SELECT acos(0.5)", "acos", pgtype.Float8, []string{"abs(DOUBLE '0.5') > 1", "ELSE acos(DOUBLE '0.5')"}},
		{"SELECT sin(1e-300)", "sin", pgtype.Float8, []string{"ELSE sin(DOUBLE '1e-300')"}},
		{"SELECT atan2(order_id, 2) FROM gold.orders", "atan2", pgtype.Float8, []string{"atan2(CAST("}},
		{"SELECT regexp_instr(status, 'a+') FROM gold.orders", "regexp_instr", pgtype.Int4,
			[]string{"greatest(regexp_position(", "'a+'), 0) AS integer)"}},
		{"SELECT 1 FROM gold.orders WHERE regexp_count(status, 'p') > 1", "regexp_count", pgtype.Int4,
			[]string{"CAST(regexp_count("}},
		{"SELECT (SELECT max(regexp_substr(status, 'p.')) FROM gold.orders)", "regexp_substr", pgtype.Text,
			[]string{"regexp_extract("}},
	}
	for _, tc := range tests {
		b, err := bindWithEnv(tierEnv{}, tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := plan.RemoteOnly(b.Root); got != tc.remote {
			t.Errorf("%s: RemoteOnly %q, want %q", tc.sql, got, tc.remote)
		}
		if !strings.HasPrefix(tc.sql, "SELECT 1 ") && !strings.HasPrefix(tc.sql, "SELECT (") && b.Columns[0].Type != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.sql, b.Columns[0].Type, tc.typ)
		}
		sql, err := TrinoSQL(b, nil, goldOnTrino)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(sql, w) {
				t.Errorf("%s: Trino SQL lacks %q:\n%s", tc.sql, w, sql)
			}
		}
	}
	// A plan without such calls is the local engine's.
	b, err := bindWithEnv(tierEnv{}, "SELECT abs(amount), count(*) FROM gold.orders GROUP BY 1")
	if err != nil || plan.RemoteOnly(b.Root) != "" {
		t.Errorf("plain plan: %v %q", err, plan.RemoteOnly(b.Root))
	}
}

func TestTrinoFunctionsRefused(t *testing.T) {
	// PostgreSQL's errors for misplaced aggregates hold for these too.
	if _, err := bindWithEnv(tierEnv{}, "SELECT 1 FROM gold.orders WHERE corr(amount, order_id) > 0"); pgerr.Code(err) != pgerr.GroupingError {
		t.Errorf("corr in WHERE: %v, want 42803", err)
	}
	if _, err := bindWithEnv(tierEnv{}, "SELECT corr(amount, order_id) OVER () FROM gold.orders"); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("corr OVER: %v, want 0A000", err)
	}
	if _, err := bindWithEnv(tierEnv{}, "SELECT corr(amount) FROM gold.orders"); pgerr.Code(err) != pgerr.UndefinedFunction {
		t.Errorf("corr of one argument: %v, want 42883", err)
	}
	// What Trino cannot compute as PostgreSQL does is not rendered.
	for _, sql := range []string{
		"SELECT sin(random())",
		"SELECT regexp_count('a', 'a') + 1e-300", // a numeric beyond Trino's 38 digits
		"SELECT corr(DISTINCT amount, order_id) FROM gold.orders",
	} {
		b, err := bindWithEnv(tierEnv{}, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if _, err := TrinoSQL(b, nil, goldOnTrino); pgerr.Code(err) != pgerr.FeatureNotSupported {
			t.Errorf("%s: %v, want 0A000", sql, err)
		}
	}
}
