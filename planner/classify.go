package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// classify turns one parsed statement into the Statement the gateway acts on.
func classify(source, text string, n *pg_query.Node) (Statement, error) {
	base := func(tag string) stmtBase { return stmtBase{sql: text, tag: tag} }
	switch x := n.Node.(type) {
	case *pg_query.Node_SelectStmt:
		return newQuery(source, text, n), nil
	case *pg_query.Node_VariableSetStmt:
		return classifySet(base, x.VariableSetStmt)
	case *pg_query.Node_VariableShowStmt:
		name := strings.ToLower(x.VariableShowStmt.Name)
		return &ShowVar{stmtBase: base("SHOW"), Name: name, All: name == "all"}, nil
	case *pg_query.Node_TransactionStmt:
		return classifyTransaction(base, x.TransactionStmt)
	case *pg_query.Node_DeclareCursorStmt:
		d := x.DeclareCursorStmt
		q, err := innerQuery(source, text, d.Query, "DECLARE CURSOR")
		if err != nil {
			return nil, err
		}
		const (
			optBinary = 0x1
			optScroll = 0x2
			optHold   = 0x20
		)
		return &DeclareCursor{stmtBase: base("DECLARE CURSOR"), Name: d.Portalname,
			Binary: d.Options&optBinary != 0, Scroll: d.Options&optScroll != 0,
			Hold: d.Options&optHold != 0, Query: q}, nil
	case *pg_query.Node_FetchStmt:
		f := x.FetchStmt
		tag := "FETCH"
		if f.Ismove {
			tag = "MOVE"
		}
		st := &Fetch{stmtBase: base(tag), Name: f.Portalname, Move: f.Ismove, Count: f.HowMany}
		switch f.Direction {
		case pg_query.FetchDirection_FETCH_BACKWARD:
			st.Direction = FetchBackward
		case pg_query.FetchDirection_FETCH_ABSOLUTE:
			st.Direction = FetchAbsolute
		case pg_query.FetchDirection_FETCH_RELATIVE:
			st.Direction = FetchRelative
		}
		switch {
		case f.HowMany == math.MaxInt64: // FETCH ALL
			st.Count = -1
		case f.HowMany < 0 && (st.Direction == FetchForward || st.Direction == FetchBackward):
			// FETCH -n is FETCH BACKWARD n (and BACKWARD -n is FORWARD n), so
			// that a negative Count means ALL and nothing else.
			st.Count = -f.HowMany
			if st.Direction == FetchForward {
				st.Direction = FetchBackward
			} else {
				st.Direction = FetchForward
			}
		}
		return st, nil
	case *pg_query.Node_ClosePortalStmt:
		name := x.ClosePortalStmt.Portalname
		return &ClosePortal{stmtBase: base("CLOSE CURSOR"), Name: name, All: name == ""}, nil
	case *pg_query.Node_PrepareStmt:
		return classifyPrepare(source, text, base, x.PrepareStmt)
	case *pg_query.Node_ExecuteStmt:
		params := make([]*string, len(x.ExecuteStmt.Params))
		for i, p := range x.ExecuteStmt.Params {
			v, isNull, err := constText(p)
			if err != nil {
				return nil, err
			}
			if !isNull {
				params[i] = &v
			}
		}
		return &Execute{stmtBase: base("EXECUTE"), Name: x.ExecuteStmt.Name, Params: params}, nil
	case *pg_query.Node_DeallocateStmt:
		d := x.DeallocateStmt
		all := d.Isall || d.Name == ""
		tag := "DEALLOCATE"
		if all {
			tag = "DEALLOCATE ALL"
		}
		return &Deallocate{stmtBase: base(tag), Name: d.Name, All: all}, nil
	case *pg_query.Node_DiscardStmt:
		what := map[pg_query.DiscardMode]string{
			pg_query.DiscardMode_DISCARD_ALL:       "ALL",
			pg_query.DiscardMode_DISCARD_PLANS:     "PLANS",
			pg_query.DiscardMode_DISCARD_SEQUENCES: "SEQUENCES",
			pg_query.DiscardMode_DISCARD_TEMP:      "TEMP",
		}[x.DiscardStmt.Target]
		return &Discard{stmtBase: base("DISCARD " + what), What: what}, nil
	case *pg_query.Node_CopyStmt:
		return classifyCopy(source, text, base, x.CopyStmt)
	case *pg_query.Node_ExplainStmt:
		e := x.ExplainStmt
		q, err := innerQuery(source, text, e.Query, "EXPLAIN")
		if err != nil {
			return nil, err
		}
		st := &Explain{stmtBase: base("EXPLAIN"), Query: q}
		for _, o := range e.Options {
			if d := o.GetDefElem(); d != nil {
				on := d.Arg == nil || defBool(d.Arg)
				switch d.Defname {
				case "analyze":
					st.Analyze = on
				case "verbose":
					st.Verbose = on
				}
			}
		}
		return st, nil
	case *pg_query.Node_ListenStmt, *pg_query.Node_UnlistenStmt, *pg_query.Node_NotifyStmt,
		*pg_query.Node_CheckPointStmt, *pg_query.Node_LoadStmt, *pg_query.Node_ConstraintsSetStmt:
		return &Noop{stmtBase: base(noopTag(n))}, nil
	}
	if st, err := classifyWrite(source, text, base, n); st != nil || err != nil {
		return st, err
	}
	tag := commandTag(n)
	return &Unsupported{stmtBase: base(tag), Code: pgerr.ReadOnlySQLTransaction,
		Message: fmt.Sprintf("cannot execute %s in a read-only transaction", tag)}, nil
}

