package plan

// RemoteOnly names the first function in n's plan, its subqueries
// included, that only a Trino tier computes (a Call or AggCall with Remote
// set), or "" when the local engine can run every one. The engine refuses
// such a plan before it starts, so the gateway's fallback moves it.
func RemoteOnly(n Node) string {
	if n == nil {
		return ""
	}
	aggs := func(as []*AggCall) string {
		for _, a := range as {
			if a != nil && a.Remote {
				return a.Func
			}
		}
		return ""
	}
	var name string
	switch x := n.(type) {
	case *Aggregate:
		name = aggs(x.Aggs)
	case *GroupingSets:
		name = aggs(x.Aggs)
	case *Window:
		for _, c := range x.Calls {
			if name = aggs([]*AggCall{c.Agg}); name != "" {
				break
			}
		}
	}
	if name != "" {
		return name
	}
	for _, e := range Exprs(n) {
		Walk(e, func(e Expr) bool {
			switch c := e.(type) {
			case *Call:
				if c.Remote && name == "" {
					name = c.Op
				}
			case *Subquery:
				if s := RemoteOnly(c.Plan); s != "" && name == "" {
					name = s
				}
			}
			return name == ""
		})
		if name != "" {
			return name
		}
	}
	for _, c := range n.Children() {
		if s := RemoteOnly(c); s != "" {
			return s
		}
	}
	return ""
}
