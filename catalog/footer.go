package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Footer is what one Parquet file's footer says. It is read once per file
// identity (path, size, modification time) and shared by every state and
// scan that sees that file, so it must never be modified.
type Footer struct {
	Meta *metadata.FileMetaData
	// Manifest maps the Parquet schema onto Arrow fields (leaf column
	// indexes per top-level field), as pqarrow's reader sees it.
	Manifest *pqarrow.SchemaManifest
	// Schema is the Arrow schema pqarrow reads the file as.
	Schema *arrow.Schema
}

// errInProgress marks a file whose writer has not finished: it starts with
// Parquet's magic but its footer is not there yet.
var errInProgress = errors.New("file is still being written (no Parquet footer yet)")

var parquetMagic = []byte("PAR1")

// ReadFooter reads and decodes the footer of the Parquet file at path.
func ReadFooter(path string) (*Footer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Tell a file a writer is still producing from a damaged one before the
	// reader turns both into the same "invalid footer" error.
	size := st.Size()
	if size == 0 {
		return nil, errInProgress
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, parquetMagic) {
		return nil, fmt.Errorf("not a Parquet file (no PAR1 header)")
	}
	tail := make([]byte, 4)
	if size < 12 {
		return nil, errInProgress
	}
	if _, err := f.ReadAt(tail, size-4); err != nil {
		return nil, err
	}
	if bytes.Equal(tail, []byte("PARE")) {
		return nil, fmt.Errorf("encrypted Parquet files are not supported")
	}
	if !bytes.Equal(tail, parquetMagic) {
		return nil, errInProgress
	}
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("invalid Parquet footer: %w", err)
	}
	return footerOf(rdr.MetaData())
}

func footerOf(meta *metadata.FileMetaData) (ft *Footer, err error) {
	// pqarrow panics on some malformed schemas; a bad file must not take
	// discovery down.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid Parquet schema: %v", r)
		}
	}()
	props := pqarrow.ArrowReadProperties{}
	man, err := pqarrow.NewSchemaManifest(meta.Schema, meta.KeyValueMetadata(), &props)
	if err != nil {
		return nil, fmt.Errorf("invalid Parquet schema: %w", err)
	}
	fields := make([]arrow.Field, len(man.Fields))
	for i, f := range man.Fields {
		fields[i] = *f.Field
	}
	return &Footer{Meta: meta, Manifest: man, Schema: arrow.NewSchema(fields, man.SchemaMeta)}, nil
}

// fileIdentity is what makes a cached footer valid: writers replace files,
// they do not edit them in place, so a new size or time means a new file.
type fileIdentity struct {
	path  string
	size  int64
	mtime time.Time
}

type footerResult struct {
	footer *Footer
	err    error
}

// footerCache keeps decoded footers (and decoding failures, so a damaged file
// is not re-read on every poll) by file identity.
type footerCache struct {
	mu      sync.Mutex
	entries map[fileIdentity]footerResult
}

func newFooterCache() *footerCache {
	return &footerCache{entries: map[fileIdentity]footerResult{}}
}

func (c *footerCache) get(id fileIdentity) (*Footer, error) {
	c.mu.Lock()
	r, ok := c.entries[id]
	c.mu.Unlock()
	if ok {
		return r.footer, r.err
	}
	ft, err := ReadFooter(id.path)
	// A file still being written changes identity when it is finished;
	// caching its state would only keep a soon-stale entry.
	if !errors.Is(err, errInProgress) {
		c.mu.Lock()
		c.entries[id] = footerResult{ft, err}
		c.mu.Unlock()
	}
	return ft, err
}

// retain drops every entry whose file is not in keep, so the cache holds
// only what the current listing references.
func (c *footerCache) retain(keep map[fileIdentity]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.entries {
		if !keep[id] {
			delete(c.entries, id)
		}
	}
}
