package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// dataCorrupted is PostgreSQL's SQLSTATE for data that cannot be read.
const dataCorrupted = "XX001"

// LakeOptions configure a lake directory source.
type LakeOptions struct {
	// Logger receives the problems each refresh finds (tables that cannot
	// be served, files skipped). Nil discards them; they are also on the
	// State.
	Logger *slog.Logger
	// Database is the database name the catalog tables report
	// (pg_database, information_schema's catalog columns); "sluice" if empty.
	Database string
	// Roles are the roles pg_roles lists; the first owns every object.
	// Empty means one role, "sluice".
	Roles []string
	// Iceberg are Iceberg catalogs whose namespaces are served as schemas
	// next to the directory's layers. The directory's embedded catalog
	// (EmbeddedIcebergDir) is served without being listed here.
	Iceberg []IcebergCatalog
}

// Lake serves the catalog of a lake directory: each top-level folder is a
// schema (a layer), each folder inside a layer a Hive-style partitioned
// Parquet table. Refresh re-lists the directory; Current never blocks.
//
// Folder names become lower-case identifiers (names that are not plain
// identifiers are skipped and reported). A table's columns are its files'
// columns (first file's order, then columns later files add), typed by
// pgtype.FromArrow over the schema pqarrow reads, refined by Parquet logical
// types (UUID → uuid, JSON → json, ENUM → text); columns of nested types
// are skipped and reported. Partition keys follow, typed from all their
// values: int4, int8, date (YYYY-MM-DD), else text.
//
// Only committed files are read: names starting with _ or . (at any depth:
// _temporary/, _SUCCESS, .crc files) and in-progress suffixes (.tmp,
// .inprogress, ...) are ignored, as are files still missing their footer.
// A damaged file makes its table fail (State.Table answers XX001 with the
// reason) without affecting the others.
type Lake struct {
	dir     string
	opts    LakeOptions
	footers *footerCache
	state   atomic.Pointer[State]

	mu          sync.Mutex // serialises Refresh; guards what follows
	oids        *oidAllocator
	version     uint64
	fingerprint string

	subs subscribers

	iceberg   []*icebergSource
	fileCache *FileCache
}

// OpenLake lists dir and returns the lake with its first state. A table that
// cannot be read makes only that table unavailable (see State.Problems); a
// missing or unreadable dir is an error.
func OpenLake(dir string, opts LakeOptions) (*Lake, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("lake directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("lake directory %s is not a directory", abs)
	}
	l := &Lake{dir: abs, opts: opts, footers: newFooterCache(), oids: newOIDAllocator(), fileCache: newFileCache()}
	l.addIcebergSources()
	if _, err := l.Refresh(context.Background()); err != nil {
		return nil, err
	}
	return l, nil
}

// Dir is the lake's root directory (absolute).
func (l *Lake) Dir() string { return l.dir }

// Current returns the latest state.
func (l *Lake) Current() *State { return l.state.Load() }

// Refresh re-lists the lake and, if anything changed, publishes a new state
// atomically. Tables whose committed file set is unchanged keep their *Table
// (and footers), so their Version and everything cached against them stays
// valid. It reports whether a new state was published.
func (l *Lake) Refresh(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	prev := l.state.Load()
	listed, problems, err := listLake(ctx, l.dir)
	if err != nil {
		return false, err
	}

	keep := map[fileIdentity]bool{}
	schemas := map[string]*Schema{}
	failed := map[string]error{}
	for _, lt := range listed.schemas {
		oid := l.oids.get("n:" + lt)
		if lt == publicSchemaName {
			oid = PublicNamespaceOID // a public layer is PostgreSQL's public schema
		}
		schemas[lt] = &Schema{Name: lt, OID: oid}
	}
	for _, lt := range listed.tables {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		for _, f := range lt.files {
			keep[f.identity()] = true
		}
		t, notes, err := l.buildTable(lt, prev)
		problems = append(problems, notes...)
		if err != nil {
			failed[lt.schema+"."+lt.name] = err
			problems = append(problems, Problem{Schema: lt.schema, Table: lt.name, Message: err.Error(), TableFailed: true})
			continue
		}
		schemas[lt.schema].Tables = append(schemas[lt.schema].Tables, t)
	}
	problems = l.refreshIceberg(ctx, schemas, failed, problems, keep)
	l.footers.retain(keep)

	next := &State{Problems: problems, failed: failed, Database: l.opts.Database, Roles: l.opts.Roles}
	for _, s := range schemas {
		next.Schemas = append(next.Schemas, s)
	}
	// The catalog tables' version digests the schemas in order: sort
	// before, or a map's iteration order would publish spurious states.
	sortSchemas(next)
	addSystemSchemas(next)
	l.assignRowTypes(next)
	slices.SortFunc(next.Schemas, func(a, b *Schema) int { return strings.Compare(a.Name, b.Name) })
	for _, s := range next.Schemas {
		slices.SortFunc(s.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	}

	fp := fingerprint(next)
	if prev != nil && fp == l.fingerprint {
		return false, nil
	}
	for _, p := range problems {
		if l.opts.Logger != nil {
			l.opts.Logger.Warn("lake problem", "schema", p.Schema, "table", p.Table, "path", p.Path, "problem", p.Message)
		}
	}
	l.version++
	next.Version = l.version
	l.fingerprint = fp
	l.state.Store(next)
	if prev != nil {
		l.subs.publish(Commit{Version: next.Version, Changed: diffStates(prev, next)})
	}
	return true, nil
}

// Poll refreshes the lake every interval until ctx ends, so that new
// commits become visible without a restart. Errors are logged and retried.
func (l *Lake) Poll(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := l.Refresh(ctx)
			switch {
			case err != nil && ctx.Err() == nil && l.opts.Logger != nil:
				l.opts.Logger.Warn("lake refresh failed", "dir", l.dir, "err", err)
			case changed && l.opts.Logger != nil:
				l.opts.Logger.Info("lake changed", "dir", l.dir, "version", l.Current().Version)
			}
		}
	}
}

