package catalog

// Apache Iceberg tables. A table's Files are the FileScanTasks iceberg-go
// plans for one snapshot (data files plus the position and equality delete
// files that apply to each); the engine reads them with its own Parquet
// reader. Manifests are read only when a table's metadata location moves
// (a commit), and the plan of each snapshot is kept, so an unchanged table
// costs one metadata read per refresh; a commit that only appends costs
// the manifests it added.
//
// Iceberg types map to PostgreSQL types as follows:
//
//	boolean            bool
//	int                int4
//	long               int8
//	float              float4
//	double             float8
//	decimal(p,s)       numeric(p,s)
//	date               date
//	time               time (microseconds)
//	timestamp          timestamp
//	timestamptz        timestamptz
//	timestamp_ns       timestamp (nanoseconds truncated to microseconds)
//	timestamptz_ns     timestamptz (likewise)
//	string             text
//	uuid               uuid
//	fixed(L), binary   bytea
//
// Columns of nested types (struct, list, map) and of variant, geometry,
// geography and unknown are skipped and reported, as for Hive-style tables.
// Iceberg `doc` fields are column comments, the table property `comment`
// the table comment, identifier fields the primary key.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// FileCache keeps values decoded from immutable files, by key (a file path
// plus whatever else the decoding depended on). Iceberg never rewrites a
// file in place, so an entry stays valid as long as the file is referenced.
type FileCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	once sync.Once
	val  any
	err  error
	file string
}

func newFileCache() *FileCache { return &FileCache{entries: map[string]*cacheEntry{}} }

// Get returns the value cached under key, loading it with load once (other
// callers wait for that load). file is the path the value was decoded from;
// the entry is dropped when no table references that file any more. Errors
// are not kept: the next caller tries again.
func (c *FileCache) Get(key, file string, load func() (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &cacheEntry{file: file}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.val, e.err = load() })
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e.val, e.err
}

// retain drops the entries of files not in keep.
func (c *FileCache) retain(keep map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if !keep[e.file] {
			delete(c.entries, k)
		}
	}
}

// TimeTravel names an older state of a table: a snapshot id, or the
// snapshot that was current at a time. Exactly one is set.
type TimeTravel struct {
	SnapshotID int64
	At         time.Time
}

func (tt TimeTravel) String() string {
	if !tt.At.IsZero() {
		return tt.At.UTC().Format(time.RFC3339Nano)
	}
	return "snapshot " + strconv.FormatInt(tt.SnapshotID, 10)
}

// AsOf returns schema.name as of an older snapshot of the table (an
// Iceberg table of this state). The Table has the current columns (the ones
// queries bind against): its files are read by field id, so a column the
// snapshot did not have yet reads as NULL. Its Version is the snapshot's
// ("<snapshot id>"), its Files and row count the snapshot's. Asking for the
// current snapshot returns the table itself.
//
// Errors: 42P01 for an unknown table, 0A000 for a table without history
// (Hive-style and system tables), 22023 for a snapshot id the table does
// not have or a time before its first snapshot. Each names the table.
func (s *State) AsOf(ctx context.Context, schema, name string, tt TimeTravel) (*Table, error) {
	t, err := s.Table(schema, name)
	if err != nil {
		return nil, err
	}
	if t.history == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported,
			"relation %s has no snapshot history: time travel needs an Iceberg table", t.QualifiedName())
	}
	return t.history.asOf(ctx, t, tt)
}

// Snapshot is one snapshot of an Iceberg table's history.
type Snapshot struct {
	ID       int64
	ParentID int64 // 0: none
	At       time.Time
	// Operation is append, overwrite, delete or replace.
	Operation string
}

// Snapshots lists the table's snapshots, oldest first (nil for tables
// without history).
func (t *Table) Snapshots() []Snapshot {
	if t.history == nil {
		return nil
	}
	var out []Snapshot
	for _, sn := range t.history.meta.Snapshots() {
		s := Snapshot{ID: sn.SnapshotID, At: time.UnixMilli(sn.TimestampMs).UTC()}
		if sn.ParentSnapshotID != nil {
			s.ParentID = *sn.ParentSnapshotID
		}
		if sn.Summary != nil {
			s.Operation = string(sn.Summary.Operation)
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Snapshot) int { return a.At.Compare(b.At) })
	return out
}

