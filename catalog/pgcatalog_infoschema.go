package catalog

import (
	"strconv"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// information_schema's views. PostgreSQL declares their columns with the
// SQL-standard domains (sql_identifier, character_data, cardinal_number,
// yes_or_no), which clients see as their base types in RowDescription: name,
// varchar, int4 and varchar(3) (typmod 7). The columns carry those base
// types; pg_attribute, format_type and information_schema.columns name
// the domains (Column.Domain), from PostgreSQL's exported pg_type rows.

var (
	tVarchar = pgtype.Varchar
	tYesNo   = pgtype.Type{OID: pgtype.VarcharOID, Typmod: 7} // varchar(3)
	// time_stamp is timestamp(2) with time zone.
	tTimeStamp = pgtype.Type{OID: pgtype.TimestamptzOID, Typmod: 2}
)

// OIDs of the information_schema views in a PostgreSQL 15 cluster (assigned
// by initdb, stable for a build).
func informationSchemaTables() []*sysTable {
	return []*sysTable{
		{name: "schemata", oid: 13382, kind: relkindView, cols: []Column{
			ncol("catalog_name", tName), ncol("schema_name", tName), ncol("schema_owner", tName),
			ncol("default_character_set_catalog", tName), ncol("default_character_set_schema", tName),
			ncol("default_character_set_name", tName), ncol("sql_path", tVarchar),
		}, rows: isSchemataRows},
		{name: "tables", oid: 13425, kind: relkindView, cols: []Column{
			ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName),
			ncol("table_type", tVarchar), ncol("self_referencing_column_name", tName),
			ncol("reference_generation", tVarchar), ncol("user_defined_type_catalog", tName),
			ncol("user_defined_type_schema", tName), ncol("user_defined_type_name", tName),
			ncol("is_insertable_into", tYesNo), ncol("is_typed", tYesNo), ncol("commit_action", tVarchar),
		}, rows: isTablesRows},
		{name: "columns", oid: 13295, kind: relkindView, cols: []Column{
			ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName),
			ncol("column_name", tName), ncol("ordinal_position", tInt4), ncol("column_default", tVarchar),
			ncol("is_nullable", tYesNo), ncol("data_type", tVarchar), ncol("character_maximum_length", tInt4),
			ncol("character_octet_length", tInt4), ncol("numeric_precision", tInt4),
			ncol("numeric_precision_radix", tInt4), ncol("numeric_scale", tInt4),
			ncol("datetime_precision", tInt4), ncol("interval_type", tVarchar), ncol("interval_precision", tInt4),
			ncol("character_set_catalog", tName), ncol("character_set_schema", tName),
			ncol("character_set_name", tName), ncol("collation_catalog", tName), ncol("collation_schema", tName),
			ncol("collation_name", tName), ncol("domain_catalog", tName), ncol("domain_schema", tName),
			ncol("domain_name", tName), ncol("udt_catalog", tName), ncol("udt_schema", tName),
			ncol("udt_name", tName), ncol("scope_catalog", tName), ncol("scope_schema", tName),
			ncol("scope_name", tName), ncol("maximum_cardinality", tInt4), ncol("dtd_identifier", tName),
			ncol("is_self_referencing", tYesNo), ncol("is_identity", tYesNo), ncol("identity_generation", tVarchar),
			ncol("identity_start", tVarchar), ncol("identity_increment", tVarchar), ncol("identity_maximum", tVarchar),
			ncol("identity_minimum", tVarchar), ncol("identity_cycle", tYesNo), ncol("is_generated", tVarchar),
			ncol("generation_expression", tVarchar), ncol("is_updatable", tYesNo),
		}, rows: isColumnsRows},
		// Constraints are the primary keys (pgcatalog_keys.go) and NOT NULL
		// columns; the lake has no foreign keys or routines: those views
		// answer with PostgreSQL's columns and no rows.
		{name: "views", oid: 13483, kind: relkindView, cols: []Column{ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName), ncol("view_definition", tVarchar), ncol("check_option", tVarchar), ncol("is_updatable", tYesNo), ncol("is_insertable_into", tYesNo), ncol("is_trigger_updatable", tYesNo), ncol("is_trigger_deletable", tYesNo), ncol("is_trigger_insertable_into", tYesNo)}, rows: isViewsRows},
		{name: "table_constraints", oid: 13411, kind: relkindView, cols: []Column{ncol("constraint_catalog", tName), ncol("constraint_schema", tName), ncol("constraint_name", tName), ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName), ncol("constraint_type", tVarchar), ncol("is_deferrable", tYesNo), ncol("initially_deferred", tYesNo), ncol("enforced", tYesNo), ncol("nulls_distinct", tYesNo)}, rows: isTableConstraintsRows},
		{name: "key_column_usage", oid: 13329, kind: relkindView, cols: []Column{ncol("constraint_catalog", tName), ncol("constraint_schema", tName), ncol("constraint_name", tName), ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName), ncol("column_name", tName), ncol("ordinal_position", tInt4), ncol("position_in_unique_constraint", tInt4)}, rows: isKeyColumnUsageRows},
		{name: "constraint_column_usage", oid: 13300, kind: relkindView, cols: []Column{ncol("table_catalog", tName), ncol("table_schema", tName), ncol("table_name", tName), ncol("column_name", tName), ncol("constraint_catalog", tName), ncol("constraint_schema", tName), ncol("constraint_name", tName)}, rows: isConstraintColumnUsageRows},
		{name: "referential_constraints", oid: 13339, kind: relkindView, cols: []Column{ncol("constraint_catalog", tName), ncol("constraint_schema", tName), ncol("constraint_name", tName), ncol("unique_constraint_catalog", tName), ncol("unique_constraint_schema", tName), ncol("unique_constraint_name", tName), ncol("match_option", tVarchar), ncol("update_rule", tVarchar), ncol("delete_rule", tVarchar)}, rows: noRows},
		{name: "routines", oid: 13377, kind: relkindView, cols: []Column{ncol("specific_catalog", tName), ncol("specific_schema", tName), ncol("specific_name", tName), ncol("routine_catalog", tName), ncol("routine_schema", tName), ncol("routine_name", tName), ncol("routine_type", tVarchar), ncol("module_catalog", tName), ncol("module_schema", tName), ncol("module_name", tName), ncol("udt_catalog", tName), ncol("udt_schema", tName), ncol("udt_name", tName), ncol("data_type", tVarchar), ncol("character_maximum_length", tInt4), ncol("character_octet_length", tInt4), ncol("character_set_catalog", tName), ncol("character_set_schema", tName), ncol("character_set_name", tName), ncol("collation_catalog", tName), ncol("collation_schema", tName), ncol("collation_name", tName), ncol("numeric_precision", tInt4), ncol("numeric_precision_radix", tInt4), ncol("numeric_scale", tInt4), ncol("datetime_precision", tInt4), ncol("interval_type", tVarchar), ncol("interval_precision", tInt4), ncol("type_udt_catalog", tName), ncol("type_udt_schema", tName), ncol("type_udt_name", tName), ncol("scope_catalog", tName), ncol("scope_schema", tName), ncol("scope_name", tName), ncol("maximum_cardinality", tInt4), ncol("dtd_identifier", tName), ncol("routine_body", tVarchar), ncol("routine_definition", tVarchar), ncol("external_name", tVarchar), ncol("external_language", tVarchar), ncol("parameter_style", tVarchar), ncol("is_deterministic", tYesNo), ncol("sql_data_access", tVarchar), ncol("is_null_call", tYesNo), ncol("sql_path", tVarchar), ncol("schema_level_routine", tYesNo), ncol("max_dynamic_result_sets", tInt4), ncol("is_user_defined_cast", tYesNo), ncol("is_implicitly_invocable", tYesNo), ncol("security_type", tVarchar), ncol("to_sql_specific_catalog", tName), ncol("to_sql_specific_schema", tName), ncol("to_sql_specific_name", tName), ncol("as_locator", tYesNo), ncol("created", tTimeStamp), ncol("last_altered", tTimeStamp), ncol("new_savepoint_level", tYesNo), ncol("is_udt_dependent", tYesNo), ncol("result_cast_from_data_type", tVarchar), ncol("result_cast_as_locator", tYesNo), ncol("result_cast_char_max_length", tInt4), ncol("result_cast_char_octet_length", tInt4), ncol("result_cast_char_set_catalog", tName), ncol("result_cast_char_set_schema", tName), ncol("result_cast_char_set_name", tName), ncol("result_cast_collation_catalog", tName), ncol("result_cast_collation_schema", tName), ncol("result_cast_collation_name", tName), ncol("result_cast_numeric_precision", tInt4), ncol("result_cast_numeric_precision_radix", tInt4), ncol("result_cast_numeric_scale", tInt4), ncol("result_cast_datetime_precision", tInt4), ncol("result_cast_interval_type", tVarchar), ncol("result_cast_interval_precision", tInt4), ncol("result_cast_type_udt_catalog", tName), ncol("result_cast_type_udt_schema", tName), ncol("result_cast_type_udt_name", tName), ncol("result_cast_scope_catalog", tName), ncol("result_cast_scope_schema", tName), ncol("result_cast_scope_name", tName), ncol("result_cast_maximum_cardinality", tInt4), ncol("result_cast_dtd_identifier", tName)}, rows: noRows},
		{name: "parameters", oid: 13334, kind: relkindView, cols: []Column{ncol("specific_catalog", tName), ncol("specific_schema", tName), ncol("specific_name", tName), ncol("ordinal_position", tInt4), ncol("parameter_mode", tVarchar), ncol("is_result", tYesNo), ncol("as_locator", tYesNo), ncol("parameter_name", tName), ncol("data_type", tVarchar), ncol("character_maximum_length", tInt4), ncol("character_octet_length", tInt4), ncol("character_set_catalog", tName), ncol("character_set_schema", tName), ncol("character_set_name", tName), ncol("collation_catalog", tName), ncol("collation_schema", tName), ncol("collation_name", tName), ncol("numeric_precision", tInt4), ncol("numeric_precision_radix", tInt4), ncol("numeric_scale", tInt4), ncol("datetime_precision", tInt4), ncol("interval_type", tVarchar), ncol("interval_precision", tInt4), ncol("udt_catalog", tName), ncol("udt_schema", tName), ncol("udt_name", tName), ncol("scope_catalog", tName), ncol("scope_schema", tName), ncol("scope_name", tName), ncol("maximum_cardinality", tInt4), ncol("dtd_identifier", tName), ncol("parameter_default", tVarchar)}, rows: noRows},
	}
}

func isViewsRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	for _, r := range st.relations() {
		if r.kind == relkindView {
			out = append(out, row{db, r.schema.Name, r.table.Name, nil, "NONE", "NO", "NO", "NO", "NO", "NO"})
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func isSchemataRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db, owner := st.databaseName(), st.ownerName()
	for _, sc := range st.Schemas {
		o := owner
		if sc.Name == publicSchemaName {
			o = pgDatabaseOwnerRoleName
		}
		out = append(out, row{db, sc.Name, o, nil, nil, nil, nil})
	}
	return out
}

func isTablesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	for _, r := range st.relations() {
		if r.kind == relkindIndex {
			continue
		}
		typ, insertable := "BASE TABLE", true
		switch {
		case r.kind == relkindView:
			typ, insertable = "VIEW", false
		case r.schema.Temp:
			typ = "LOCAL TEMPORARY"
		}
		out = append(out, row{db, r.schema.Name, r.table.Name, typ, nil, nil, nil, nil, nil, yesNo(insertable), "NO", nil})
	}
	return out
}

// sqlTypeFacts is what information_schema.columns says of a type: its
// SQL-standard name and the length, precision and scale columns.
type sqlTypeFacts struct {
	dataType                            string
	charMax, octetLen                   pgtype.Datum
	numPrec, numRadix, numScale, dtPrec pgtype.Datum
	collatable                          bool
}