// fingerprint identifies what a state serves: a new state is published only
// when it differs.
func fingerprint(s *State) string {
	h := sha256.New()
	for _, sc := range s.Schemas {
		fmt.Fprintf(h, "schema %s\n", sc.Name)
		for _, t := range sc.Tables {
			fmt.Fprintf(h, "table %s %s\n", t.Name, t.Version)
		}
	}
	for _, p := range s.Problems {
		fmt.Fprintf(h, "problem %s.%s %s %s\n", p.Schema, p.Table, p.Path, p.Message)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is something a refresh could not serve as is.
type Problem struct {
	Schema, Table string
	Path          string // file or folder concerned, relative to the lake
	Message       string
	// TableFailed says the table is not served at all (its name answers
	// with this message); otherwise only the file or folder was skipped.
	TableFailed bool
}

func (p Problem) String() string {
	where := p.Schema
	if p.Table != "" {
		where += "." + p.Table
	}
	if p.Path != "" {
		where += " (" + p.Path + ")"
	}
	return where + ": " + p.Message
}

// listing is one pass over the lake directory.
type listing struct {
	schemas []string
	tables  []*listedTable
}

type listedTable struct {
	schema, name string
	dir          string // absolute
	files        []listedFile
	keys         []string // partition keys, in path order
	err          error    // the folder is not a table Sluice can read
}

type listedFile struct {
	rel    string // relative to the table folder, slash-separated
	abs    string
	size   int64
	mtime  time.Time
	values []*string // partition values (nil is NULL), one per key
}

func (f *listedFile) identity() fileIdentity {
	return fileIdentity{path: f.abs, size: f.size, mtime: f.mtime}
}

// listLake finds the layers and tables under dir.
func listLake(ctx context.Context, dir string) (*listing, []Problem, error) {
	out := &listing{}
	var problems []Problem
	layers, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("lake directory: %w", err)
	}
	seenSchema := map[string]string{}
	for _, e := range layers {
		if hiddenName(e.Name()) || !isDir(dir, e) {
			continue
		}
		name, err := objectName(e.Name(), true)
		if err != nil {
			problems = append(problems, Problem{Path: e.Name(), Message: "layer folder skipped: " + err.Error()})
			continue
		}
		if other, dup := seenSchema[name]; dup {
			problems = append(problems, Problem{Path: e.Name(), Message: fmt.Sprintf("layer folder skipped: its schema name %q is taken by folder %q", name, other)})
			continue
		}
		seenSchema[name] = e.Name()
		out.schemas = append(out.schemas, name)
		layerDir := filepath.Join(dir, e.Name())
		entries, err := os.ReadDir(layerDir)
		if err != nil {
			problems = append(problems, Problem{Schema: name, Path: e.Name(), Message: "layer folder unreadable: " + err.Error()})
			continue
		}
		seenTable := map[string]string{}
		for _, te := range entries {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if hiddenName(te.Name()) || !isDir(layerDir, te) {
				continue
			}
			rel := e.Name() + "/" + te.Name()
			tname, err := objectName(te.Name(), false)
			if err != nil {
				problems = append(problems, Problem{Schema: name, Path: rel, Message: "table folder skipped: " + err.Error()})
				continue
			}
			if other, dup := seenTable[tname]; dup {
				problems = append(problems, Problem{Schema: name, Path: rel, Message: fmt.Sprintf("table folder skipped: its table name %q is taken by folder %q", tname, other)})
				continue
			}
			seenTable[tname] = te.Name()
			lt := &listedTable{schema: name, name: tname, dir: filepath.Join(layerDir, te.Name())}
			lt.err = listTable(lt)
			if lt.err == nil && len(lt.files) == 0 {
				// No committed data file yet: nothing says what the
				// columns are, so there is no table yet.
				continue
			}
			out.tables = append(out.tables, lt)
		}
	}
	return out, problems, nil
}

// listTable collects the committed data files of one table folder.
func listTable(lt *listedTable) error {
	haveLayout := false
	var walk func(dir, rel string, values []*string, keys []string) error
	walk = func(dir, rel string, values []*string, keys []string) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			n := e.Name()
			if hiddenName(n) {
				continue
			}
			childRel := n
			if rel != "" {
				childRel = rel + "/" + n
			}
			if isDir(dir, e) {
				k, v, null, err := partitionSegment(n)
				if err != nil {
					return err
				}
				var pv *string
				if !null {
					pv = &v
				}
				if err := walk(filepath.Join(dir, n), childRel, append(slices.Clip(values), pv), append(slices.Clip(keys), k)); err != nil {
					return err
				}
				continue
			}
			if !dataFileName(n) {
				continue
			}
			info, err := e.Info()
			if err == nil && info.Mode()&os.ModeSymlink != 0 {
				info, err = os.Stat(filepath.Join(dir, n))
			}
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed since the listing: not committed any more
				}
				return err
			}
			if !info.Mode().IsRegular() {
				continue
			}
			if !haveLayout {
				lt.keys, haveLayout = keys, true
			} else if !slices.Equal(lt.keys, keys) {
				return fmt.Errorf("inconsistent partitioning: %s is under keys (%s) but other files under (%s)",
					childRel, strings.Join(keys, ", "), strings.Join(lt.keys, ", "))
			}
			lt.files = append(lt.files, listedFile{
				rel: childRel, abs: filepath.Join(dir, n), size: info.Size(), mtime: info.ModTime(), values: values,
			})
		}
		return nil
	}
	if err := walk(lt.dir, "", nil, nil); err != nil {
		return err
	}
	slices.SortFunc(lt.files, func(a, b listedFile) int { return strings.Compare(a.rel, b.rel) })
	seen := map[string]bool{}
	for _, k := range lt.keys {
		if seen[k] {
			return fmt.Errorf("partition key %q appears twice in the path", k)
		}
		seen[k] = true
	}
	return nil
}

