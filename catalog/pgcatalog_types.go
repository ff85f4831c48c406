package catalog

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// pg_type is served from PostgreSQL 15's own rows (pg_type.tsv, exported
// from a real server by gen_pgcatalog.go), plus a row type and its array type
// for every lake table, as PostgreSQL creates for every table. Drivers load
// the whole of pg_type (Npgsql, pgjdbc's getTypeInfo, SQLAlchemy's domain
// reflection), so a hand-kept subset answers them differently.

//go:generate go run gen_pgcatalog.go

//go:embed pg_type.tsv
var pgTypeTSV string

// Functions pg_type rows name, by OID (PostgreSQL 15).
const (
	recordInOID       = 2290
	recordOutOID      = 2291
	recordRecvOID     = 2402
	recordSendOID     = 2403
	arrayInOID        = 750
	arrayOutOID       = 751
	arrayRecvOID      = 2400
	arraySendOID      = 2401
	arrayTypanalyze   = 3816
	arraySubscriptOID = 6179
)

var pgTypeColumns = []Column{
	col("oid", tOID), col("typname", tName), col("typnamespace", tOID), col("typowner", tOID),
	col("typlen", tInt2), col("typbyval", tBool), col("typtype", tChar), col("typcategory", tChar),
	col("typispreferred", tBool), col("typisdefined", tBool), col("typdelim", tChar),
	col("typrelid", tOID), col("typsubscript", tRegproc), col("typelem", tOID), col("typarray", tOID),
	col("typinput", tRegproc), col("typoutput", tRegproc), col("typreceive", tRegproc),
	col("typsend", tRegproc), col("typmodin", tRegproc), col("typmodout", tRegproc),
	col("typanalyze", tRegproc), col("typalign", tChar), col("typstorage", tChar),
	col("typnotnull", tBool), col("typbasetype", tOID), col("typtypmod", tInt4), col("typndims", tInt4),
	col("typcollation", tOID), ncol("typdefaultbin", tNodeTree), ncol("typdefault", tText),
	ncol("typacl", tACL),
}

func pgTypeTableDef() *sysTable {
	return &sysTable{name: "pg_type", oid: PgTypeRelationOID, kind: relkindTable, cols: pgTypeColumns, rows: pgTypeRows}
}

// builtinTypes are the exported rows as Datums, parsed once; they are
// never modified.
var builtinTypes = sync.OnceValue(func() builtinTypeSet {
	s, err := parseTypeTSV(pgTypeTSV)
	if err != nil {
		panic(fmt.Sprintf("catalog: the embedded pg_type.tsv is damaged: %v", err)) // a build defect
	}
	return s
})

type builtinTypeSet struct {
	rows  [][]pgtype.Datum
	byOID map[uint32][]pgtype.Datum
	// named holds "namespace/name" of every row, for visibility.
	named map[string]bool
	// rowType maps a system relation's OID to its row type's OID.
	rowType map[uint32]uint32
}

// Column positions in pgTypeColumns that other code reads.
const (
	typOID       = 0
	typName      = 1
	typNamespace = 2
	typLen       = 4
	typByval     = 5
	typType      = 6
	typCategory  = 7
	typRelid     = 11
	typElem      = 13
	typAlign     = 22
	typStorage   = 23
	typBasetype  = 25
	typTypmod    = 26
	typCollation = 28
)

func parseTypeTSV(text string) (builtinTypeSet, error) {
	set := builtinTypeSet{byOID: map[uint32][]pgtype.Datum{}, rowType: map[uint32]uint32{}, named: map[string]bool{}}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	header := -1
	for i, line := range lines {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if header < 0 {
			header = i
			names := strings.Split(line, "\t")
			if len(names) != len(pgTypeColumns) {
				return set, fmt.Errorf("header has %d columns, pg_type %d", len(names), len(pgTypeColumns))
			}
			for j, n := range names {
				if n != pgTypeColumns[j].Name {
					return set, fmt.Errorf("column %d is %s, want %s", j, n, pgTypeColumns[j].Name)
				}
			}
			continue
		}
		row, err := parseRow(line, pgTypeColumns)
		if err != nil {
			return set, fmt.Errorf("line %d: %w", i+1, err)
		}
		oid := uint32(row[typOID].(int64))
		set.rows = append(set.rows, row)
		set.byOID[oid] = row
		set.named[typeKey(uint32(row[typNamespace].(int64)), row[typName].(string))] = true
		if rel := uint32(row[typRelid].(int64)); rel != 0 {
			set.rowType[rel] = oid
		}
	}
	return set, nil
}

// parseRow converts one exported line to the Datums of cols.
func parseRow(line string, cols []Column) ([]pgtype.Datum, error) {
	cells := strings.Split(line, "\t")
	if len(cells) != len(cols) {
		return nil, fmt.Errorf("%d cells for %d columns", len(cells), len(cols))
	}
	row := make([]pgtype.Datum, len(cells))
	for j, c := range cells {
		d, err := typeCell(cols[j].Type, c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cols[j].Name, err)
		}
		row[j] = d
	}
	return row, nil
}

// typeCell converts one exported text value to the Datum its column holds.
func typeCell(t pgtype.Type, s string) (pgtype.Datum, error) {
	if s == `\N` {
		return nil, nil
	}
	switch t.OID {
	case pgtype.OIDOID, pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.RegprocOID, pgtype.XidOID:
		return strconv.ParseInt(s, 10, 64)
	case pgtype.Float4OID, pgtype.Float8OID:
		return strconv.ParseFloat(s, 64)
	case pgtype.BoolOID:
		return s == "t", nil
	case pgtype.NameOID, pgtype.CharOID, pgtype.TextOID, pgtype.VarcharOID, pgtype.PgNodeTreeOID:
		return unescapeTSV(s), nil
	}
	return nil, fmt.Errorf("unexpected non-NULL value %q of type %d", s, t.OID)
}

