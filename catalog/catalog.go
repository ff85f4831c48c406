// Package catalog maps the lake onto PostgreSQL's model: one schema per
// layer folder (raw, bronze, silver, gold, ...), one table per lake table,
// with columns, PostgreSQL types and the committed file set a query reads.
// It also holds the system tables (pg_catalog, information_schema) that are
// computed from the same state. It knows nothing of SQL text, sessions or
// the wire.
package catalog

import (
	"context"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Column is one column of a table.
type Column struct {
	Name      string
	Type      pgtype.Type
	NotNull   bool
	Comment   string
	Partition bool // value comes from the file's path (Hive-style key=value)
	// FieldID is the Iceberg field id (FormatIceberg): data files are read
	// by it, so renamed columns and files written before a column existed
	// read right.
	FieldID int
	// Domain is the domain PostgreSQL declares a system column with
	// (information_schema's sql_identifier, cardinal_number, ...): the
	// column's pg_attribute type, while Type is the base type clients see
	// in RowDescription, as PostgreSQL sends it. 0 for other columns.
	Domain uint32
}

// Format says where a table's rows come from.
type Format int

// Table formats.
const (
	// FormatHiveParquet is a directory of Parquet files, optionally
	// partitioned into key=value sub-directories.
	FormatHiveParquet Format = iota
	// FormatSystem is a table whose rows the catalog computes (pg_catalog).
	FormatSystem
	// FormatIceberg is an Apache Iceberg table: Files are the data files of
	// one snapshot, each with the delete files that apply to it.
	FormatIceberg
)

// File is one committed data file of a table, with the partition values its
// path carries (one per partition column, in the table's order; nil NULL).
type File struct {
	Path            string
	Size            int64
	PartitionValues []pgtype.Datum
	// RelPath is Path relative to the table's Location, slash-separated.
	RelPath string
	ModTime time.Time
	// Rows is the file's row count from its footer.
	Rows int64
	// Footer is the decoded footer, shared and read-only; nil if the file
	// was not listed by the catalog (a reader then reads it itself).
	Footer *Footer
	// IcebergPath is the data file's location as Iceberg metadata names it
	// (position deletes refer to it); empty for Hive-style files.
	IcebergPath string
	// Deletes are the Iceberg delete files that apply to this data file in
	// the table's snapshot (position and equality deletes).
	Deletes []DeleteFile
}

// DeleteFile is one Iceberg delete file applying to a data file.
type DeleteFile struct {
	Path string // local path
	Size int64
	Rows int64
	// EqualityFieldIDs are the columns of an equality delete file (rows of
	// the data file equal to one of its rows on these fields are deleted);
	// empty for a position delete file (file_path, pos).
	EqualityFieldIDs []int
	// Vector marks an Iceberg v3 deletion vector: the blob of the Puffin
	// file Path at byte Offset, Length bytes long, holds the deleted
	// positions (Rows of them) of the one data file it applies to. Length
	// 0: the manifest did not say where the blob is.
	Vector         bool
	Offset, Length int64
}

// Table is one table as of one catalog state. It is immutable: a commit
// makes a new Table with a new Version, so a query that holds a Table reads
// one consistent file set.
type Table struct {
	Schema string
	Name   string
	OID    uint32
	// RowTypeOID and ArrayTypeOID are the table's row type in pg_type and
	// its array type, which PostgreSQL makes for every table.
	RowTypeOID, ArrayTypeOID uint32
	Columns                  []Column
	Comment                  string
	Format                   Format
	Location                 string // directory of a lake table
	// Files is the committed file set (FormatHiveParquet).
	Files []File
	// Version identifies this file set; it changes with every commit.
	Version string
	// Rows computes the rows of a FormatSystem table for the state it
	// belongs to; columns follow Columns.
	Rows func(ctx context.Context) ([]arrow.RecordBatch, error)
	// SessionDependent says Rows depend on the session reading them
	// (pg_settings, pg_stat_activity: see SessionView), not only on the
	// state: such rows must never be cached.
	SessionDependent bool
	// RowCount and SizeBytes come from lake metadata (-1 unknown).
	RowCount  int64
	SizeBytes int64
	// LastModified is the newest modification time of the committed files:
	// the last commit, as far as a directory of files can tell (Iceberg:
	// the snapshot's commit time).
	LastModified time.Time
	// SnapshotID is the Iceberg snapshot the Files belong to (0: none yet,
	// or not an Iceberg table).
	SnapshotID int64
	// PrimaryKey names the columns of the Iceberg schema's identifier
	// fields, in schema order; pg_catalog serves them as the primary key.
	PrimaryKey []string
	// PrimaryKeyIndexOID and PrimaryKeyConstraintOID are the OIDs of the
	// primary key's index (pg_class, pg_index) and constraint
	// (pg_constraint), PostgreSQL's two catalog objects for one key; zero
	// when the table has no key or the state's OIDs are not assigned yet.
	PrimaryKeyIndexOID, PrimaryKeyConstraintOID uint32
	// NameMapping gives, per Iceberg field id, the column names a data file
	// without field ids may use (schema.name-mapping.default).
	NameMapping map[int][]string
	// Cache keeps what readers decode from immutable files (delete files)
	// across queries and states; nil for Hive-style tables.
	Cache *FileCache

	history *icebergHistory // time travel; nil for tables without history
}

// Column returns the index of a column by name, or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// QualifiedName is schema.name, quoted where PostgreSQL would need quotes.
func (t *Table) QualifiedName() string {
	return QuoteIdent(t.Schema) + "." + QuoteIdent(t.Name)
}

// ArrowSchema is the Arrow schema of the table's rows.
func (t *Table) ArrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: !c.NotNull}
	}
	return arrow.NewSchema(fields, nil)
}

