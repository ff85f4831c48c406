package planner

import (
	"sort"
	"strings"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Profile is what routing needs to know of a bound query, from the plan and
// the lake's metadata alone: no file is opened and no engine asked.
type Profile struct {
	// Tables are the lake tables read, "layer.table", sorted, once each;
	// Layers their layers. Catalog (system) tables are not listed.
	Tables []string
	Layers []string
	// Bytes, Rows and Files estimate what the scans read after partition
	// pruning: the committed files whose partition values can satisfy the
	// scan's filter. Known is false when a table's size is unknown (it then
	// counts as zero).
	Bytes, Rows, Files int64
	Known              bool
	// Features the statement uses: "join", "aggregate", "distinct",
	// "sort", "limit", "subquery", "set_op", "window", "recursive".
	Features []string
	// Functions are the scalar and aggregate functions called, by
	// implementation name, sorted.
	Functions []string
}

// Has says whether the query uses a feature.
func (p *Profile) Has(feature string) bool {
	for _, f := range p.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// ProfileOf describes a bound query for routing.
func ProfileOf(b *Bound) Profile {
	pr := &profiler{scanned: map[*plan.Scan]bool{}, tables: map[string]bool{}, layers: map[string]bool{}, features: map[string]bool{}, funcs: map[string]bool{}}
	pr.p.Known = true
	pr.node(b.Root)
	pr.p.Tables = sortedKeys(pr.tables)
	pr.p.Layers = sortedKeys(pr.layers)
	pr.p.Features = sortedKeys(pr.features)
	pr.p.Functions = sortedKeys(pr.funcs)
	return pr.p
}

type profiler struct {
	p                               Profile
	tables, layers, features, funcs map[string]bool
	scanned                         map[*plan.Scan]bool
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (pr *profiler) node(n plan.Node) {
	switch x := n.(type) {
	case *plan.Scan:
		if !pr.scanned[x] {
			pr.scan(x, x.Filter)
		}
	case *plan.Filter:
		// A filter right above a scan prunes its files as the scan's own.
		if s, ok := x.Input.(*plan.Scan); ok {
			pr.scanned[s] = true
			pr.scan(s, &plan.BoolOp{Op: "AND", Args: []plan.Expr{x.Predicate, s.Filter}})
		}
	case *plan.Join:
		if x.Kind == plan.JoinSemi || x.Kind == plan.JoinAnti || x.Kind == plan.JoinMark || x.Single {
			pr.features["subquery"] = true
		} else {
			pr.features["join"] = true
		}
	case *plan.Aggregate:
		if len(x.Aggs) == 0 {
			pr.features["distinct"] = true
		} else {
			pr.features["aggregate"] = true
		}
		for _, a := range x.Aggs {
			pr.funcs[a.Func] = true
			if a.Distinct {
				pr.features["distinct"] = true
			}
		}
	case *plan.Sort:
		pr.features["sort"] = true
	case *plan.Limit:
		pr.features["limit"] = true
	case *plan.SetOp:
		pr.features["set_op"] = true
	case *plan.RecursiveUnion:
		pr.features["recursive"] = true
	}
	// Node kinds the engine grows later are known by name here, so that
	// rules can match them before this file learns their types.
	switch name, _, _ := strings.Cut(n.String(), " "); name {
	case "Window":
		pr.features["window"] = true
	case "GroupingSets":
		pr.features["aggregate"] = true
	case "Apply":
		pr.features["subquery"] = true
	}
	for _, e := range plan.Exprs(n) {
		plan.Walk(e, func(e plan.Expr) bool {
			switch c := e.(type) {
			case *plan.Call:
				if c.Func != "order_key" {
					pr.funcs[c.Func] = true
				}
			case *plan.Subquery:
				pr.features["subquery"] = true
				pr.node(c.Plan)
			}
			return true
		})
	}
	for _, c := range n.Children() {
		pr.node(c)
	}
}

func (pr *profiler) scan(s *plan.Scan, filter plan.Expr) {
	t := s.Table
	if t.Format == catalog.FormatSystem {
		return
	}
	pr.tables[t.Schema+"."+t.Name] = true
	pr.layers[t.Schema] = true
	if len(t.Files) == 0 {
		if t.RowCount < 0 || t.SizeBytes < 0 {
			pr.p.Known = false
		}
		pr.p.Rows += max(t.RowCount, 0)
		pr.p.Bytes += max(t.SizeBytes, 0)
		return
	}
	conds := partitionConds(s, filter)
	for _, f := range t.Files {
		if !fileMayMatch(f, conds) {
			continue
		}
		pr.p.Files++
		pr.p.Bytes += f.Size
		if f.Rows < 0 {
			pr.p.Known = false
		}
		pr.p.Rows += max(f.Rows, 0)
	}
}

// partCond is one conjunct of a scan filter comparing a partition column
// with constants: the file's value v satisfies it when it compares as op
// with one of vals (an IN list gives several).
type partCond struct {
	part int // index among the table's partition columns
	op   string
	vals []pgtype.Datum
}

// partitionConds finds the filter conjuncts that partition values decide.
func partitionConds(s *plan.Scan, filter plan.Expr) []partCond {
	partIndex := func(ref *plan.ColumnRef) int {
		if ref.Index >= len(s.Projection) {
			return -1
		}
		col := s.Projection[ref.Index]
		if !s.Table.Columns[col].Partition {
			return -1
		}
		n := 0
		for _, c := range s.Table.Columns[:col] {
			if c.Partition {
				n++
			}
		}
		return n
	}
	// simple reads "partcol op const" (either side), through casts of the
	// column that keep its order (date to timestamp).
	simple := func(e plan.Expr) (partCond, bool) {
		c, ok := e.(*plan.Call)
		if !ok || len(c.Args) != 2 {
			return partCond{}, false
		}
		op, ok := trinoComparisons[c.Func]
		if !ok {
			return partCond{}, false
		}
		l, r := c.Args[0], c.Args[1]
		if _, isConst := l.(*plan.Const); isConst {
			l, r = r, l
			op = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
		}
		ref, ok := l.(*plan.ColumnRef)
		k, kok := r.(*plan.Const)
		if !ok || !kok || k.Value == nil || k.Typ.OID != ref.Typ.OID {
			return partCond{}, false
		}
		p := partIndex(ref)
		if p < 0 {
			return partCond{}, false
		}
		return partCond{part: p, op: op, vals: []pgtype.Datum{k.Value}}, true
	}
	var out []partCond
	for _, conj := range conjuncts(filter) {
		if conj == nil {
			continue
		}
		if pc, ok := simple(conj); ok {
			out = append(out, pc)
			continue
		}
		// x = a OR x = b (an IN list) on one partition column.
		if b, ok := conj.(*plan.BoolOp); ok && b.Op == "OR" {
			var in partCond
			all := true
			for i, a := range b.Args {
				pc, ok := simple(a)
				if !ok || pc.op != "=" || i > 0 && pc.part != in.part {
					all = false
					break
				}
				in.part, in.op = pc.part, "="
				in.vals = append(in.vals, pc.vals...)
			}
			if all && len(in.vals) > 0 {
				out = append(out, in)
			}
		}
	}
	return out
}

// fileMayMatch says whether a file's partition values can satisfy every
// condition: a NULL partition value satisfies no comparison.
func fileMayMatch(f catalog.File, conds []partCond) bool {
	for _, c := range conds {
		if c.part >= len(f.PartitionValues) {
			continue
		}
		v := f.PartitionValues[c.part]
		if v == nil {
			return false
		}
		ok := false
		for _, k := range c.vals {
			cmp, comparable := compareDatums(v, k)
			if !comparable {
				ok = true
				break
			}
			switch c.op {
			case "=":
				ok = cmp == 0
			case "<>":
				ok = cmp != 0
			case "<":
				ok = cmp < 0
			case "<=":
				ok = cmp <= 0
			case ">":
				ok = cmp > 0
			case ">=":
				ok = cmp >= 0
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// compareDatums orders two partition values of the same type; comparable
// is false for kinds it does not know (the file is then kept).
func compareDatums(a, b pgtype.Datum) (int, bool) {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y), true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case pgtype.DateValue:
		if y, ok := b.(pgtype.DateValue); ok {
			return cmpOrdered(x, y), true
		}
	case pgtype.TimestampValue:
		if y, ok := b.(pgtype.TimestampValue); ok {
			return cmpOrdered(x, y), true
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmpOrdered(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			if x == y {
				return 0, true
			}
			if !x {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64 | pgtype.DateValue | pgtype.TimestampValue](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