func newQuery(source, text string, n *pg_query.Node) *Query {
	q := &Query{stmtBase: stmtBase{sql: text, tag: "SELECT"}, node: n, source: source}
	q.ParamCount = maxParam(n)
	return q
}

// innerQuery accepts the query of DECLARE, EXPLAIN, COPY and PREPARE: only
// row-returning statements can be read here.
func innerQuery(source, text string, n *pg_query.Node, what string) (*Query, error) {
	if n == nil || n.GetSelectStmt() == nil {
		tag := commandTag(n)
		return nil, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", tag).
			WithDetail("%s is only supported for queries in Sluice.", what)
	}
	return newQuery(source, text, n), nil
}

func classifySet(base func(string) stmtBase, s *pg_query.VariableSetStmt) (Statement, error) {
	name := strings.ToLower(s.Name)
	switch s.Kind {
	case pg_query.VariableSetKind_VAR_RESET:
		return &ResetVar{stmtBase: base("RESET"), Name: name}, nil
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		return &ResetVar{stmtBase: base("RESET"), All: true}, nil
	case pg_query.VariableSetKind_VAR_SET_DEFAULT:
		return &SetVar{stmtBase: base("SET"), Name: name, Local: s.IsLocal, Default: true}, nil
	case pg_query.VariableSetKind_VAR_SET_CURRENT:
		return &Noop{stmtBase: base("SET")}, nil
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION ... / SET SESSION CHARACTERISTICS AS TRANSACTION ...:
		// its items become individual settings.
		st := &SetVar{stmtBase: base("SET"), Local: s.IsLocal}
		switch name {
		case "transaction":
			st.Name = "transaction"
		case "session characteristics":
			st.Name = "session characteristics"
		default:
			st.Name = name
		}
		for _, a := range s.Args {
			if d := a.GetDefElem(); d != nil {
				v, _, err := constText(d.Arg)
				if err != nil {
					return nil, err
				}
				st.Values = append(st.Values, d.Defname+"="+v)
			}
		}
		return st, nil
	}
	st := &SetVar{stmtBase: base("SET"), Name: name, Local: s.IsLocal}
	for _, a := range s.Args {
		if tc := a.GetTypeCast(); tc != nil && name == "timezone" {
			// SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE is an offset
			// with ISO's sign; the session reads numbers as such hours,
			// while a bare '-08:00' would be POSIX's opposite sign.
			v, err := intervalHours(tc)
			if err != nil {
				return nil, err
			}
			st.Values = append(st.Values, v)
			continue
		}
		v, _, err := constText(a)
		if err != nil {
			return nil, err
		}
		st.Values = append(st.Values, v)
	}
	return st, nil
}