// pgTypeRows are PostgreSQL's built-in rows, then a row type (typtype 'c')
// and its array type for every lake table and view of the sluice schema.
func pgTypeRows(st *State) [][]pgtype.Datum {
	b := builtinTypes()
	out := append([][]pgtype.Datum(nil), b.rows...)
	for _, sc := range st.Schemas {
		for _, t := range sc.Tables {
			if t.RowTypeOID == 0 {
				continue // pg_catalog's and information_schema's are builtin
			}
			ns, owner := oidv(sc.OID), int64(BootstrapSuperuserOID)
			out = append(out,
				row{oidv(t.RowTypeOID), t.Name, ns, owner, int64(-1), false, "c", "C", false, true, ",",
					oidv(t.OID), int64(0), int64(0), oidv(t.ArrayTypeOID),
					int64(recordInOID), int64(recordOutOID), int64(recordRecvOID), int64(recordSendOID),
					int64(0), int64(0), int64(0), "d", "x", false, int64(0), int64(-1), int64(0), int64(0), nil, nil, nil},
				row{oidv(t.ArrayTypeOID), "_" + t.Name, ns, owner, int64(-1), false, "b", "A", false, true, ",",
					int64(0), int64(arraySubscriptOID), oidv(t.RowTypeOID), int64(0),
					int64(arrayInOID), int64(arrayOutOID), int64(arrayRecvOID), int64(arraySendOID),
					int64(0), int64(0), int64(arrayTypanalyze), "d", "x", false, int64(0), int64(-1), int64(0), int64(0), nil, nil, nil},
			)
		}
	}
	return out
}

// relationRowType is pg_class.reltype: a lake table's own row type, or
// PostgreSQL's for a system relation.
func relationRowType(t *Table) int64 {
	if t.Format == FormatSystem && t.RowTypeOID == 0 {
		return int64(builtinTypes().rowType[t.OID])
	}
	return oidv(t.RowTypeOID)
}

// domainLen is a built-in domain's typlen (its base type's).
func domainLen(oid uint32) int64 {
	if r, ok := builtinTypes().byOID[oid]; ok {
		return r[typLen].(int64)
	}
	return -1
}

// typeStorage is what pg_attribute copies from pg_type: alignment, storage,
// pass-by-value and the default collation.
type typeStorage struct {
	align, storage byte
	byval          bool
	collation      int64
}

func storageOf(oid uint32) typeStorage {
	r, ok := builtinTypes().byOID[oid]
	if !ok {
		return typeStorage{'i', 'x', false, 0}
	}
	return typeStorage{r[typAlign].(string)[0], r[typStorage].(string)[0], r[typByval].(bool), r[typCollation].(int64)}
}

// assignRowTypes gives every new lake table of a state (and sluice's own
// views, as PostgreSQL gives every view) its row type and array type OIDs,
// and its primary key's index and constraint OIDs. Tables
// carried over from an earlier state already have theirs (and may be read
// concurrently), so only zero OIDs are written.
func (l *Lake) assignRowTypes(st *State) {
	for _, sc := range st.Schemas {
		if sc.Name == pgCatalogName || sc.Name == informationSchemaName {
			continue // PostgreSQL's own relations have their builtin row types
		}
		for _, t := range sc.Tables {
			if t.RowTypeOID != 0 {
				continue
			}
			key := t.Schema + "." + t.Name
			t.RowTypeOID = l.oids.get("t:" + key)
			t.ArrayTypeOID = l.oids.get("ta:" + key)
			if len(t.PrimaryKey) > 0 {
				t.PrimaryKeyIndexOID = l.oids.get("i:" + key)
				t.PrimaryKeyConstraintOID = l.oids.get("c:" + key)
			}
		}
	}
}

func typeKey(namespace uint32, name string) string {
	return strconv.FormatUint(uint64(namespace), 10) + "/" + name
}

// TypeByOID names a type of this state (PostgreSQL's built-in types and the
// lake tables' row types and their arrays): its name and namespace.
func (s *State) TypeByOID(oid uint32) (name string, namespace uint32, ok bool) {
	if r, found := builtinTypes().byOID[oid]; found {
		return r[typName].(string), uint32(r[typNamespace].(int64)), true
	}
	for _, sc := range s.Schemas {
		for _, t := range sc.Tables {
			switch oid {
			case 0:
			case t.RowTypeOID:
				return t.Name, sc.OID, true
			case t.ArrayTypeOID:
				return "_" + t.Name, sc.OID, true
			}
		}
	}
	return "", 0, false
}

// TypeElem is the element type of an array type of this state (built-in
// or a lake table's row type array), 0 for any other type.
func (s *State) TypeElem(oid uint32) uint32 {
	if r, found := builtinTypes().byOID[oid]; found {
		if r[typCategory].(string) == "A" {
			return uint32(r[typElem].(int64))
		}
		return 0
	}
	for _, sc := range s.Schemas {
		for _, t := range sc.Tables {
			if oid != 0 && t.ArrayTypeOID == oid {
				return t.RowTypeOID
			}
		}
	}
	return 0
}

// HasType says whether a namespace holds a type of that name, so that
// pg_type_is_visible can tell whether an earlier schema of the search path
// hides a type.
func (s *State) HasType(namespace uint32, name string) bool {
	if builtinTypes().named[typeKey(namespace, name)] {
		return true
	}
	sc := s.NamespaceByOID(namespace)
	if sc == nil {
		return false
	}
	for _, t := range sc.Tables {
		if t.RowTypeOID != 0 && (t.Name == name || "_"+t.Name == name) {
			return true
		}
	}
	return false
}
