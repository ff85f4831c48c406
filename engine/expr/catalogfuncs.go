package expr

import (
	"fmt"
	"strings"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// CatalogEnv is what the catalog functions read at execution: the catalog
// state the query was bound against (so a function and a catalog table
// read in one query agree), the session's search_path and its user.
type CatalogEnv struct {
	State      *catalog.State
	SearchPath []string
	User       string
}

// SQLSTATEs of name resolution that pgerr does not name.
const (
	invalidSchemaName = "3F000"
	invalidName       = "42602"
)

// catalogFunc returns the implementation of a function clients call on
// catalog rows, with ok false for other names. These functions see NULLs
// themselves: PostgreSQL's format_type(oid, NULL) and the has_*_privilege
// family are not all strict, and an OID no object has answers NULL rather
// than an error, as in PostgreSQL.
func (c *compiler) catalogFunc(name string, types []pgtype.Type) (func([]pgtype.Datum) (pgtype.Datum, error), bool) {
	if fn, ok := arrayOpFunc(name, types); ok {
		return fn, true
	}
	if fn, ok := recordFunc(name, types); ok {
		return fn, true
	}
	ce := c.env.Catalog
	if ce == nil || ce.State == nil {
		ce = &CatalogEnv{State: &catalog.State{}}
	}
	started := c.env.Started
	oidArg := func(a []pgtype.Datum, i int) (uint32, bool) {
		if i >= len(a) || a[i] == nil {
			return 0, false
		}
		v, ok := a[i].(int64)
		return uint32(v), ok
	}
	strict := func(fn func([]pgtype.Datum) (pgtype.Datum, error)) func([]pgtype.Datum) (pgtype.Datum, error) {
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			for _, v := range a {
				if v == nil {
					return nil, nil
				}
			}
			return fn(a)
		}
	}
	null := func([]pgtype.Datum) (pgtype.Datum, error) { return nil, nil }
	switch name {
	case "format_type":
		// format_type(NULL, ...) is NULL; a NULL typmod means "no typmod".
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, ok := oidArg(a, 0)
			if !ok {
				return nil, nil
			}
			typmod := int32(-1)
			if len(a) > 1 && a[1] != nil {
				typmod = int32(a[1].(int64))
			}
			if _, known := pgtype.Lookup(pgtype.OID(oid)); !known {
				return ce.formatCatalogType(oid), nil
			}
			return formatType(pgtype.Type{OID: pgtype.OID(oid), Typmod: typmod}), nil
		}, true
	case "pg_get_userbyid":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			if n, ok := ce.State.RoleName(oid); ok {
				return n, nil
			}
			return fmt.Sprintf("unknown (OID=%d)", oid), nil
		}), true
	case "pg_get_serial_sequence":
		// Lake tables own no sequences: NULL, once the table and the column
		// are known to exist. The table name follows SQL's rules (folded
		// unless quoted); the column name is taken literally, as
		// PostgreSQL takes it.
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			t, err := ce.relation(a[0].(string))
			if err != nil {
				return nil, err
			}
			if col := a[1].(string); t.Column(col) < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", col, t.Name)
			}
			return nil, nil
		}), true
	case "pg_table_is_visible":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			sc, t := ce.State.RelationByOID(oid)
			if t == nil {
				return nil, nil
			}
			first := ce.firstInPath(t.Name)
			return first != nil && first.OID == sc.OID, nil
		}), true
	case "pg_type_is_visible":
		// Visible when the first schema of the search path holding a type
		// of that name is the type's own (PostgreSQL's TypeIsVisible).
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			name, ns, ok := ce.State.TypeByOID(oid)
			if !ok {
				return nil, nil
			}
			for _, p := range ce.path() {
				if sc := ce.State.Schema(p); sc != nil && ce.State.HasType(sc.OID, name) {
					return sc.OID == ns, nil
				}
			}
			return false, nil
		}), true
	case "pg_function_is_visible":
		// Every function we have lives in pg_catalog, always searched.
		return strict(func([]pgtype.Datum) (pgtype.Datum, error) { return true, nil }), true
	case "obj_description":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			classes := []uint32{catalog.PgClassRelationOID, catalog.PgNamespaceRelationOID}
			if len(a) > 1 {
				switch a[1].(string) {
				case "pg_class":
					classes = classes[:1]
				case "pg_namespace":
					classes = classes[1:]
				default:
					return nil, nil
				}
			}
			for _, cl := range classes {
				if d, ok := ce.State.Description(oid, cl, 0); ok {
					return d, nil
				}
			}
			return nil, nil
		}), true
	case "col_description":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			if d, ok := ce.State.Description(oid, catalog.PgClassRelationOID, int32(a[1].(int64))); ok {
				return d, nil
			}
			return nil, nil
		}), true
	case "pg_get_constraintdef":
		// The pretty flag changes nothing for a primary key.
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			if d, ok := ce.State.ConstraintDef(oid); ok {
				return d, nil
			}
			return nil, nil
		}), true
	case "pg_get_indexdef":
		// pg_get_indexdef(oid) and pg_get_indexdef(oid, column, pretty):
		// column 0 is the whole CREATE INDEX statement.
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			column, pretty := 0, false
			if len(a) > 2 {
				column, pretty = int(a[1].(int64)), a[2].(bool)
			}
			name := func(t *catalog.Table) string {
				if sc := ce.firstInPath(t.Name); pretty && sc != nil && sc.Name == t.Schema {
					return catalog.QuoteIdent(t.Name)
				}
				return t.QualifiedName()
			}
			if d, ok := ce.State.IndexDef(oid, column, name); ok {
				return d, nil
			}
			return nil, nil
		}), true
	case "shobj_description",
		// No object of ours has a default expression, a trigger, a rule,
		// extended statistics or a user-defined function: PostgreSQL
		// answers NULL for an OID that is none of these.
		"pg_get_expr", "pg_get_triggerdef",
		"pg_get_ruledef", "pg_get_statisticsobjdef_columns", "pg_get_function_result",
		"pg_get_function_arguments", "pg_get_function_identity_arguments", "pg_get_viewdef",
		"pg_get_partkeydef":
		return null, true
	case "pg_encoding_to_char":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			switch a[0].(int64) {
			case 0:
				return "SQL_ASCII", nil
			case 6:
				return "UTF8", nil
			}
			return "", nil
		}), true
	case "pg_relation_size", "pg_total_relation_size", "pg_table_size", "pg_indexes_size":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			_, t := ce.State.RelationByOID(oid)
			if t == nil {
				return nil, nil
			}
			if name == "pg_indexes_size" || t.SizeBytes < 0 || len(a) > 1 && a[1].(string) != "main" {
				return int64(0), nil
			}
			return t.SizeBytes, nil
		}), true
	case "pg_relation_is_publishable":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			oid, _ := oidArg(a, 0)
			_, t := ce.State.RelationByOID(oid)
			if t == nil {
				return nil, nil
			}
			return t.Format != catalog.FormatSystem, nil
		}), true
	case "pg_size_pretty":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) { return sizePretty(a[0].(int64)), nil }), true
	case "pg_postmaster_start_time":
		return func([]pgtype.Datum) (pgtype.Datum, error) {
			return pgtype.TimestampValue(started.UnixMicro()), nil
		}, true
	case "has_table_privilege", "has_any_column_privilege", "has_column_privilege",
		"has_schema_privilege", "has_database_privilege":
		return strict(func(a []pgtype.Datum) (pgtype.Datum, error) {
			return ce.privilege(name, types, a)
		}), true
	}
	return nil, false
}

