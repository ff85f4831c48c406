package planner

// The statements that write session-scoped temporary tables: Sluice is a
// read-only server over the lake, but BI tools (Tableau) stage filter sets
// and extracts in temporary tables, so CREATE TEMP TABLE, INSERT into one
// and DROP TABLE of one run; every other write stays a read-only error.

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TempSchema is the schema the session's temporary tables are served in;
// it is searched first for relation names, as PostgreSQL's pg_temp is.
const TempSchema = "pg_temp"

// CreateTemp is CREATE TEMP TABLE name (cols) or CREATE TEMP TABLE name AS
// query (Query set, Columns then only optional names).
type CreateTemp struct {
	stmtBase
	Name        string
	Columns     []catalog.Column
	ColumnNames []string // CREATE TABLE t (a, b) AS ...
	Query       *Query
	IfNotExists bool
	WithNoData  bool
}

// InsertTemp is INSERT INTO name [(cols)] query; the gateway refuses it
// unless name is one of the session's temporary tables.
type InsertTemp struct {
	stmtBase
	Schema  string
	Name    string
	Columns []string
	Select  *pg_query.Node
	source  string
}

// DropTables is DROP TABLE [IF EXISTS] names; only temporary tables can
// be dropped.
type DropTables struct {
	stmtBase
	Names    [][2]string // schema (may be empty), name
	IfExists bool
}

func classifyCreate(base func(string) stmtBase, c *pg_query.CreateStmt) (Statement, error) {
	if c.Relation.GetRelpersistence() != "t" {
		return nil, nil
	}
	if err := tempTarget(c.Relation); err != nil {
		return nil, err
	}
	if len(c.InhRelations) > 0 || c.Partspec != nil || c.OfTypename != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "only plain temporary tables are supported")
	}
	if c.Oncommit != pg_query.OnCommitAction_ONCOMMIT_NOOP && c.Oncommit != pg_query.OnCommitAction_ONCOMMIT_PRESERVE_ROWS {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "ON COMMIT DELETE ROWS and ON COMMIT DROP are not supported")
	}
	st := &CreateTemp{stmtBase: base("CREATE TABLE"), Name: c.Relation.Relname, IfNotExists: c.IfNotExists}
	for _, e := range c.TableElts {
		cd := e.GetColumnDef()
		if cd == nil {
			// Constraints (PRIMARY KEY, ...) cannot be enforced by a
			// staging table Sluice holds; refuse rather than ignore.
			return nil, pgerr.New(pgerr.FeatureNotSupported, "table constraints are not supported on temporary tables")
		}
		t, err := resolveTypeName(cd.TypeName)
		if err != nil {
			return nil, err
		}
		for _, prev := range st.Columns {
			if prev.Name == cd.Colname {
				return nil, pgerr.New("42701", "column \"%s\" specified more than once", cd.Colname)
			}
		}
		col := catalog.Column{Name: cd.Colname, Type: t}
		for _, k := range cd.Constraints {
			switch k.GetConstraint().GetContype() {
			case pg_query.ConstrType_CONSTR_NULL:
			default:
				return nil, pgerr.New(pgerr.FeatureNotSupported, "column constraints are not supported on temporary tables")
			}
		}
		st.Columns = append(st.Columns, col)
	}
	return st, nil
}

func classifyCreateAs(source, text string, base func(string) stmtBase, c *pg_query.CreateTableAsStmt) (Statement, error) {
	if c.Objtype != pg_query.ObjectType_OBJECT_TABLE || c.Into.GetRel().GetRelpersistence() != "t" {
		return nil, nil
	}
	if err := tempTarget(c.Into.Rel); err != nil {
		return nil, err
	}
	if oc := c.Into.OnCommit; oc != pg_query.OnCommitAction_ONCOMMIT_NOOP && oc != pg_query.OnCommitAction_ONCOMMIT_PRESERVE_ROWS {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "ON COMMIT DELETE ROWS and ON COMMIT DROP are not supported")
	}
	if c.Query.GetSelectStmt() == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "CREATE TABLE AS supports only a query")
	}
	st := &CreateTemp{stmtBase: base("SELECT"), Name: c.Into.Rel.Relname, IfNotExists: c.IfNotExists,
		WithNoData: c.Into.SkipData, Query: newQuery(source, text, c.Query)}
	for _, n := range c.Into.ColNames {
		st.ColumnNames = append(st.ColumnNames, n.GetString_().GetSval())
	}
	return st, nil
}