// intervalHours renders the interval of SET TIME ZONE INTERVAL '...' as
// decimal hours east of UTC.
func intervalHours(tc *pg_query.TypeCast) (string, error) {
	text, _, err := constText(tc.Arg)
	if err != nil {
		return "", err
	}
	d, err := pgtype.Decode(pgtype.Interval, pgtype.TextFormat, []byte(text), nil)
	if err != nil {
		return "", err
	}
	iv := d.(pgtype.IntervalValue)
	if iv.Months != 0 || iv.Days != 0 {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid interval value for time zone: month and day not allowed")
	}
	return strconv.FormatFloat(float64(iv.Micros)/3.6e9, 'f', -1, 64), nil
}

func classifyTransaction(base func(string) stmtBase, t *pg_query.TransactionStmt) (Statement, error) {
	st := &Transaction{Savepoint: t.SavepointName, Chain: t.Chain}
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN:
		st.Kind, st.stmtBase = TxBegin, base("BEGIN")
	case pg_query.TransactionStmtKind_TRANS_STMT_START:
		st.Kind, st.stmtBase = TxBegin, base("START TRANSACTION")
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		st.Kind, st.stmtBase = TxCommit, base("COMMIT")
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		st.Kind, st.stmtBase = TxRollback, base("ROLLBACK")
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		st.Kind, st.stmtBase = TxSavepoint, base("SAVEPOINT")
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		st.Kind, st.stmtBase = TxRelease, base("RELEASE")
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		st.Kind, st.stmtBase = TxRollbackTo, base("ROLLBACK")
	case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
		st.Kind, st.stmtBase = TxPrepare, base("PREPARE TRANSACTION")
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED:
		st.Kind, st.stmtBase = TxCommitPrepared, base("COMMIT PREPARED")
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		st.Kind, st.stmtBase = TxRollbackPrepared, base("ROLLBACK PREPARED")
	}
	for _, o := range t.Options {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		v, _, err := constText(d.Arg)
		if err != nil {
			return nil, err
		}
		if st.Options == nil {
			st.Options = map[string]string{}
		}
		switch d.Defname {
		case "transaction_read_only", "transaction_deferrable":
			if v == "1" || v == "true" {
				v = "on"
			} else if v == "0" || v == "false" {
				v = "off"
			}
		}
		st.Options[d.Defname] = v
	}
	return st, nil
}

func classifyPrepare(source, text string, base func(string) stmtBase, p *pg_query.PrepareStmt) (Statement, error) {
	st := &Prepare{stmtBase: base("PREPARE"), Name: p.Name}
	for _, a := range p.Argtypes {
		tn := a.GetTypeName()
		if tn == nil {
			return nil, pgerr.New(pgerr.SyntaxError, "invalid type in PREPARE")
		}
		t, err := resolveTypeName(tn)
		if err != nil {
			return nil, err
		}
		st.ParamTypes = append(st.ParamTypes, t)
	}
	// The body's text is the part after AS; binding uses its node, and
	// its tag is the body's own.
	body, err := classify(source, text, p.Query)
	if err != nil {
		return nil, err
	}
	st.Body = body
	return st, nil
}

