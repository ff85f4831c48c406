package planner

import (
	"testing"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// A FROM item's alias used as a value two subquery levels in fails as a
// column reference from there does (0A000: correlation more than one level
// out is not supported), not as an unknown column (42703); one level in it
// reads the outer row.
func TestWholeRowDepth(t *testing.T) {
	p := New()
	for sql, want := range map[string]string{
		"SELECT (SELECT (SELECT o::text)) FROM gold.orders o":                    pgerr.FeatureNotSupported,
		"SELECT (SELECT (SELECT row_to_json(o))) FROM gold.orders o":             pgerr.FeatureNotSupported,
		"SELECT (SELECT (SELECT o.order_id)) FROM gold.orders o":                 pgerr.FeatureNotSupported,
		"SELECT (SELECT (SELECT nosuch::text)) FROM gold.orders o":               pgerr.UndefinedColumn,
		"SELECT (SELECT o::text) FROM gold.orders o":                             "",
		"SELECT (SELECT (SELECT x::text) FROM gold.orders x) FROM gold.orders o": "",
	} {
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Bind(stmts[0].(*Query), joinState(), fuzzEnv{}, nil)
		if got := pgerr.Code(err); err != nil && got != want || err == nil && want != "" {
			t.Errorf("%s: %v, want %q", sql, err, want)
		}
	}
}