// formatCatalogType is format_type of a type the catalog knows but the
// engine has no codec for (information_schema's domains, the row types of
// lake tables and their arrays): its name, schema-qualified unless the
// search path finds it, "[]" for an array; "???" for an unknown OID, as
// PostgreSQL prints it.
func (ce *CatalogEnv) formatCatalogType(oid uint32) string {
	suffix := ""
	if elem := ce.State.TypeElem(oid); elem != 0 {
		if _, known := pgtype.Lookup(pgtype.OID(elem)); known {
			return formatType(pgtype.Type{OID: pgtype.OID(elem), Typmod: -1}) + "[]"
		}
		oid, suffix = elem, "[]"
	}
	name, ns, ok := ce.State.TypeByOID(oid)
	if !ok {
		return "???"
	}
	visible := false
	for _, p := range ce.path() {
		if sc := ce.State.Schema(p); sc != nil && ce.State.HasType(sc.OID, name) {
			visible = sc.OID == ns
			break
		}
	}
	if !visible {
		if sc := ce.State.NamespaceByOID(ns); sc != nil {
			return catalog.QuoteIdent(sc.Name) + "." + catalog.QuoteIdent(name) + suffix
		}
	}
	return catalog.QuoteIdent(name) + suffix
}

// firstInPath is the schema a bare relation name resolves to: pg_catalog
// first unless search_path places it, then search_path's schemas.
func (ce *CatalogEnv) firstInPath(rel string) *catalog.Schema {
	path := ce.path()
	for _, s := range path {
		if sc := ce.State.Schema(s); sc != nil && sc.Relation(rel) != nil {
			return sc
		}
	}
	return nil
}