func classifyCopy(source, text string, base func(string) stmtBase, c *pg_query.CopyStmt) (Statement, error) {
	if c.IsFrom {
		return &Unsupported{stmtBase: base("COPY"), Code: pgerr.ReadOnlySQLTransaction,
			Message: "cannot execute COPY FROM in a read-only transaction"}, nil
	}
	if c.Filename != "" || c.IsProgram {
		return nil, pgerr.New(pgerr.InsufficientPrivilege,
			"COPY to a file or program is not allowed in Sluice").
			WithHint("Use COPY TO STDOUT, e.g. psql's \\copy.")
	}
	st := &Copy{stmtBase: base("COPY")}
	if c.Query != nil {
		q, err := innerQuery(source, text, c.Query, "COPY")
		if err != nil {
			return nil, err
		}
		st.Query = q
	} else if c.Relation != nil {
		// COPY table [(cols)] TO STDOUT reads like SELECT cols FROM table.
		cols := "*"
		if len(c.Attlist) > 0 {
			var names []string
			for _, a := range c.Attlist {
				names = append(names, quoteIdent(a.GetString_().GetSval()))
			}
			cols = strings.Join(names, ", ")
		}
		rel := quoteIdent(c.Relation.Relname)
		if c.Relation.Schemaname != "" {
			rel = quoteIdent(c.Relation.Schemaname) + "." + rel
		}
		inner := fmt.Sprintf("SELECT %s FROM %s", cols, rel)
		tree, err := pg_query.Parse(inner)
		if err != nil || len(tree.Stmts) != 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "invalid COPY relation")
		}
		st.Query = newQuery(inner, inner, tree.Stmts[0].Stmt)
	}
	for _, o := range c.Options {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		v, _, _ := constText(d.Arg)
		switch d.Defname {
		case "format":
			switch strings.ToLower(v) {
			case "csv":
				st.CSV = true
			case "text":
			case "binary":
				return nil, pgerr.New(pgerr.FeatureNotSupported, "COPY format \"binary\" is not supported")
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "COPY format \"%s\" not recognized", v)
			}
		case "header":
			st.Header = d.Arg == nil || defBool(d.Arg)
		case "delimiter":
			st.Delimiter = v
		case "null":
			st.Null = v
		case "quote":
			st.Quote = v
		case "escape":
			st.Escape = v
		case "force_quote":
			if d.Arg != nil && d.Arg.GetAStar() != nil {
				st.ForceQuoteAll = true
			} else if l := d.Arg.GetList(); l != nil {
				for _, it := range l.Items {
					st.ForceQuote = append(st.ForceQuote, it.GetString_().GetSval())
				}
			}
		case "encoding":
			if !strings.EqualFold(v, "utf8") && !strings.EqualFold(v, "utf-8") {
				return nil, pgerr.New(pgerr.FeatureNotSupported, "COPY encoding %q is not supported; Sluice speaks UTF8", v)
			}
		default:
			return nil, pgerr.New(pgerr.SyntaxError, "option \"%s\" not recognized", d.Defname)
		}
	}
	if st.Query == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "COPY needs a table or a query")
	}
	return st, nil
}

// constText renders a constant argument (of SET, EXECUTE, options) as
// text. Identifiers (SET search_path TO gold) count as text too.
func constText(n *pg_query.Node) (value string, isNull bool, err error) {
	if n == nil {
		return "", true, nil
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_AConst:
		c := x.AConst
		if c.Isnull {
			return "", true, nil
		}
		switch v := c.Val.(type) {
		case *pg_query.A_Const_Ival:
			return strconv.FormatInt(int64(v.Ival.Ival), 10), false, nil
		case *pg_query.A_Const_Fval:
			return v.Fval.Fval, false, nil
		case *pg_query.A_Const_Sval:
			return v.Sval.Sval, false, nil
		case *pg_query.A_Const_Boolval:
			if v.Boolval.Boolval {
				return "true", false, nil
			}
			return "false", false, nil
		case *pg_query.A_Const_Bsval:
			return v.Bsval.Bsval, false, nil
		}
	case *pg_query.Node_String_:
		return x.String_.Sval, false, nil
	case *pg_query.Node_Integer:
		return strconv.FormatInt(int64(x.Integer.Ival), 10), false, nil
	case *pg_query.Node_Float:
		return x.Float.Fval, false, nil
	case *pg_query.Node_Boolean:
		if x.Boolean.Boolval {
			return "true", false, nil
		}
		return "false", false, nil
	case *pg_query.Node_TypeCast:
		// SET TIME ZONE INTERVAL '...' and EXECUTE p('x'::int): the value's text.
		return constText(x.TypeCast.Arg)
	case *pg_query.Node_AExpr:
		// A negative number is parsed as unary minus over a constant.
		if e := x.AExpr; e.Lexpr == nil && len(e.Name) == 1 && e.Name[0].GetString_().GetSval() == "-" {
			v, null, err := constText(e.Rexpr)
			return "-" + v, null, err
		}
	case *pg_query.Node_ColumnRef:
		// EXECUTE and SET take constants only; a bare name is text.
		if len(x.ColumnRef.Fields) == 1 {
			if s := x.ColumnRef.Fields[0].GetString_(); s != nil {
				return s.Sval, false, nil
			}
		}
	}
	return "", false, pgerr.New(pgerr.FeatureNotSupported, "only constant values are supported here")
}