func isDir(parent string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink != 0 {
		st, err := os.Stat(filepath.Join(parent, e.Name()))
		return err == nil && st.IsDir()
	}
	return false
}

// hiddenName is the convention every lake writer follows for what is not
// (yet) committed data: _temporary/, _SUCCESS, _metadata, .crc files, and
// the dot-files of writers that rename on commit.
func hiddenName(n string) bool {
	return strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".")
}

// dataFileName accepts Parquet files by extension (part-0.parquet,
// part-0.snappy.parquet, x.parq) and Hive's extension-less files
// (000000_0), and refuses the suffixes of files still being written.
func dataFileName(n string) bool {
	lower := strings.ToLower(n)
	for _, s := range []string{".tmp", ".temp", ".inprogress", ".crc", ".partial", ".copying", ".swp"} {
		if strings.HasSuffix(lower, s) || strings.Contains(lower, s+".") {
			return false
		}
	}
	if strings.HasSuffix(lower, ".parquet") || strings.HasSuffix(lower, ".parq") || strings.HasSuffix(lower, ".pq") {
		return true
	}
	return !strings.Contains(n, ".")
}

// objectName turns a folder name into a schema or table name: a plain
// identifier, lower-cased so that it can be written without quotes.
func objectName(folder string, isSchema bool) (string, error) {
	if folder == "" || len(folder) > 63 {
		return "", fmt.Errorf("%q is not a valid identifier", folder)
	}
	for i, r := range folder {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return "", fmt.Errorf("%q is not a valid identifier (letters, digits and _ only)", folder)
		}
	}
	name := strings.ToLower(folder)
	if isSchema && (strings.HasPrefix(name, "pg_") || name == "information_schema" || name == SluiceSchemaName) {
		return "", fmt.Errorf("schema name %q is reserved", name)
	}
	return name, nil
}

