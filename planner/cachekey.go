package planner

import (
	"slices"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pgQueryVersion is the parse tree version Deparse checks (PostgreSQL
// 17.0.7's, what pg_query_go v6 parses).
const pgQueryVersion = 170007

// cacheKey is what CacheText computes, once per parsed query.
type cacheKey struct {
	once         sync.Once
	text         string
	sessionFuncs []string
	ok           bool
}

// CacheText is the statement as the result cache keys it: PostgreSQL's
// own deparse of the parse tree, so whitespace, comments and the case of
// keywords and unquoted names do not matter, while literal values do.
// sessionFuncs lists the session functions the statement calls (version,
// current_user, current_setting, pg_backend_pid, ...): the binder answers
// them from the session, so their values are in the plan but not in the
// text. ok is false for a statement that does not deparse (not cached).
// It is computed once per parsed statement; the planner caches parsed
// statements by their text.
func (q *Query) CacheText() (text string, sessionFuncs []string, ok bool) {
	k := &q.cacheKey
	k.once.Do(func() {
		out, err := pg_query.Deparse(&pg_query.ParseResult{Version: pgQueryVersion, Stmts: []*pg_query.RawStmt{{Stmt: q.node}}})
		if err != nil {
			return
		}
		k.text, k.ok = out, true
		k.sessionFuncs = sessionFuncsOf(q.node)
	})
	return k.text, k.sessionFuncs, k.ok
}

// sessionFuncsOf lists, sorted and once each, the session functions a
// parse tree calls, SQL's keyword forms (CURRENT_USER, CURRENT_SCHEMA)
// included.
func sessionFuncsOf(n *pg_query.Node) []string {
	var out []string
	var visit func(m protoreflect.Message)
	visit = func(m protoreflect.Message) {
		switch x := m.Interface().(type) {
		case *pg_query.FuncCall:
			var parts []string
			for _, f := range x.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			if name := funcName(parts); sessionFuncs[name] {
				out = append(out, name)
			}
		case *pg_query.SQLValueFunction:
			name := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(x.Op.String(), "SVFOP_"), "_N"))
			if sessionFuncs[name] {
				out = append(out, name)
			}
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					visit(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				visit(v.Message())
			}
			return true
		})
	}
	visit(n.ProtoReflect())
	slices.Sort(out)
	return slices.Compact(out)
}