// Schema is one PostgreSQL schema (a lake layer, or pg_catalog).
type Schema struct {
	Name    string
	OID     uint32
	Comment string
	Tables  []*Table // sorted by name
	// Temp marks a session's temporary schema (pg_temp_N): its tables are
	// temporary (relpersistence t) and the name pg_temp finds it.
	Temp bool
}

// State is one immutable view of the whole catalog. A query binds against
// one State, so every table it reads comes from the same moment.
type State struct {
	Schemas []*Schema // sorted by name
	// Version changes whenever any table or schema does.
	Version uint64
	// Database is the database name pg_database serves ("sluice" if empty).
	Database string
	// Roles are the role names pg_roles serves; the first owns every
	// object ("sluice" if empty).
	Roles []string
	// Problems lists what the source could not serve as is: tables that
	// failed (their name answers with the reason) and skipped files.
	Problems []Problem

	failed map[string]error // schema.table → why it is not served
}

// Schema finds a schema by name.
func (s *State) Schema(name string) *Schema {
	for _, sc := range s.Schemas {
		if sc.Name == name || sc.Temp && name == TempSchemaAlias {
			return sc
		}
	}
	return nil
}

// TempSchemaAlias is the name that means the session's own temporary
// schema, whatever its pg_temp_N name.
const TempSchemaAlias = "pg_temp"

// Table finds schema.name; the error is PostgreSQL's 42P01.
func (s *State) Table(schema, name string) (*Table, error) {
	if sc := s.Schema(schema); sc != nil {
		for _, t := range sc.Tables {
			if t.Name == name {
				return t, nil
			}
		}
	}
	if err, ok := s.failed[schema+"."+name]; ok {
		return nil, failedTableError(schema, name, err)
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
}

// Source is anything that serves catalog states: the lake directory today,
// Iceberg catalogs later.
type Source interface {
	// Current returns the latest committed state.
	Current() *State
}

// QuoteIdent quotes an identifier the way PostgreSQL's quote_ident does.
func QuoteIdent(s string) string {
	if s == "" {
		return `""`
	}
	plain := true
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || (i > 0 && (r >= '0' && r <= '9' || r == '$'))) {
			plain = false
			break
		}
	}
	if plain && !isReservedKeyword(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// isReservedKeyword covers the reserved words likely as column names.
func isReservedKeyword(s string) bool {
	switch s {
	case "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
		"both", "case", "cast", "check", "collate", "column", "constraint", "create",
		"current_catalog", "current_date", "current_role", "current_time",
		"current_timestamp", "current_user", "default", "deferrable", "desc", "distinct",
		"do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant",
		"group", "having", "in", "initially", "intersect", "into", "lateral", "leading",
		"limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or",
		"order", "placing", "primary", "references", "returning", "select", "session_user",
		"some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique",
		"user", "using", "variadic", "when", "where", "window", "with":
		return true
	}
	return false
}