// buildTable reads the footers of a listed table and makes its Table,
// reusing prev's when the committed file set is unchanged.
func (l *Lake) buildTable(lt *listedTable, prev *State) (*Table, []Problem, error) {
	if lt.err != nil {
		return nil, nil, lt.err
	}
	var notes []Problem
	type committed struct {
		f      *listedFile
		footer *Footer
	}
	var files []committed
	for i := range lt.files {
		f := &lt.files[i]
		ft, err := l.footers.get(f.identity())
		if errors.Is(err, errInProgress) {
			notes = append(notes, Problem{Schema: lt.schema, Table: lt.name, Path: f.rel, Message: "file skipped: " + err.Error()})
			continue
		}
		if err != nil {
			return nil, notes, fmt.Errorf("file %s: %w", f.rel, err)
		}
		files = append(files, committed{f, ft})
	}
	if len(files) == 0 {
		return nil, notes, errors.New("no committed Parquet file yet")
	}

	h := sha256.New()
	for _, c := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", c.f.rel, c.f.size, c.f.mtime.UnixNano())
	}
	version := hex.EncodeToString(h.Sum(nil)[:16])
	if prev != nil {
		if old, err := prev.Table(lt.schema, lt.name); err == nil && old.Version == version {
			return old, notes, nil
		}
	}

	t := &Table{
		Schema:   lt.schema,
		Name:     lt.name,
		OID:      l.oids.get("r:" + lt.schema + "." + lt.name),
		Format:   FormatHiveParquet,
		Location: lt.dir,
		Version:  version,
	}
	cols, colNotes, err := mergeFileColumns(lt, func(yield func(string, *Footer) bool) {
		for _, c := range files {
			if !yield(c.f.rel, c.footer) {
				return
			}
		}
	})
	notes = append(notes, colNotes...)
	if err != nil {
		return nil, notes, err
	}
	partTypes := make([]pgtype.Type, len(lt.keys))
	for i, k := range lt.keys {
		if slices.ContainsFunc(cols, func(c Column) bool { return c.Name == k }) {
			return nil, notes, fmt.Errorf("partition key %q is also a column of the files", k)
		}
		vals := make([]*string, len(files))
		for j, c := range files {
			vals[j] = c.f.values[i]
		}
		partTypes[i] = inferPartitionType(vals)
		cols = append(cols, Column{Name: k, Type: partTypes[i], Partition: true})
	}
	t.Columns = cols
	for _, c := range files {
		pv := make([]pgtype.Datum, len(lt.keys))
		for i := range lt.keys {
			pv[i] = partitionDatum(partTypes[i], c.f.values[i])
		}
		rows := c.footer.Meta.NumRows
		t.Files = append(t.Files, File{
			Path: c.f.abs, Size: c.f.size, PartitionValues: pv,
			RelPath: c.f.rel, ModTime: c.f.mtime, Rows: rows, Footer: c.footer,
		})
		t.RowCount += rows
		t.SizeBytes += c.f.size
		if c.f.mtime.After(t.LastModified) {
			t.LastModified = c.f.mtime
		}
	}
	return t, notes, nil
}

// mergeFileColumns derives a table's file columns from its files' schemas:
// the first file's columns in order, then columns only later files have.
// Types must agree up to widening (int2 < int4 < int8, float4 < float8,
// numeric precision); a column is NOT NULL only if every file says so.
func mergeFileColumns(lt *listedTable, files func(func(string, *Footer) bool)) ([]Column, []Problem, error) {
	var cols []Column
	var notes []Problem
	index := map[string]int{}
	present := map[string]int{}
	n := 0
	var err error
	files(func(rel string, ft *Footer) bool {
		n++
		for i, f := range ft.Schema.Fields() {
			typ, terr := columnType(f, ft, i)
			if terr != nil {
				notes = appendOnce(notes, Problem{Schema: lt.schema, Table: lt.name, Message: fmt.Sprintf("column %q skipped: %v", f.Name, terr)})
				continue
			}
			present[f.Name]++
			j, ok := index[f.Name]
			if !ok {
				index[f.Name] = len(cols)
				cols = append(cols, Column{Name: f.Name, Type: typ, NotNull: !f.Nullable && n == 1})
				continue
			}
			wide, ok := widen(cols[j].Type, typ)
			if !ok {
				err = fmt.Errorf("column %q is %s in earlier files but %s in %s", f.Name, cols[j].Type, typ, rel)
				return false
			}
			cols[j].Type = wide
			if f.Nullable {
				cols[j].NotNull = false
			}
		}
		return true
	})
	if err != nil {
		return nil, notes, err
	}
	for i := range cols {
		if present[cols[i].Name] != n {
			cols[i].NotNull = false // files without it read as NULL
		}
	}
	if len(cols) == 0 && len(lt.keys) == 0 {
		return nil, notes, errors.New("the files have no column Sluice can read")
	}
	return cols, notes, nil
}