// icebergHistory is what an Iceberg Table needs to plan its other
// snapshots: the table's metadata as of the state, and plans already made.
type icebergHistory struct {
	tbl     *icetable.Table
	meta    icetable.Metadata
	footers *footerCache
	cache   *FileCache

	mu    sync.Mutex
	plans map[int64]*Table // snapshot id → table as of it
}

func (h *icebergHistory) asOf(ctx context.Context, cur *Table, tt TimeTravel) (*Table, error) {
	var snap *icetable.Snapshot
	if !tt.At.IsZero() {
		snap = h.tbl.SnapshotAsOf(tt.At.UnixMilli(), true)
		if snap == nil {
			return nil, pgerr.New(pgerr.InvalidParameterValue,
				"relation %s has no snapshot at or before %s", cur.QualifiedName(), tt.At.UTC().Format(time.RFC3339Nano))
		}
	} else {
		snap = h.meta.SnapshotByID(tt.SnapshotID)
		if snap == nil {
			return nil, pgerr.New(pgerr.InvalidParameterValue,
				"relation %s has no snapshot %d", cur.QualifiedName(), tt.SnapshotID)
		}
	}
	if snap.SnapshotID == cur.SnapshotID {
		return cur, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok := h.plans[snap.SnapshotID]; ok {
		return t, nil
	}
	t := *cur
	t.Files, t.RowCount, t.SizeBytes = nil, -1, -1
	if err := planSnapshot(ctx, h, &t, snap, nil); err != nil {
		return nil, pgerr.New(dataCorrupted, "relation %s as of %s cannot be read: %v", cur.QualifiedName(), tt, err)
	}
	t.Version = strconv.FormatInt(snap.SnapshotID, 10)
	if h.plans == nil {
		h.plans = map[int64]*Table{}
	}
	h.plans[snap.SnapshotID] = &t
	return &t, nil
}

// planSnapshot fills t's Files, SnapshotID, counts and commit time from
// snapshot snap (nil: the table has no snapshot yet, so no rows). If base
// (the table as of an earlier snapshot, or nil) is an ancestor reached by
// appends only, only the manifests those appends added are read: base's
// files stay as they were (an append adds no delete file, and older delete
// files never apply to newer data files), the appended files follow.
func planSnapshot(ctx context.Context, h *icebergHistory, t *Table, snap *icetable.Snapshot, base *Table) error {
	t.SnapshotID, t.RowCount, t.SizeBytes, t.Files = 0, 0, 0, nil
	if snap == nil {
		return nil
	}
	t.SnapshotID = snap.SnapshotID
	t.LastModified = time.UnixMilli(snap.TimestampMs).UTC()
	var (
		tasks []icetable.FileScanTask
		err   error
	)
	if base != nil && appendsSince(h.meta, base.SnapshotID, snap) {
		t.Files = slices.Clone(base.Files)
		tasks, err = h.tbl.NewIncrementalAppendScan().FromSnapshotExclusive(base.SnapshotID).ToSnapshot(snap.SnapshotID).PlanFiles(ctx)
	} else {
		tasks, err = h.tbl.Scan(icetable.WithSnapshotID(snap.SnapshotID)).PlanFiles(ctx)
	}
	if err != nil {
		return fmt.Errorf("planning snapshot %d: %w", snap.SnapshotID, err)
	}
	seen := map[string]bool{}
	for _, f := range t.Files {
		seen[f.IcebergPath] = true
	}
	for _, task := range tasks {
		df := task.File
		if seen[df.FilePath()] {
			continue // a split of a file already listed: read it whole once
		}
		seen[df.FilePath()] = true
		if df.FileFormat() != iceberg.ParquetFile {
			return pgerr.New(pgerr.FeatureNotSupported, "data file %s is %s; only Parquet is supported", df.FilePath(), df.FileFormat())
		}
		path, err := localPath(df.FilePath())
		if err != nil {
			return err
		}
		f := File{Path: path, Size: df.FileSizeBytes(), Rows: df.Count(), IcebergPath: df.FilePath(), RelPath: relTo(t.Location, path)}
		if st, err := os.Stat(path); err == nil {
			f.ModTime = st.ModTime()
			if ft, err := h.footers.get(fileIdentity{path: path, size: f.Size, mtime: st.ModTime()}); err == nil {
				f.Footer = ft
			}
		}
		for _, d := range task.DeleteFiles {
			dp, err := localPath(d.FilePath())
			if err != nil {
				return err
			}
			f.Deletes = append(f.Deletes, DeleteFile{Path: dp, Size: d.FileSizeBytes(), Rows: d.Count()})
		}
		for _, d := range task.DeletionVectorFiles {
			// A deletion vector is read like a position delete file that
			// names only this data file; where its blob is, the engine
			// checks when it reads it (a missing range fails there as a
			// feature the table uses that Sluice cannot read).
			dp, err := localPath(d.FilePath())
			if err != nil {
				return err
			}
			v := DeleteFile{Path: dp, Size: d.FileSizeBytes(), Rows: d.Count(), Vector: true}
			if off, n := d.ContentOffset(), d.ContentSizeInBytes(); off != nil && n != nil {
				v.Offset, v.Length = *off, *n
			}
			f.Deletes = append(f.Deletes, v)
		}
		for _, d := range task.EqualityDeleteFiles {
			dp, err := localPath(d.FilePath())
			if err != nil {
				return err
			}
			if len(d.EqualityFieldIDs()) == 0 {
				return fmt.Errorf("equality delete file %s names no equality fields", d.FilePath())
			}
			f.Deletes = append(f.Deletes, DeleteFile{Path: dp, Size: d.FileSizeBytes(), Rows: d.Count(), EqualityFieldIDs: slices.Clone(d.EqualityFieldIDs())})
		}
		t.Files = append(t.Files, f)
	}
	// The snapshot summary has the totals iceberg-go and every other writer
	// maintain; the planned files are the fallback.
	var rows, posDeletes int64
	seenDelete := map[string]bool{}
	for _, f := range t.Files {
		rows += f.Rows
		t.SizeBytes += f.Size
		for _, d := range f.Deletes {
			// One Puffin file holds the vectors of many data files: its
			// size counts once, each vector's deletes once.
			key := fmt.Sprintf("%s@%d", d.Path, d.Offset)
			if seenDelete[key] {
				continue
			}
			seenDelete[key] = true
			if !seenDelete[d.Path] {
				seenDelete[d.Path] = true
				t.SizeBytes += d.Size
			}
			if len(d.EqualityFieldIDs) == 0 {
				posDeletes += d.Rows
			}
		}
	}
	t.RowCount = rows - posDeletes
	if snap.Summary != nil {
		p := snap.Summary.Properties
		if n, err := strconv.ParseInt(p["total-records"], 10, 64); err == nil {
			t.RowCount = n
			if d, err := strconv.ParseInt(p["total-position-deletes"], 10, 64); err == nil {
				t.RowCount -= d
			}
			if d, err := strconv.ParseInt(p["total-equality-deletes"], 10, 64); err == nil && d > 0 {
				t.RowCount = max(0, t.RowCount-d) // an estimate: one row per delete row
			}
		}
		if n, err := strconv.ParseInt(p["total-files-size"], 10, 64); err == nil {
			t.SizeBytes = n
		}
	}
	return nil
}

// appendsSince reports whether snapshot from is a strict ancestor of snap
// and every snapshot after it up to snap is an append.
func appendsSince(meta icetable.Metadata, from int64, snap *icetable.Snapshot) bool {
	if from == 0 || snap.SnapshotID == from {
		return false
	}
	for s := snap; s.SnapshotID != from; {
		if s.Summary == nil || s.Summary.Operation != icetable.OpAppend || s.ParentSnapshotID == nil {
			return false
		}
		if s = meta.SnapshotByID(*s.ParentSnapshotID); s == nil {
			return false
		}
	}
	return true
}

func relTo(base, path string) string {
	base = strings.TrimSuffix(base, "/") + "/"
	if strings.HasPrefix(path, base) {
		return path[len(base):]
	}
	return path
}

// icebergType maps an Iceberg type to PostgreSQL's (see the table above).
func icebergType(t iceberg.Type) (pgtype.Type, error) {
	switch x := t.(type) {
	case iceberg.BooleanType:
		return pgtype.Bool, nil
	case iceberg.Int32Type:
		return pgtype.Int4, nil
	case iceberg.Int64Type:
		return pgtype.Int8, nil
	case iceberg.Float32Type:
		return pgtype.Float4, nil
	case iceberg.Float64Type:
		return pgtype.Float8, nil
	case iceberg.DecimalType:
		if x.Precision() > pgtype.MaxDecimalPrecision {
			return pgtype.Type{}, fmt.Errorf("decimal(%d,%d) is wider than Sluice reads", x.Precision(), x.Scale())
		}
		return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(x.Precision(), x.Scale())}, nil
	case iceberg.DateType:
		return pgtype.Date, nil
	case iceberg.TimeType:
		return pgtype.Time, nil
	case iceberg.TimestampType, iceberg.TimestampNsType:
		return pgtype.Timestamp, nil
	case iceberg.TimestampTzType, iceberg.TimestampTzNsType:
		return pgtype.Timestamptz, nil
	case iceberg.StringType:
		return pgtype.Text, nil
	case iceberg.UUIDType:
		return pgtype.UUID, nil
	case iceberg.BinaryType, iceberg.FixedType:
		return pgtype.Bytea, nil
	case *iceberg.StructType, *iceberg.ListType, *iceberg.MapType:
		return pgtype.Type{}, fmt.Errorf("nested type %s is not supported", t)
	}
	return pgtype.Type{}, fmt.Errorf("type %s is not supported", t)
}