func sqlFacts(t pgtype.Type) sqlTypeFacts {
	i64 := func(n int) pgtype.Datum { return int64(n) }
	f := sqlTypeFacts{}
	switch t.OID {
	case pgtype.BoolOID:
		f.dataType = "boolean"
	case pgtype.Int2OID:
		f.dataType, f.numPrec, f.numRadix, f.numScale = "smallint", i64(16), i64(2), i64(0)
	case pgtype.Int4OID:
		f.dataType, f.numPrec, f.numRadix, f.numScale = "integer", i64(32), i64(2), i64(0)
	case pgtype.Int8OID:
		f.dataType, f.numPrec, f.numRadix, f.numScale = "bigint", i64(64), i64(2), i64(0)
	case pgtype.Float4OID:
		f.dataType, f.numPrec, f.numRadix = "real", i64(24), i64(2)
	case pgtype.Float8OID:
		f.dataType, f.numPrec, f.numRadix = "double precision", i64(53), i64(2)
	case pgtype.NumericOID:
		f.dataType, f.numRadix = "numeric", i64(10)
		if p, s, ok := pgtype.NumericPrecisionScale(t.Typmod); ok {
			f.numPrec, f.numScale = i64(int(p)), i64(int(s))
		}
	case pgtype.TextOID:
		f.dataType, f.octetLen, f.collatable = "text", i64(1073741824), true
	case pgtype.VarcharOID, pgtype.BPCharOID:
		f.dataType, f.collatable = "character varying", true
		if t.OID == pgtype.BPCharOID {
			f.dataType = "character"
		}
		if t.Typmod >= 4 {
			n := int(t.Typmod - 4)
			f.charMax, f.octetLen = i64(n), i64(n*4)
		} else {
			f.octetLen = i64(1073741824)
		}
	case pgtype.NameOID:
		f.dataType, f.collatable = "name", true
	case pgtype.CharOID:
		f.dataType, f.collatable = "\"char\"", true
	case pgtype.DateOID:
		f.dataType, f.dtPrec = "date", i64(0)
	case pgtype.TimeOID, pgtype.TimestampOID, pgtype.TimestamptzOID, pgtype.IntervalOID:
		f.dataType = map[uint32]string{
			pgtype.TimeOID:        "time without time zone",
			pgtype.TimestampOID:   "timestamp without time zone",
			pgtype.TimestamptzOID: "timestamp with time zone",
			pgtype.IntervalOID:    "interval",
		}[t.OID]
		prec := 6
		if t.Typmod >= 0 && t.OID != pgtype.IntervalOID {
			prec = int(t.Typmod)
		}
		f.dtPrec = i64(prec)
	default:
		if t.IsArray() {
			f.dataType = "ARRAY"
		} else if i, ok := pgtype.Lookup(t.OID); ok {
			f.dataType = i.Name // bytea, uuid, json, jsonb, oid, regclass...
		} else {
			f.dataType = "USER-DEFINED"
		}
	}
	return f
}

func isColumnsRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	db := st.databaseName()
	for _, r := range st.relations() {
		if r.kind == relkindIndex {
			continue
		}
		for i, c := range r.table.Columns {
			f := sqlFacts(c.Type)
			udt := ""
			if info, ok := pgtype.Lookup(c.Type.OID); ok {
				udt = info.Name
			}
			updatable := r.kind == relkindTable
			// A collation other than the default is named (name columns
			// and information_schema's domains are C).
			typid := c.Type.OID
			var domCat, domSchema, domName, collCat, collSchema, collName pgtype.Datum
			if c.Domain != 0 {
				typid = c.Domain
				if name, _, ok := st.TypeByOID(c.Domain); ok {
					domCat, domSchema, domName = db, informationSchemaName, name
				}
			}
			switch storageOf(typid).collation {
			case CCollationOID:
				collCat, collSchema, collName = db, pgCatalogName, "C"
			case POSIXCollationOID:
				collCat, collSchema, collName = db, pgCatalogName, "POSIX"
			}
			out = append(out, row{
				db, r.schema.Name, r.table.Name, c.Name, int64(i + 1), nil, yesNo(!c.NotNull), f.dataType,
				f.charMax, f.octetLen, f.numPrec, f.numRadix, f.numScale, f.dtPrec, nil, nil,
				nil, nil, nil, collCat, collSchema, collName, domCat, domSchema, domName,
				db, pgCatalogName, udt, nil, nil, nil, nil, strconv.Itoa(i + 1),
				"NO", "NO", nil, nil, nil, nil, nil, "NO", "NEVER", nil, yesNo(updatable),
			})
		}
	}
	return out
}

// isTableConstraintsRows lists the primary keys, then the NOT NULL columns
// of lake tables as PostgreSQL 15 does: CHECK constraints named
// <namespace oid>_<table oid>_<attnum>_not_null. The NOT NULL constraints of
// PostgreSQL's own catalogs, which it also lists, are left out.
func isTableConstraintsRows(st *State) [][]pgtype.Datum {
	out := isPrimaryKeyConstraintRows(st)
	db := st.databaseName()
	for _, r := range st.relations() {
		if !r.userTable() {
			continue
		}
		for i, c := range r.table.Columns {
			if c.NotNull {
				name := notNullConstraintName(r.schema, r.table, i+1)
				out = append(out, row{db, r.schema.Name, name, db, r.schema.Name, r.table.Name, "CHECK", "NO", "NO", "YES", nil})
			}
		}
	}
	return out
}