func defBool(n *pg_query.Node) bool {
	v, _, err := constText(n)
	if err != nil {
		return true
	}
	switch strings.ToLower(v) {
	case "false", "off", "0", "no":
		return false
	}
	return true
}

func maxParam(n *pg_query.Node) int {
	max := 0
	var walk func(m any)
	// A parsed statement is a protobuf tree; walk it through the reflection
	// the generated code offers so every ParamRef is seen.
	walk = func(m any) {
		switch x := m.(type) {
		case *pg_query.Node:
			if x == nil {
				return
			}
			if p := x.GetParamRef(); p != nil {
				if int(p.Number) > max {
					max = int(p.Number)
				}
				return
			}
			walkChildren(x, walk)
		}
	}
	walk(n)
	return max
}

func noopTag(n *pg_query.Node) string {
	switch n.Node.(type) {
	case *pg_query.Node_ListenStmt:
		return "LISTEN"
	case *pg_query.Node_UnlistenStmt:
		return "UNLISTEN"
	case *pg_query.Node_NotifyStmt:
		return "NOTIFY"
	case *pg_query.Node_CheckPointStmt:
		return "CHECKPOINT"
	case *pg_query.Node_LoadStmt:
		return "LOAD"
	case *pg_query.Node_ConstraintsSetStmt:
		return "SET CONSTRAINTS"
	}
	return "OK"
}

// commandTag names a statement the way PostgreSQL's command tags do, for
// statements Sluice refuses.
func commandTag(n *pg_query.Node) string {
	if n == nil {
		return "???"
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_InsertStmt:
		return "INSERT"
	case *pg_query.Node_UpdateStmt:
		return "UPDATE"
	case *pg_query.Node_DeleteStmt:
		return "DELETE"
	case *pg_query.Node_MergeStmt:
		return "MERGE"
	case *pg_query.Node_CreateStmt:
		return "CREATE TABLE"
	case *pg_query.Node_CreateTableAsStmt:
		if x.CreateTableAsStmt.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
			return "CREATE MATERIALIZED VIEW"
		}
		return "CREATE TABLE AS"
	case *pg_query.Node_ViewStmt:
		return "CREATE VIEW"
	case *pg_query.Node_IndexStmt:
		return "CREATE INDEX"
	case *pg_query.Node_CreateSchemaStmt:
		return "CREATE SCHEMA"
	case *pg_query.Node_CreateSeqStmt:
		return "CREATE SEQUENCE"
	case *pg_query.Node_CreateFunctionStmt:
		return "CREATE FUNCTION"
	case *pg_query.Node_CreateRoleStmt:
		return "CREATE ROLE"
	case *pg_query.Node_CreatedbStmt:
		return "CREATE DATABASE"
	case *pg_query.Node_CreateExtensionStmt:
		return "CREATE EXTENSION"
	case *pg_query.Node_AlterTableStmt:
		return "ALTER TABLE"
	case *pg_query.Node_RenameStmt:
		return "ALTER TABLE"
	case *pg_query.Node_DropStmt:
		return "DROP " + objectTypeName(x.DropStmt.RemoveType)
	case *pg_query.Node_TruncateStmt:
		return "TRUNCATE TABLE"
	case *pg_query.Node_GrantStmt:
		if x.GrantStmt.IsGrant {
			return "GRANT"
		}
		return "REVOKE"
	case *pg_query.Node_GrantRoleStmt:
		return "GRANT ROLE"
	case *pg_query.Node_CommentStmt:
		return "COMMENT"
	case *pg_query.Node_VacuumStmt:
		if x.VacuumStmt.IsVacuumcmd {
			return "VACUUM"
		}
		return "ANALYZE"
	case *pg_query.Node_LockStmt:
		return "LOCK TABLE"
	case *pg_query.Node_RefreshMatViewStmt:
		return "REFRESH MATERIALIZED VIEW"
	case *pg_query.Node_DoStmt:
		return "DO"
	case *pg_query.Node_CallStmt:
		return "CALL"
	case *pg_query.Node_CopyStmt:
		return "COPY"
	}
	name := fmt.Sprintf("%T", n.Node)
	name = strings.TrimPrefix(name, "*pg_query.Node_")
	name = strings.TrimSuffix(name, "Stmt")
	return strings.ToUpper(name)
}