// icebergSource is one configured Iceberg catalog and what the lake last
// built from it.
type icebergSource struct {
	cfg IcebergCatalog
	cat icecat.Catalog // nil until connected
	// tables are the tables of the last successful listing, by metadata
	// location: an unchanged location is an unchanged table.
	tables   map[TableRef]*icebergBuilt
	comments map[string]string
}

type icebergBuilt struct {
	metadataLocation string
	table            *Table
	notes            []Problem
}

// icebergListing is what one catalog contributes to a refresh.
type icebergListing struct {
	schemas  []string
	comments map[string]string // schema → its namespace's comment property
	tables   []*Table
	failed   map[TableRef]error
	problems []Problem
}

// list reads the catalog's namespaces and tables, re-planning only tables
// whose metadata location moved. If the catalog cannot be reached, the
// previous listing is served again (with a problem saying why): its
// snapshots are still consistent, only not the newest.
func (l *Lake) listIceberg(ctx context.Context, src *icebergSource) *icebergListing {
	out := &icebergListing{failed: map[TableRef]error{}, comments: map[string]string{}}
	fail := func(err error) *icebergListing {
		prev := &icebergListing{failed: map[TableRef]error{}, comments: src.comments}
		prev.problems = append(prev.problems, Problem{Message: fmt.Sprintf("iceberg catalog %q: %v", src.cfg.name(), err)})
		seen := map[string]bool{}
		for _, b := range src.tables {
			prev.tables = append(prev.tables, b.table)
			if !seen[b.table.Schema] {
				seen[b.table.Schema] = true
				prev.schemas = append(prev.schemas, b.table.Schema)
			}
		}
		return prev
	}
	if src.cat == nil {
		cat, err := LoadIcebergCatalog(ctx, src.cfg)
		if err != nil {
			return fail(err)
		}
		src.cat = cat
	}
	namespaces, notes, err := src.namespaces(ctx)
	if err != nil {
		return fail(err)
	}
	out.problems = append(out.problems, notes...)
	built := map[TableRef]*icebergBuilt{}
	for _, ns := range namespaces {
		schemaName, err := src.cfg.schemaFor(ns)
		if err != nil {
			out.problems = append(out.problems, Problem{Message: fmt.Sprintf("iceberg catalog %q: %v", src.cfg.name(), err)})
			continue
		}
		if schemaName == "" {
			continue
		}
		out.schemas = append(out.schemas, schemaName)
		if props, err := src.cat.LoadNamespaceProperties(ctx, ns); err == nil && props["comment"] != "" {
			out.comments[schemaName] = props["comment"]
		}
		for id, err := range src.cat.ListTables(ctx, ns) {
			if err != nil {
				return fail(fmt.Errorf("listing tables of namespace %s: %w", strings.Join(ns, "."), err))
			}
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
			tname, err := objectName(id[len(id)-1], false)
			if err != nil {
				out.problems = append(out.problems, Problem{Schema: schemaName, Message: "iceberg table skipped: " + err.Error()})
				continue
			}
			ref := TableRef{schemaName, tname}
			b, err := l.buildIcebergTable(ctx, src, id, ref)
			if err != nil {
				out.failed[ref] = err
				continue
			}
			built[ref] = b
			out.tables = append(out.tables, b.table)
			out.problems = append(out.problems, b.notes...)
		}
	}
	src.tables = built
	src.comments = out.comments
	return out
}

