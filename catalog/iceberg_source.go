package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/rest" // registers the "rest" catalog type
	icesql "github.com/apache/iceberg-go/catalog/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for PostgreSQL SQL catalogs
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// IcebergCatalog configures one Apache Iceberg catalog whose namespaces the
// lake serves as schemas.
type IcebergCatalog struct {
	// Name is the catalog's name: the catalog_name column of a SQL
	// catalog's tables (Trino's iceberg.jdbc-catalog.catalog-name), the
	// name a REST catalog is loaded under. Default "sluice".
	Name string
	// Type is "sql" (iceberg-go's SQL catalog, the layout of Iceberg's
	// JdbcCatalog) or "rest".
	Type string
	// URI is, for "sql", a SQLite database file (created if absent) or a
	// PostgreSQL DSN (postgres://... or key=value); for "rest" the
	// catalog's base URL.
	URI string
	// Warehouse is where new tables go (file:///abs/dir); tables already
	// in the catalog carry their own locations.
	Warehouse string
	// Namespaces maps Iceberg namespaces to schema names. Empty serves every
	// single-level namespace as the schema of its own (lower-cased) name;
	// otherwise only the namespaces listed.
	Namespaces map[string]string
	// Properties are passed to iceberg-go as they are (credentials,
	// token, prefix, ...).
	Properties map[string]string
}

// Iceberg catalog types.
const (
	IcebergSQL  = "sql"
	IcebergREST = "rest"
)

// EmbeddedIcebergDir is the folder of a lake directory that holds its
// embedded Iceberg catalog: a SQLite SQL catalog in catalog.db and the
// tables' files under warehouse/. Its leading underscore keeps it out of
// the Hive-style listing; OpenLake serves the catalog when it is there.
const EmbeddedIcebergDir = "_iceberg"

// EmbeddedIcebergCatalog is the configuration of the embedded Iceberg
// catalog of the lake directory dir (absolute).
func EmbeddedIcebergCatalog(dir string) IcebergCatalog {
	ice := filepath.Join(dir, EmbeddedIcebergDir)
	return IcebergCatalog{
		Name:      "sluice",
		Type:      IcebergSQL,
		URI:       filepath.Join(ice, "catalog.db"),
		Warehouse: (&url.URL{Scheme: "file", Path: filepath.Join(ice, "warehouse")}).String(),
	}
}

func (c IcebergCatalog) name() string {
	if c.Name == "" {
		return "sluice"
	}
	return c.Name
}

// isPostgresDSN tells a PostgreSQL connection string from a SQLite path.
func isPostgresDSN(uri string) bool {
	return strings.HasPrefix(uri, "postgres://") || strings.HasPrefix(uri, "postgresql://") ||
		strings.Contains(uri, "host=") || strings.Contains(uri, "dbname=")
}

// LoadIcebergCatalog connects to the catalog c describes with iceberg-go.
// The lake uses it to read; writers (sluice demo, tests) use it to create
// tables and commit. Close the catalog with CloseIcebergCatalog.
func LoadIcebergCatalog(ctx context.Context, c IcebergCatalog) (icecat.Catalog, error) {
	props := iceberg.Properties{}
	maps.Copy(props, c.Properties)
	if c.Warehouse != "" {
		props["warehouse"] = c.Warehouse
	}
	switch c.Type {
	case IcebergSQL, "":
		if c.URI == "" {
			return nil, fmt.Errorf("iceberg catalog %q: uri is required", c.name())
		}
		var (
			db      *sql.DB
			dialect icesql.SupportedDialect
			err     error
		)
		if isPostgresDSN(c.URI) {
			db, err = sql.Open("pgx", c.URI)
			dialect = icesql.Postgres
		} else {
			if err := os.MkdirAll(filepath.Dir(c.URI), 0o755); err != nil {
				return nil, fmt.Errorf("iceberg catalog %q: %w", c.name(), err)
			}
			// A writer in another process (or another handle) may hold the
			// database lock for a moment while committing: wait for it
			// instead of failing the refresh.
			db, err = sql.Open(sqliteshim.ShimName, "file:"+c.URI+"?_pragma=busy_timeout(10000)")
			dialect = icesql.SQLite
		}
		if err != nil {
			return nil, fmt.Errorf("iceberg catalog %q: %w", c.name(), err)
		}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("iceberg catalog %q: %w", c.name(), err)
		}
		cat, err := icesql.NewCatalog(c.name(), db, dialect, props)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("iceberg catalog %q: %w", c.name(), err)
		}
		return &sqlCatalog{Catalog: cat, db: db}, nil
	case IcebergREST:
		if c.URI == "" {
			return nil, fmt.Errorf("iceberg catalog %q: uri is required", c.name())
		}
		props["type"] = IcebergREST
		props["uri"] = c.URI
		cat, err := icecat.Load(ctx, c.name(), props)
		if err != nil {
			return nil, fmt.Errorf("iceberg catalog %q: %w", c.name(), err)
		}
		return cat, nil
	}
	return nil, fmt.Errorf("iceberg catalog %q: unknown type %q (sql or rest)", c.name(), c.Type)
}

// sqlCatalog owns the database handle it was opened with.
type sqlCatalog struct {
	*icesql.Catalog
	db *sql.DB
}

func (c *sqlCatalog) Close() error {
	return errors.Join(c.Catalog.Close(), c.db.Close())
}

// CloseIcebergCatalog releases what LoadIcebergCatalog opened.
func CloseIcebergCatalog(c icecat.Catalog) error {
	if cl, ok := c.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// localPath turns an Iceberg file location into a local path. Only local
// files are read (file:// URIs or absolute paths).
func localPath(loc string) (string, error) {
	if strings.HasPrefix(loc, "/") {
		return loc, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("file location %q: %w", loc, err)
	}
	if u.Scheme != "file" {
		return "", pgerr.New(pgerr.FeatureNotSupported, "file location %q: only local files (file://) are supported", loc)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", pgerr.New(pgerr.FeatureNotSupported, "file location %q: only local files are supported", loc)
	}
	return u.Path, nil
}

// schemaFor maps an Iceberg namespace to the schema it is served as, or ""
// when it is not served.
func (c IcebergCatalog) schemaFor(ns []string) (string, error) {
	key := strings.Join(ns, ".")
	if len(c.Namespaces) > 0 {
		s, ok := c.Namespaces[key]
		if !ok {
			return "", nil
		}
		return objectName(s, true)
	}
	if len(ns) != 1 {
		return "", fmt.Errorf("namespace %q skipped: only single-level namespaces are served (map it in namespaces)", key)
	}
	return objectName(ns[0], true)
}
