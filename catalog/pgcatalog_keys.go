package catalog

import (
	"strconv"
	"strings"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Primary keys. An Iceberg table's identifier fields are its primary key,
// served as PostgreSQL serves the key of CREATE TABLE ... PRIMARY KEY: a
// constraint <table>_pkey (pg_constraint, contype 'p'), the unique btree
// index of the same name that enforces it (pg_class relkind 'i', pg_index,
// pg_attribute rows for its columns, pg_indexes), and information_schema's
// table_constraints, key_column_usage and constraint_column_usage rows.
// Column order is the identifier fields' order in the schema. Sluice does
// not enforce the key (nor does Iceberg): it describes what the table's
// writers promise, which is what BI tools read keys for (joins, row
// identity).

// primaryKeyIndex is the index relation of a table's primary key, or nil
// when it has none (or its OIDs are not assigned: a state not published by
// a Lake). Its columns are the key's, nullable as PostgreSQL's index
// attributes are.
func (t *Table) primaryKeyIndex() *Table {
	if len(t.PrimaryKey) == 0 || t.PrimaryKeyIndexOID == 0 {
		return nil
	}
	idx := &Table{
		Schema:    t.Schema,
		Name:      t.primaryKeyName(),
		OID:       t.PrimaryKeyIndexOID,
		Format:    FormatSystem,
		RowCount:  -1,
		SizeBytes: -1,
	}
	for _, k := range t.keyColumns() {
		c := t.Columns[k]
		idx.Columns = append(idx.Columns, Column{Name: c.Name, Type: c.Type})
	}
	return idx
}

// Relation finds a relation of the schema by name: a table, or the index
// of a table's primary key; nil if none. (Relations share one namespace in
// PostgreSQL; a table is found first.)
func (sc *Schema) Relation(name string) *Table {
	for _, t := range sc.Tables {
		if t.Name == name {
			return t
		}
	}
	for _, t := range sc.Tables {
		if idx := t.primaryKeyIndex(); idx != nil && idx.Name == name {
			return idx
		}
	}
	return nil
}

// primaryKeyName is PostgreSQL's default name for a table's key.
func (t *Table) primaryKeyName() string { return t.Name + "_pkey" }

// keyColumns are the indexes into Columns of the primary key's columns, in
// key order (a name that is no column is left out).
func (t *Table) keyColumns() []int {
	var out []int
	for _, name := range t.PrimaryKey {
		if i := t.Column(name); i >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// keyedTables calls fn for every lake table with a primary key.
func (st *State) keyedTables(fn func(sc *Schema, t *Table)) {
	for _, sc := range st.Schemas {
		if isSystemSchema(sc.Name) {
			continue
		}
		for _, t := range sc.Tables {
			if t.primaryKeyIndex() != nil {
				fn(sc, t)
			}
		}
	}
}

// defaultBtreeOpclass is the default btree operator class of a type, as
// PostgreSQL picks it for an index column (from its own pg_opclass rows);
// varchar has none of its own and uses text's, binary-coercible.
func defaultBtreeOpclass(oid uint32) int64 {
	if oid == pgtype.VarcharOID {
		oid = pgtype.TextOID
	}
	rows, _ := staticRows("pg_opclass")
	for _, r := range rows {
		// oid, opcmethod, opcname, opcnamespace, opcowner, opcfamily,
		// opcintype, opcdefault, opckeytype
		if r[1] == int64(btreeAccessMethodOID) && r[6] == int64(oid) && r[7] == true {
			return r[0].(int64)
		}
	}
	return 0
}

func pgIndexRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	st.keyedTables(func(_ *Schema, t *Table) {
		var keys, options, collations, classes []int64
		for _, k := range t.keyColumns() {
			c := t.Columns[k]
			keys = append(keys, int64(k+1))
			options = append(options, 0)
			collations = append(collations, storageOf(c.Type.OID).collation)
			classes = append(classes, defaultBtreeOpclass(c.Type.OID))
		}
		n := int64(len(keys))
		out = append(out, row{
			oidv(t.PrimaryKeyIndexOID), oidv(t.OID), n, n, true, false, true, false, true, false,
			true, false, true, true, false, keys, collations, classes, options, nil, nil,
		})
	})
	return out
}

func pgConstraintRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	st.keyedTables(func(sc *Schema, t *Table) {
		var keys []int64
		for _, k := range t.keyColumns() {
			keys = append(keys, int64(k+1))
		}
		out = append(out, row{
			oidv(t.PrimaryKeyConstraintOID), t.primaryKeyName(), oidv(sc.OID), "p", false, false, true,
			oidv(t.OID), int64(0), oidv(t.PrimaryKeyIndexOID), int64(0), int64(0), " ", " ", " ",
			true, int64(0), true, keys, nil, nil, nil, nil, nil, nil, nil,
		})
	})
	return out
}

func pgIndexesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	st.keyedTables(func(sc *Schema, t *Table) {
		out = append(out, row{sc.Name, t.Name, t.primaryKeyName(), nil, indexDef(t)})
	})
	return out
}

func isKeyColumnUsageRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	st.keyedTables(func(sc *Schema, t *Table) {
		for i, k := range t.keyColumns() {
			out = append(out, row{db, sc.Name, t.primaryKeyName(), db, sc.Name, t.Name, t.Columns[k].Name, int64(i + 1), nil})
		}
	})
	return out
}

func isConstraintColumnUsageRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	st.keyedTables(func(sc *Schema, t *Table) {
		for _, k := range t.keyColumns() {
			out = append(out, row{db, sc.Name, t.Name, t.Columns[k].Name, db, sc.Name, t.primaryKeyName()})
		}
	})
	return out
}

// isPrimaryKeyConstraintRows are table_constraints' rows of the primary
// keys (PostgreSQL lists them before the NOT NULL checks).
func isPrimaryKeyConstraintRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	st.keyedTables(func(sc *Schema, t *Table) {
		out = append(out, row{db, sc.Name, t.primaryKeyName(), db, sc.Name, t.Name, "PRIMARY KEY", "NO", "NO", "YES", nil})
	})
	return out
}

// keyedTableByIndex finds the table whose primary key's index or
// constraint (byConstraint) has an OID.
func (s *State) keyedTableByOID(oid uint32, byConstraint bool) *Table {
	var found *Table
	s.keyedTables(func(_ *Schema, t *Table) {
		if found == nil && (byConstraint && t.PrimaryKeyConstraintOID == oid || !byConstraint && t.PrimaryKeyIndexOID == oid) {
			found = t
		}
	})
	return found
}

func keyColumnList(t *Table) string {
	var cols []string
	for _, k := range t.keyColumns() {
		cols = append(cols, QuoteIdent(t.Columns[k].Name))
	}
	return strings.Join(cols, ", ")
}

func indexDef(t *Table) string {
	return "CREATE UNIQUE INDEX " + QuoteIdent(t.primaryKeyName()) + " ON " + t.QualifiedName() +
		" USING btree (" + keyColumnList(t) + ")"
}

// ConstraintDef is pg_get_constraintdef of a constraint OID: "PRIMARY KEY
// (a, b)"; ok is false for an OID no constraint of the state has
// (PostgreSQL's NULL).
func (s *State) ConstraintDef(oid uint32) (string, bool) {
	t := s.keyedTableByOID(oid, true)
	if t == nil {
		return "", false
	}
	return "PRIMARY KEY (" + keyColumnList(t) + ")", true
}

// IndexDef is pg_get_indexdef of an index OID: with column 0 the CREATE
// INDEX statement, naming its table as tableName says (PostgreSQL
// qualifies it always, or with the pretty flag only where the search path
// does not find it); with column n the n-th key column's name, quoted
// where needed, and "" for a column the index does not have. ok is false
// for an OID no index of the state has (PostgreSQL's NULL).
func (s *State) IndexDef(oid uint32, column int, tableName func(*Table) string) (string, bool) {
	t := s.keyedTableByOID(oid, false)
	if t == nil {
		return "", false
	}
	if column == 0 {
		return "CREATE UNIQUE INDEX " + QuoteIdent(t.primaryKeyName()) + " ON " + tableName(t) +
			" USING btree (" + keyColumnList(t) + ")", true
	}
	keys := t.keyColumns()
	if column < 0 || column > len(keys) {
		return "", true
	}
	return QuoteIdent(t.Columns[keys[column-1]].Name), true
}

// notNullConstraintName is PostgreSQL 15's name for a NOT NULL column in
// information_schema.table_constraints.
func notNullConstraintName(sc *Schema, t *Table, attnum int) string {
	return strconv.FormatUint(uint64(sc.OID), 10) + "_" + strconv.FormatUint(uint64(t.OID), 10) + "_" + strconv.Itoa(attnum) + "_not_null"
}