func objectTypeName(t pg_query.ObjectType) string {
	s := strings.TrimPrefix(t.String(), "OBJECT_")
	s = strings.ReplaceAll(s, "_", " ")
	if s == "MATVIEW" {
		return "MATERIALIZED VIEW"
	}
	return s
}

func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// resolveTypeName maps a parsed type name (int, varchar(10), numeric(12,2),
// timestamp with time zone, text[]) to a Type.
func resolveTypeName(tn *pg_query.TypeName) (pgtype.Type, error) {
	var names []string
	for _, n := range tn.Names {
		names = append(names, n.GetString_().GetSval())
	}
	name := names[len(names)-1]
	if len(names) == 2 && names[0] != "pg_catalog" {
		return pgtype.Unknown, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", strings.Join(names, "."))
	}
	var mods []int
	for _, m := range tn.Typmods {
		v, _, err := constText(m)
		if err != nil {
			return pgtype.Unknown, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers")
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return pgtype.Unknown, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers")
		}
		mods = append(mods, i)
	}
	t, err := typeByName(name, mods)
	if err != nil {
		return t, err
	}
	if len(tn.ArrayBounds) > 0 {
		at, ok := pgtype.ArrayOf(pgtype.Type{OID: t.OID, Typmod: -1})
		if !ok {
			return pgtype.Unknown, pgerr.New(pgerr.UndefinedObject, "type \"%s[]\" does not exist", name)
		}
		at.Typmod = t.Typmod
		return at, nil
	}
	return t, nil
}

var typeAliases = map[string]string{
	"int": "int4", "integer": "int4", "smallint": "int2", "bigint": "int8",
	"real": "float4", "float": "float8", "double precision": "float8",
	"boolean": "bool", "decimal": "numeric", "character varying": "varchar",
	"character": "bpchar", "char": "bpchar", "timestamp without time zone": "timestamp",
	"timestamp with time zone": "timestamptz", "time without time zone": "time",
	"serial": "int4", "bigserial": "int8", "smallserial": "int2",
}

func typeByName(name string, mods []int) (pgtype.Type, error) {
	n := strings.ToLower(name)
	if a, ok := typeAliases[n]; ok {
		n = a
	}
	info, ok := pgtype.LookupName(n)
	if !ok {
		return pgtype.Unknown, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", name)
	}
	t := pgtype.Type{OID: info.OID, Typmod: -1}
	switch info.OID {
	case pgtype.NumericOID:
		switch len(mods) {
		case 1:
			if mods[0] < 1 || mods[0] > 1000 {
				return t, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", mods[0])
			}
			t.Typmod = pgtype.NumericTypmod(mods[0], 0)
		case 2:
			if mods[0] < 1 || mods[0] > 1000 {
				return t, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", mods[0])
			}
			t.Typmod = pgtype.NumericTypmod(mods[0], mods[1])
		}
	case pgtype.IntervalOID:
		// interval YEAR, DAY TO SECOND(3): the parser gives the field mask,
		// then the precision; PostgreSQL's typmod is (mask << 16) | precision,
		// with 0xFFFF for a full precision.
		const fullPrecision = 0xFFFF
		switch len(mods) {
		case 1:
			t.Typmod = int32(mods[0]<<16 | fullPrecision)
		case 2:
			t.Typmod = int32(mods[0]<<16 | mods[1])
		}
	case pgtype.VarcharOID, pgtype.BPCharOID:
		if len(mods) == 1 {
			t.Typmod = pgtype.VarcharTypmod(mods[0])
		} else if info.OID == pgtype.BPCharOID && name != "bpchar" {
			t.Typmod = pgtype.VarcharTypmod(1) // char alone is char(1)
		}
	}
	return t, nil
}