func classifyInsert(source string, base func(string) stmtBase, ins *pg_query.InsertStmt) (Statement, error) {
	if ins.WithClause != nil || len(ins.ReturningList) > 0 || ins.OnConflictClause != nil || ins.SelectStmt == nil {
		// Writes Sluice cannot do to a temporary table either; they stay
		// the read-only error below (nil).
		return nil, nil
	}
	st := &InsertTemp{stmtBase: base("INSERT"), Schema: ins.Relation.Schemaname, Name: ins.Relation.Relname,
		Select: ins.SelectStmt, source: source}
	for _, n := range ins.Cols {
		st.Columns = append(st.Columns, n.GetResTarget().GetName())
	}
	return st, nil
}

func classifyDrop(base func(string) stmtBase, d *pg_query.DropStmt) (Statement, error) {
	if d.RemoveType != pg_query.ObjectType_OBJECT_TABLE || d.Behavior == pg_query.DropBehavior_DROP_CASCADE {
		return nil, nil
	}
	st := &DropTables{stmtBase: base("DROP TABLE"), IfExists: d.MissingOk}
	for _, o := range d.Objects {
		var parts []string
		for _, p := range o.GetList().GetItems() {
			parts = append(parts, p.GetString_().GetSval())
		}
		switch len(parts) {
		case 1:
			st.Names = append(st.Names, [2]string{"", parts[0]})
		case 2:
			st.Names = append(st.Names, [2]string{parts[0], parts[1]})
		default:
			return nil, nil
		}
	}
	return st, nil
}

// tempTarget refuses a schema other than pg_temp for a temporary table, as
// PostgreSQL does.
func tempTarget(rv *pg_query.RangeVar) error {
	if rv.Schemaname != "" && rv.Schemaname != TempSchema && !strings.HasPrefix(rv.Schemaname, "pg_temp_") {
		return pgerr.New("42P16", "cannot create temporary relation in non-temporary schema")
	}
	return nil
}

// SourceQuery is the query INSERT takes its rows from, as written: the
// gateway binds it for its column types (InsertQuery).
func (st *InsertTemp) SourceQuery() *Query {
	return newQuery(st.source, st.sql, st.Select)
}

// InsertQuery is the query producing the rows INSERT writes into a table
// of the given columns, given the types of the source query's columns:
// the source with every value cast to its column's type (columns not named
// get NULL), so the rows arrive in the table's layout. Types that
// PostgreSQL would not convert on assignment are 42804.
func (st *InsertTemp) InsertQuery(cols []catalog.Column, source []pgtype.Type) (*Query, error) {
	targets := st.Columns
	if len(targets) == 0 {
		for _, c := range cols {
			targets = append(targets, c.Name)
		}
	}
	pos := make(map[string]int, len(targets))
	byName := make(map[string]catalog.Column, len(cols))
	for _, c := range cols {
		byName[c.Name] = c
	}
	for i, name := range targets {
		if _, ok := byName[name]; !ok {
			return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, st.Name)
		}
		if _, dup := pos[name]; dup {
			return nil, pgerr.New("42701", "column \"%s\" specified more than once", name)
		}
		pos[name] = i
	}
	width := len(source)
	if width > len(targets) {
		return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
	}
	if width < len(targets) && len(st.Columns) > 0 {
		return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more target columns than expressions")
	}
	targets = targets[:width]
	unknown := literalColumns(st.Select)
	for i, name := range targets {
		if to := byName[name].Type; !unknown[i] && !assignable(source[i], to) {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", name,
				pgtype.Type{OID: to.OID, Typmod: -1}, pgtype.Type{OID: source[i].OID, Typmod: -1}).
				WithHint("You will need to rewrite or cast the expression.")
		}
	}
	alias := &pg_query.Alias{Aliasname: "__sluice_ins"}
	for i := range targets {
		alias.Colnames = append(alias.Colnames, pg_query.MakeStrNode(fmt.Sprintf("c%d", i+1)))
	}
	// Op and LimitOption are enums whose zero value is "undefined", not
	// the parser's defaults.
	sel := &pg_query.SelectStmt{Op: pg_query.SetOperation_SETOP_NONE, LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT,
		FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeSubselect{
			RangeSubselect: &pg_query.RangeSubselect{Subquery: st.Select, Alias: alias}}}}}
	for _, c := range cols {
		tn, err := typeNameOf(c.Type)
		if err != nil {
			return nil, err
		}
		var val *pg_query.Node
		if i, ok := pos[c.Name]; ok && i < len(targets) {
			val = pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode("__sluice_ins"), pg_query.MakeStrNode(fmt.Sprintf("c%d", i+1))}, -1)
		} else {
			val = &pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Isnull: true, Location: -1}}}
		}
		cast := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: val, TypeName: tn, Location: -1}}}
		sel.TargetList = append(sel.TargetList, pg_query.MakeResTargetNodeWithNameAndVal(c.Name, cast, -1))
	}
	n := &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}
	return newQuery(st.source, st.sql, n), nil
}

