package catalog

// Lookups by OID over one State, for the functions clients call on catalog
// rows (pg_get_userbyid, regclass and regnamespace output,
// pg_table_is_visible, obj_description, col_description): they answer from
// the same state the catalog tables are computed from, so a function and a
// table read in one query always agree.

// RoleName is the name of a role OID, as pg_get_userbyid returns it; ok is
// false for an OID no role has (PostgreSQL then prints "unknown (OID=n)").
func (s *State) RoleName(oid uint32) (name string, ok bool) {
	for _, r := range s.roles() {
		if uint32(r.oid) == oid {
			return r.name, true
		}
	}
	return "", false
}

// RoleOID is the OID of a role name (regrole input, has_*_privilege's role
// argument).
func (s *State) RoleOID(name string) (oid uint32, ok bool) {
	for _, r := range s.roles() {
		if r.name == name {
			return uint32(r.oid), true
		}
	}
	return 0, false
}

// Owner is the role owning every object the state serves.
func (s *State) Owner() string { return s.ownerName() }

// DatabaseName is the database pg_database lists.
func (s *State) DatabaseName() string { return s.databaseName() }

// NamespaceByOID finds a schema by OID, or nil.
func (s *State) NamespaceByOID(oid uint32) *Schema {
	for _, sc := range s.Schemas {
		if sc.OID == oid {
			return sc
		}
	}
	return nil
}

// RelationByOID finds the relation (table, catalog view or a primary key's
// index) with an OID, and its schema; nil if none.
func (s *State) RelationByOID(oid uint32) (*Schema, *Table) {
	for _, sc := range s.Schemas {
		for _, t := range sc.Tables {
			if t.OID == oid {
				return sc, t
			}
			if t.PrimaryKeyIndexOID == oid && oid != 0 {
				return sc, t.primaryKeyIndex()
			}
		}
	}
	return nil, nil
}

// Description is the pg_description row for an object: classoid is the
// catalog it lives in (pg_class 1259, pg_namespace 2615), subid the column
// number for a column's comment (0 for the object itself); ok is false when
// the object has no comment, as obj_description's NULL.
func (s *State) Description(objoid, classoid uint32, subid int32) (string, bool) {
	switch classoid {
	case PgNamespaceRelationOID:
		if sc := s.NamespaceByOID(objoid); sc != nil && subid == 0 && sc.Comment != "" {
			return sc.Comment, true
		}
	case PgClassRelationOID:
		_, t := s.RelationByOID(objoid)
		if t == nil {
			return "", false
		}
		if subid == 0 {
			return t.Comment, t.Comment != ""
		}
		if subid > 0 && int(subid) <= len(t.Columns) {
			c := t.Columns[subid-1].Comment
			return c, c != ""
		}
	}
	return "", false
}
