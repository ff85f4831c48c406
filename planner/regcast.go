package planner

import (
	"strings"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// regByName reads a reg* literal given by name ('gold.orders'::regclass,
// 'pg_catalog'::regnamespace, 'sluice'::regrole, 'int4'::regtype) against
// the catalog state the query binds to, as PostgreSQL's input functions
// read the catalog; ok is false for a literal that is not a name (an OID,
// "-") or a type whose names are not resolved here, left to the type's own
// input.
func (b *binder) regByName(t pgtype.Type, text string) (e plan.Expr, ok bool, err error) {
	s := strings.TrimSpace(text)
	if s == "" || s == "-" || strings.Trim(s, "0123456789") == "" {
		return nil, false, nil
	}
	konst := func(oid uint32) (plan.Expr, bool, error) {
		return &plan.Const{Value: int64(oid), Typ: t}, true, nil
	}
	parts := splitRegName(s)
	switch t.OID {
	case pgtype.RegclassOID:
		switch len(parts) {
		case 1:
			// The session's temporary tables first, as relation names
			// are looked up (searchPath lists pg_temp_N once it exists).
			for _, sc := range b.searchPath(true) {
				if oid, found := b.relationOID(sc, parts[0]); found {
					return konst(oid)
				}
			}
		case 2:
			if b.state.Schema(parts[0]) == nil {
				return nil, true, pgerr.New("3F000", "schema \"%s\" does not exist", parts[0])
			}
			if oid, found := b.relationOID(parts[0], parts[1]); found {
				return konst(oid)
			}
		default:
			return nil, true, pgerr.New("42602", "improper relation name (too many dotted names): %s", s)
		}
		return nil, true, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", s)
	case pgtype.RegnamespaceOID:
		if len(parts) != 1 {
			return nil, true, pgerr.New("42602", "invalid name syntax")
		}
		if sc := b.state.Schema(parts[0]); sc != nil {
			return konst(sc.OID)
		}
		return nil, true, pgerr.New("3F000", "schema \"%s\" does not exist", parts[0])
	case pgtype.RegroleOID:
		if len(parts) != 1 {
			return nil, true, pgerr.New("42602", "invalid name syntax")
		}
		if oid, found := b.state.RoleOID(parts[0]); found {
			return konst(oid)
		}
		return nil, true, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", parts[0])
	case pgtype.RegprocOID:
		// Only pg_catalog holds functions; an overloaded name is
		// ambiguous, as regprocin finds it.
		if len(parts) > 2 || len(parts) == 2 && parts[0] != "pg_catalog" {
			if len(parts) == 2 && b.state.Schema(parts[0]) == nil {
				return nil, true, pgerr.New("3F000", "schema \"%s\" does not exist", parts[0])
			}
			return nil, true, pgerr.New(pgerr.UndefinedFunction, "function \"%s\" does not exist", s)
		}
		switch oids := catalog.ProcOIDs(parts[len(parts)-1]); len(oids) {
		case 0:
			return nil, true, pgerr.New(pgerr.UndefinedFunction, "function \"%s\" does not exist", s)
		case 1:
			return konst(oids[0])
		default:
			return nil, true, pgerr.New("42725", "more than one function named \"%s\"", s)
		}
	case pgtype.RegtypeOID:
		name := parts[len(parts)-1]
		if len(parts) == 2 && parts[0] != "pg_catalog" || len(parts) > 2 {
			return nil, true, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", s)
		}
		if info, found := pgtype.LookupName(name); found {
			return konst(uint32(info.OID))
		}
		for _, i := range pgtype.Infos() {
			if (pgtype.Type{OID: i.OID, Typmod: -1}).String() == strings.ToLower(s) {
				return konst(uint32(i.OID))
			}
		}
		return nil, true, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", s)
	}
	return nil, false, nil
}

// relationOID finds a relation of any kind by schema and name for a
// regclass literal: a table or view, or an index (a lake table's
// <table>_pkey, one of pg_catalog's own), as regclassin finds any pg_class
// row.
func (b *binder) relationOID(schema, name string) (uint32, bool) {
	if tb, err := b.state.Table(schema, name); err == nil {
		return tb.OID, true
	}
	if sc := b.state.Schema(schema); sc != nil {
		if r := sc.Relation(name); r != nil {
			return r.OID, true
		}
	}
	return 0, false
}

// splitRegName splits a dotted name as the reg* input functions do:
// unquoted parts fold to lower case, quoted parts keep theirs ("" is a
// quote).
func splitRegName(s string) []string {
	var parts []string
	var sb strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			sb.WriteByte('"')
			i++
		case ch == '"':
			quoted = !quoted
		case ch == '.' && !quoted:
			parts = append(parts, sb.String())
			sb.Reset()
		case quoted:
			sb.WriteByte(ch)
		default:
			sb.WriteString(strings.ToLower(string(ch)))
		}
	}
	return append(parts, sb.String())
}
