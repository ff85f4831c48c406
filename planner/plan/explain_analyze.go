package plan

import "strings"

// ExplainAnnotated renders a plan tree as Explain does, with what annotate
// says of each node: a suffix for its line (EXPLAIN ANALYZE's "(actual
// time=... rows=... loops=...)") and detail lines indented below it, as
// PostgreSQL prints "Rows Removed by Filter" under a node.
func ExplainAnnotated(n Node, annotate func(Node) (suffix string, details []string)) []string {
	var lines []string
	var walk func(n Node, depth int)
	walk = func(n Node, depth int) {
		prefix := strings.Repeat("  ", depth)
		detail := prefix + "  "
		if depth > 0 {
			prefix += "-> "
			detail += "   "
		}
		suffix, details := annotate(n)
		lines = append(lines, prefix+n.String()+suffix)
		for _, d := range details {
			lines = append(lines, detail+d)
		}
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return lines
}