// namespaces are the catalog's namespaces to consider. With a namespaces
// map, the mapped ones are looked up directly (a catalog may hold far more
// than are served, and a nested one is not among the top-level namespaces
// that an unfiltered list returns); a mapped namespace the catalog does not
// have is reported. Without it, every namespace is listed, children too
// (a REST catalog lists one level per call, the SQL catalog all levels at
// once), so that the nested ones, which are served only through the map,
// are reported as skipped instead of silently missing.
func (src *icebergSource) namespaces(ctx context.Context) ([]icetable.Identifier, []Problem, error) {
	if len(src.cfg.Namespaces) > 0 {
		var out []icetable.Identifier
		var notes []Problem
		for _, key := range slices.Sorted(maps.Keys(src.cfg.Namespaces)) {
			ns := icetable.Identifier(strings.Split(key, "."))
			ok, err := src.cat.CheckNamespaceExists(ctx, ns)
			if err != nil {
				return nil, nil, fmt.Errorf("looking up namespace %s: %w", key, err)
			}
			if !ok {
				notes = append(notes, Problem{Message: fmt.Sprintf("iceberg catalog %q: mapped namespace %q does not exist", src.cfg.name(), key)})
				continue
			}
			out = append(out, ns)
		}
		return out, notes, nil
	}
	var out []icetable.Identifier
	var notes []Problem
	seen := map[string]bool{}
	var walk func(parent icetable.Identifier) error
	walk = func(parent icetable.Identifier) error {
		children, err := src.cat.ListNamespaces(ctx, parent)
		if err != nil && len(parent) == 0 {
			return fmt.Errorf("listing namespaces: %w", err)
		}
		if err != nil {
			// Only reporting depends on the children here (unmapped
			// nested namespaces are not served), so a catalog that
			// cannot list them still serves its top level.
			notes = append(notes, Problem{Message: fmt.Sprintf("iceberg catalog %q: listing namespaces in %s: %v", src.cfg.name(), strings.Join(parent, "."), err)})
			return ctx.Err()
		}
		for _, ns := range children {
			key := strings.Join(ns, ".")
			if seen[key] || len(ns) <= len(parent) {
				continue // the SQL catalog lists the parent and grandchildren too
			}
			seen[key] = true
			out = append(out, ns)
			if err := walk(ns); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nil); err != nil {
		return nil, nil, err
	}
	return out, notes, nil
}

// buildIcebergTable loads one table and makes its Table, reusing the
// previous one if the metadata location is unchanged.
func (l *Lake) buildIcebergTable(ctx context.Context, src *icebergSource, id icetable.Identifier, ref TableRef) (*icebergBuilt, error) {
	it, err := src.cat.LoadTable(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("loading Iceberg table %s: %w", strings.Join(id, "."), err)
	}
	var base *Table // the previous plan, which appends only extend
	if old, ok := src.tables[ref]; ok {
		if old.metadataLocation == it.MetadataLocation() {
			return old, nil
		}
		base = old.table
	}
	meta := it.Metadata()
	var notes []Problem
	t := &Table{
		Schema:  ref.Schema,
		Name:    ref.Name,
		OID:     l.oids.get("r:" + ref.Schema + "." + ref.Name),
		Format:  FormatIceberg,
		Comment: meta.Properties()["comment"],
		Cache:   l.fileCache,
	}
	if loc, err := localPath(it.Location()); err == nil {
		t.Location = loc
	} else {
		return nil, err
	}
	sc := meta.CurrentSchema()
	for _, f := range sc.Fields() {
		typ, err := icebergType(f.Type)
		if err != nil {
			notes = append(notes, Problem{Schema: ref.Schema, Table: ref.Name, Message: fmt.Sprintf("column %q skipped: %v", f.Name, err)})
			continue
		}
		t.Columns = append(t.Columns, Column{Name: f.Name, Type: typ, NotNull: f.Required, Comment: f.Doc, FieldID: f.ID})
	}
	if len(t.Columns) == 0 {
		return nil, errors.New("the table has no column Sluice can read")
	}
	for _, fid := range sc.IdentifierFieldIDs {
		for _, c := range t.Columns {
			if c.FieldID == fid {
				t.PrimaryKey = append(t.PrimaryKey, c.Name)
			}
		}
	}
	if nm := meta.NameMapping(); len(nm) > 0 {
		t.NameMapping = map[int][]string{}
		for _, m := range nm {
			if m.FieldID != nil {
				t.NameMapping[*m.FieldID] = slices.Clone(m.Names)
			}
		}
	}
	h := &icebergHistory{tbl: it, meta: meta, footers: l.footers, cache: l.fileCache}
	t.history = h
	snap := meta.CurrentSnapshot()
	if err := planSnapshot(ctx, h, t, snap, base); err != nil {
		return nil, err
	}
	t.Version = "0"
	if snap != nil {
		t.Version = strconv.FormatInt(snap.SnapshotID, 10)
		// A schema change commits new metadata without a new snapshot;
		// the version must move with it all the same.
		if snap.SchemaID != nil && *snap.SchemaID != sc.ID {
			t.Version += ".s" + strconv.Itoa(sc.ID)
		}
	} else if sc.ID != 0 {
		t.Version += ".s" + strconv.Itoa(sc.ID)
	}
	return &icebergBuilt{metadataLocation: it.MetadataLocation(), table: t, notes: notes}, nil
}

// Close releases the Iceberg catalogs' connections. The lake must not be
// refreshed afterwards.
func (l *Lake) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, src := range l.iceberg {
		if src.cat != nil {
			errs = append(errs, CloseIcebergCatalog(src.cat))
			src.cat = nil
		}
	}
	return errors.Join(errs...)
}