func (ce *CatalogEnv) path() []string {
	path := make([]string, 0, len(ce.SearchPath)+1)
	hasCatalog := false
	for _, s := range ce.SearchPath {
		if s == "pg_catalog" {
			hasCatalog = true
		}
	}
	if !hasCatalog {
		path = append(path, "pg_catalog")
	}
	for _, s := range ce.SearchPath {
		if s == "$user" {
			s = ce.User
			if catalog.IsSystemSchema(s) {
				continue // as the planner resolves "$user"
			}
		}
		path = append(path, s)
	}
	return path
}

// relation resolves a relation named in text as regclass input does
// ("gold.orders", "orders" through search_path, quoted parts keep case).
func (ce *CatalogEnv) relation(name string) (*catalog.Table, error) {
	parts := splitQualified(name)
	switch len(parts) {
	case 1:
		if sc := ce.firstInPath(parts[0]); sc != nil {
			return ce.State.Table(sc.Name, parts[0])
		}
	case 2:
		if sc := ce.State.Schema(parts[0]); sc == nil {
			return nil, pgerr.New(invalidSchemaName, "schema %q does not exist", parts[0])
		}
		if t, err := ce.State.Table(parts[0], parts[1]); err == nil {
			return t, nil
		}
	case 3:
		if parts[0] != ce.State.DatabaseName() {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "cross-database references are not implemented: %s", name)
		}
		return ce.relation(name[strings.Index(name, ".")+1:])
	default:
		return nil, pgerr.New(invalidName, "improper relation name (too many dotted names): %s", name)
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", name)
}

// splitQualified splits a dotted name: unquoted parts fold to lower case,
// quoted ones keep theirs with "" as one quote.
func splitQualified(s string) []string {
	var parts []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case ch == '"':
			quoted = !quoted
		case ch == '.' && !quoted:
			parts = append(parts, b.String())
			b.Reset()
		case quoted:
			b.WriteByte(ch)
		default:
			b.WriteString(strings.ToLower(string(ch)))
		}
	}
	return append(parts, b.String())
}

// privileges are the privilege words each has_*_privilege accepts.
var privileges = map[string]string{
	"has_table_privilege":      "SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER",
	"has_any_column_privilege": "SELECT INSERT UPDATE REFERENCES",
	"has_column_privilege":     "SELECT INSERT UPDATE REFERENCES",
	"has_schema_privilege":     "CREATE USAGE",
	"has_database_privilege":   "CREATE CONNECT TEMPORARY TEMP",
}

// privilege answers the has_*_privilege family: every object a session can
// name is readable until access control exists, so the answer is true,
// after PostgreSQL's checks of the role, the object and the privilege
// words. The optional first argument is the role (name or OID).
func (ce *CatalogEnv) privilege(fn string, types []pgtype.Type, a []pgtype.Datum) (pgtype.Datum, error) {
	want := 2
	if fn == "has_column_privilege" {
		want = 3
	}
	if len(a) > want {
		if types[0].OID == pgtype.OIDOID {
			if _, ok := ce.State.RoleName(uint32(a[0].(int64))); !ok {
				return nil, nil
			}
		} else if _, ok := ce.State.RoleOID(a[0].(string)); !ok {
			return nil, pgerr.New(pgerr.UndefinedObject, "role %q does not exist", a[0].(string))
		}
		a, types = a[1:], types[1:]
	}
	// The object: a name (errors when unknown) or an OID (NULL when unknown).
	exists := true
	var table *catalog.Table
	switch fn {
	case "has_schema_privilege":
		if types[0].OID == pgtype.OIDOID {
			exists = ce.State.NamespaceByOID(uint32(a[0].(int64))) != nil
		} else if ce.State.Schema(a[0].(string)) == nil {
			return nil, pgerr.New(invalidSchemaName, "schema %q does not exist", a[0].(string))
		}
	case "has_database_privilege":
		if types[0].OID != pgtype.OIDOID && a[0].(string) != ce.State.DatabaseName() {
			return nil, pgerr.New(pgerr.InvalidCatalogName, "database %q does not exist", a[0].(string))
		}
	default:
		if types[0].OID == pgtype.OIDOID || types[0].OID == pgtype.RegclassOID {
			_, table = ce.State.RelationByOID(uint32(a[0].(int64)))
			exists = table != nil
		} else {
			t, err := ce.relation(a[0].(string))
			if err != nil {
				return nil, err
			}
			table = t
		}
	}
	if fn == "has_column_privilege" && table != nil {
		switch col := a[1].(type) {
		case string:
			if table.Column(col) < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", col, table.Name)
			}
		case int64:
			if col < 1 || int(col) > len(table.Columns) {
				return nil, nil
			}
		}
	}
	words := privileges[fn]
	for _, w := range strings.Split(a[len(a)-1].(string), ",") {
		w = strings.ToUpper(strings.TrimSpace(w))
		w = strings.TrimSuffix(w, " WITH GRANT OPTION")
		if !strings.Contains(" "+words+" ", " "+w+" ") {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized privilege type: %q", strings.TrimSpace(a[len(a)-1].(string)))
		}
	}
	if !exists {
		return nil, nil
	}
	return true, nil
}