// literalColumns are the source columns made only of string literals and
// NULLs: PostgreSQL types them by their target column (so '12' goes into
// an integer and 'x' fails there as invalid input), where the binder
// calls them text.
func literalColumns(n *pg_query.Node) map[int]bool {
	s := n.GetSelectStmt()
	if s == nil || s.Op != pg_query.SetOperation_SETOP_NONE {
		return nil
	}
	var rows [][]*pg_query.Node
	for _, l := range s.ValuesLists {
		rows = append(rows, l.GetList().GetItems())
	}
	if len(rows) == 0 {
		var row []*pg_query.Node
		for _, t := range s.TargetList {
			row = append(row, t.GetResTarget().GetVal())
		}
		rows = append(rows, row)
	}
	out := map[int]bool{}
	for i := range rows[0] {
		lit := true
		for _, r := range rows {
			if i >= len(r) {
				lit = false
				break
			}
			if c := r[i].GetAConst(); c == nil || !c.Isnull && c.GetSval() == nil {
				lit = false
				break
			}
		}
		out[i] = lit
	}
	return out
}

// assignable says whether PostgreSQL converts a value of type from into a
// column of type to on INSERT (an implicit or assignment cast, or the I/O
// conversion to a string type).
func assignable(from, to pgtype.Type) bool {
	if from.OID == to.OID || from.OID == pgtype.Unknown.OID {
		return true
	}
	fc, tc := from.Category(), to.Category()
	switch {
	case from.IsArray() || to.IsArray():
		return false
	case tc == pgtype.CatString:
		return true
	case fc == pgtype.CatNumeric && tc == pgtype.CatNumeric:
		return true
	case fc == pgtype.CatDatetime && tc == pgtype.CatDatetime:
		return true
	}
	return false
}

// typeNameOf is the parsed type name of t, as format_type spells it.
func typeNameOf(t pgtype.Type) (*pg_query.TypeName, error) {
	tree, err := pg_query.Parse("SELECT NULL::" + t.String())
	if err != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "type %s cannot be stored in a temporary table", t)
	}
	tc := tree.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().GetVal().GetTypeCast()
	return tc.TypeName, nil
}

// classifyWrite classifies the writes temporary tables allow; nil for
// every other statement, which stays a read-only error.
func classifyWrite(source, text string, base func(string) stmtBase, n *pg_query.Node) (Statement, error) {
	switch x := n.Node.(type) {
	case *pg_query.Node_CreateStmt:
		return classifyCreate(base, x.CreateStmt)
	case *pg_query.Node_CreateTableAsStmt:
		return classifyCreateAs(source, text, base, x.CreateTableAsStmt)
	case *pg_query.Node_InsertStmt:
		return classifyInsert(source, base, x.InsertStmt)
	case *pg_query.Node_DropStmt:
		return classifyDrop(base, x.DropStmt)
	}
	return nil, nil
}