// addIcebergSources registers the directory's embedded catalog (if there)
// and the configured ones.
func (l *Lake) addIcebergSources() {
	if st, err := os.Stat(EmbeddedIcebergCatalog(l.dir).URI); err == nil && st.Mode().IsRegular() {
		l.iceberg = append(l.iceberg, &icebergSource{cfg: EmbeddedIcebergCatalog(l.dir)})
	}
	for _, c := range l.opts.Iceberg {
		l.iceberg = append(l.iceberg, &icebergSource{cfg: c})
	}
}

// refreshIceberg adds the Iceberg catalogs' schemas and tables to a
// refresh: schemas and failed are the refresh's, keep collects the files
// whose footers stay cached. A table whose name a layer folder already
// has is skipped and reported. It returns problems with its own added.
func (l *Lake) refreshIceberg(ctx context.Context, schemas map[string]*Schema, failed map[string]error, problems []Problem, keep map[fileIdentity]bool) []Problem {
	keepCached := map[string]bool{}
	for _, src := range l.iceberg {
		il := l.listIceberg(ctx, src)
		problems = append(problems, il.problems...)
		for _, name := range il.schemas {
			if schemas[name] == nil {
				schemas[name] = &Schema{Name: name, OID: l.oids.get("n:" + name)}
				if name == publicSchemaName {
					schemas[name].OID = PublicNamespaceOID
				}
			}
			if c := il.comments[name]; c != "" && schemas[name].Comment == "" {
				schemas[name].Comment = c // the namespace's comment property
			}
		}
		for _, ref := range slices.SortedFunc(maps.Keys(il.failed), compareRefs) {
			err := il.failed[ref]
			failed[ref.String()] = err
			problems = append(problems, Problem{Schema: ref.Schema, Table: ref.Name, Message: err.Error(), TableFailed: true})
		}
		for _, t := range il.tables {
			sc := schemas[t.Schema]
			if slices.ContainsFunc(sc.Tables, func(o *Table) bool { return o.Name == t.Name }) {
				problems = append(problems, Problem{Schema: t.Schema, Table: t.Name,
					Message: "iceberg table skipped: a layer folder of the lake directory has the same schema and table name"})
				continue
			}
			sc.Tables = append(sc.Tables, t)
			for _, f := range t.Files {
				if f.Footer != nil {
					keep[fileIdentity{path: f.Path, size: f.Size, mtime: f.ModTime}] = true
				}
				for _, d := range f.Deletes {
					keepCached[d.Path] = true
				}
			}
		}
	}
	l.fileCache.retain(keepCached)
	return problems
}

// sortSchemas orders a state's schemas and each schema's tables by name.
func sortSchemas(st *State) {
	slices.SortFunc(st.Schemas, func(a, b *Schema) int { return strings.Compare(a.Name, b.Name) })
	for _, s := range st.Schemas {
		slices.SortFunc(s.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	}
}
