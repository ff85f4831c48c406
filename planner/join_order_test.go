package planner

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
)

func TestJoinOrder(t *testing.T) {
	st := shopLake(t)
	// scans is a pattern: which of a pair joins first does not matter
	// (the build side is chosen later).
	tests := []struct {
		name, sql, scans string
	}{
		{"the filtered small table comes first, then what it narrows (TPC-H Q21)",
			"SELECT count(*) FROM shop.lineitem, shop.orders, shop.supplier, shop.nation WHERE l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND s_nationkey = n_nationkey AND n_name = 'N3' AND o_status = 'F'",
			"(nation supplier|supplier nation) lineitem orders"},
		{"a join on the nation key waits until both sides are narrowed (TPC-H Q5)",
			"SELECT count(*) FROM shop.customer, shop.orders, shop.lineitem, shop.supplier, shop.nation WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_name = 'N3'",
			"(nation supplier|supplier nation) lineitem orders customer"},
		{"without a filter the written order is kept where a condition connects",
			"SELECT count(*) FROM shop.nation, shop.supplier WHERE s_nationkey = n_nationkey",
			"nation supplier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := bindIn(t, st, tt.sql)
			if got := scanOrder(root); !regexp.MustCompile("^" + tt.scans + "$").MatchString(got) {
				t.Fatalf("join order %q, want %q\n%s", got, tt.scans, strings.Join(plan.Explain(root), "\n"))
			}
		})
	}
}