func appendOnce(ps []Problem, p Problem) []Problem {
	if slices.Contains(ps, p) {
		return ps
	}
	return append(ps, p)
}

// columnType maps one top-level field of a Parquet file (as pqarrow reads
// it) to a PostgreSQL type. Parquet's logical types refine what Arrow alone
// says: UUID becomes uuid, JSON json, ENUM text.
func columnType(f arrow.Field, ft *Footer, fieldIndex int) (pgtype.Type, error) {
	dt := f.Type
	if ext, ok := dt.(arrow.ExtensionType); ok {
		switch ext.ExtensionName() {
		case "arrow.uuid":
			return pgtype.UUID, nil
		case "arrow.json":
			return pgtype.JSON, nil
		}
		dt = ext.StorageType()
	}
	if sf := ft.Manifest.Fields[fieldIndex]; sf.IsLeaf() {
		switch ft.Meta.Schema.Column(sf.ColIndex).LogicalType().(type) {
		case schema.JSONLogicalType:
			return pgtype.JSON, nil
		case schema.EnumLogicalType:
			return pgtype.Text, nil
		}
	}
	return pgtype.FromArrow(dt)
}

// widen returns the type that holds values of both a and b, if the scan can
// convert both to it.
func widen(a, b pgtype.Type) (pgtype.Type, bool) {
	if a == b {
		return a, true
	}
	for _, ladder := range [][]pgtype.OID{
		{pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID},
		{pgtype.Float4OID, pgtype.Float8OID},
	} {
		ra, rb := slices.Index(ladder, a.OID), slices.Index(ladder, b.OID)
		if ra >= 0 && rb >= 0 {
			if ra >= rb {
				return a, true
			}
			return b, true
		}
	}
	if a.OID == pgtype.NumericOID && b.OID == pgtype.NumericOID {
		pa, sa, oka := pgtype.NumericPrecisionScale(a.Typmod)
		pb, sb, okb := pgtype.NumericPrecisionScale(b.Typmod)
		if !oka || !okb {
			return pgtype.Numeric, true
		}
		s := max(sa, sb)
		p := max(pa-sa, pb-sb) + s
		if p > pgtype.MaxDecimalPrecision {
			return pgtype.Type{}, false
		}
		return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(p, s)}, true
	}
	return pgtype.Type{}, false
}

// oidAllocator gives schemas and tables OIDs that are stable across
// refreshes and restarts: a hash of the name into the range PostgreSQL
// leaves to user objects, probing past collisions. A name keeps its OID for
// the life of the process even if it disappears for a while.
type oidAllocator struct {
	byName map[string]uint32
	used   map[uint32]bool
}

// User OIDs: from PostgreSQL's FirstNormalObjectId, below 2^31 because some
// clients read OIDs into signed 32-bit integers.
const (
	firstUserOID = 16384
	oidSpan      = 1<<31 - firstUserOID
)

func newOIDAllocator() *oidAllocator {
	return &oidAllocator{byName: map[string]uint32{}, used: map[uint32]bool{}}
}

func (a *oidAllocator) get(key string) uint32 {
	if oid, ok := a.byName[key]; ok {
		return oid
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	off := h.Sum64() % oidSpan
	for {
		oid := uint32(firstUserOID + off)
		if !a.used[oid] {
			a.used[oid] = true
			a.byName[key] = oid
			return oid
		}
		off = (off + 1) % oidSpan
	}
}

// failedTableError is what a query naming a table that cannot be served gets.
func failedTableError(schema, name string, err error) error {
	if pgerr.Code(err) == pgerr.FeatureNotSupported {
		// Not damage: a table in a form Sluice does not read (an object-store
		// location, a data file that is not Parquet) stays unreadable until
		// Sluice learns it, so the "fix the file" hint would mislead.
		return pgerr.New(pgerr.FeatureNotSupported, "relation \"%s.%s\" cannot be read: %v", schema, name, err)
	}
	return pgerr.New(dataCorrupted, "relation \"%s.%s\" cannot be read: %v", schema, name, err).
		WithHint("Fix or remove the damaged file; the table comes back at the next refresh.")
}