// sizePretty is pg_size_pretty(bigint): bytes below 10 kB, then the unit
// keeping the number below 20 * 1024 - 1 halves, rounded half away from
// zero, as PostgreSQL 15 prints it.
func sizePretty(size int64) string {
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	if abs(size) < 10*1024 {
		return fmt.Sprintf("%d bytes", size)
	}
	size >>= 9 // one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < 20*1024-1 {
			return fmt.Sprintf("%d %s", halfRounded(size), unit)
		}
		size >>= 10
	}
	return fmt.Sprintf("%d PB", halfRounded(size))
}

func halfRounded(v int64) int64 {
	if v < 0 {
		return (v - 1) / 2
	}
	return (v + 1) / 2
}

// lowerBound is an array's first subscript: 0 for int2vector and
// oidvector, which PostgreSQL always stores from 0 (pg_index.indkey[0] is
// the first column); else the array's own (an Array read from Arrow has 1,
// one cast from a vector 0).
func lowerBound(t pgtype.Type, arr pgtype.Array) int64 {
	if isVector(t) {
		return 0
	}
	return int64(arr.Lower)
}

// isVector: int2vector or oidvector.
func isVector(t pgtype.Type) bool {
	return t.OID == pgtype.Int2VectorOID || t.OID == pgtype.OIDVectorOID
}

// formatType is format_type: pgtype's rendering, with the precision of
// time and timestamp types placed where PostgreSQL puts it.
func formatType(t pgtype.Type) string {
	if t.Typmod >= 0 {
		switch t.OID {
		case pgtype.TimestampOID:
			return fmt.Sprintf("timestamp(%d) without time zone", t.Typmod)
		case pgtype.TimestamptzOID:
			return fmt.Sprintf("timestamp(%d) with time zone", t.Typmod)
		case pgtype.TimeOID:
			return fmt.Sprintf("time(%d) without time zone", t.Typmod)
		}
	}
	switch t.OID {
	case pgtype.Int2VectorOID:
		// Arrays of int2 and oid to the engine, but types of their own
		// (pg_index.indkey, pg_proc.proargtypes) to PostgreSQL.
		return "int2vector"
	case pgtype.OIDVectorOID:
		return "oidvector"
	}
	if t.IsArray() {
		return formatType(t.Elem()) + "[]"
	}
	return t.String()
}

// regToText is the cast of a reg* value to text: PostgreSQL's output
// functions print the object's name (schema-qualified when search_path
// would not find it), "-" for InvalidOid, and the number for an OID no
// object has. Only the types whose objects the catalog state knows are
// named; regproc and the operator types keep their numbers.
func regToText(from, to pgtype.Type, env *Env) (func(pgtype.Datum) (pgtype.Datum, error), bool) {
	switch to.OID {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.NameOID:
	default:
		return nil, false
	}
	switch from.OID {
	case pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
	default:
		return nil, false
	}
	ce := env.Catalog
	if ce == nil || ce.State == nil {
		ce = &CatalogEnv{State: &catalog.State{}}
	}
	return func(d pgtype.Datum) (pgtype.Datum, error) {
		oid := uint32(d.(int64))
		if oid == 0 {
			return "-", nil
		}
		switch from.OID {
		case pgtype.RegclassOID:
			if sc, t := ce.State.RelationByOID(oid); t != nil {
				if first := ce.firstInPath(t.Name); first != nil && first.OID == sc.OID {
					return catalog.QuoteIdent(t.Name), nil
				}
				return t.QualifiedName(), nil
			}
		case pgtype.RegtypeOID:
			if _, ok := pgtype.Lookup(pgtype.OID(oid)); ok {
				return formatType(pgtype.Type{OID: pgtype.OID(oid), Typmod: -1}), nil
			}
		case pgtype.RegnamespaceOID:
			if sc := ce.State.NamespaceByOID(oid); sc != nil {
				return catalog.QuoteIdent(sc.Name), nil
			}
		case pgtype.RegroleOID:
			if n, ok := ce.State.RoleName(oid); ok {
				return catalog.QuoteIdent(n), nil
			}
		}
		return fmt.Sprint(oid), nil
	}, true
}
