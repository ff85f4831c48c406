package main

import (
	"fmt"
	"net/url"

	"github.com/sluicesql/sluice/catalog"
)

// IcebergConfig is one Apache Iceberg catalog under lake.iceberg, whose
// namespaces are served as schemas next to the lake directory's layers:
//
//	lake:
//	  dir: /data/lake
//	  iceberg:
//	    - name: lake                  # catalog_name in the SQL catalog's tables
//	      type: sql                   # sql (default) or rest
//	      dsn: postgres://iceberg@db/iceberg   # or uri: /data/catalog.db (SQLite)
//	      warehouse: file:///data/warehouse
//	      namespaces: {analytics: gold}        # optional: only these, renamed
//
// A SQL catalog on PostgreSQL has the tables Trino's Iceberg JDBC catalog
// reads. The lake directory's embedded catalog (_iceberg/catalog.db, as
// `sluice demo` writes it) needs no entry.
type IcebergConfig struct {
	Name       string            `yaml:"name"`
	Type       string            `yaml:"type"`
	URI        string            `yaml:"uri"`
	DSN        string            `yaml:"dsn"`
	Warehouse  string            `yaml:"warehouse"`
	Namespaces map[string]string `yaml:"namespaces"`
	Properties map[string]string `yaml:"properties"`
}

// validateIceberg checks lake.iceberg.
func (c LakeConfig) validateIceberg() error {
	names := map[string]bool{}
	for i, ic := range c.Iceberg {
		key := fmt.Sprintf("lake.iceberg[%d]", i)
		switch ic.Type {
		case "", catalog.IcebergSQL, catalog.IcebergREST:
		default:
			return fmt.Errorf("%s.type: %q is not sql or rest", key, ic.Type)
		}
		if (ic.URI == "") == (ic.DSN == "") {
			return fmt.Errorf("%s: give exactly one of uri and dsn", key)
		}
		if ic.Type == catalog.IcebergREST {
			u, err := url.Parse(ic.URI)
			if ic.DSN != "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				return fmt.Errorf("%s.uri: a REST catalog needs an http(s) URL", key)
			}
		}
		if ic.Warehouse != "" {
			if u, err := url.Parse(ic.Warehouse); err != nil || u.Scheme == "" {
				return fmt.Errorf("%s.warehouse: %q is not a URL such as file:///data/warehouse", key, ic.Warehouse)
			}
		}
		name := ic.Name
		if name == "" {
			name = "sluice"
		}
		if names[name] {
			return fmt.Errorf("%s.name: catalog %q is listed twice", key, name)
		}
		names[name] = true
		for ns, schema := range ic.Namespaces {
			if ns == "" || schema == "" {
				return fmt.Errorf("%s.namespaces: empty namespace or schema name", key)
			}
		}
	}
	return nil
}

// IcebergCatalogs are lake.iceberg as the catalog takes them
// (catalog.LakeOptions.Iceberg).
func (c LakeConfig) IcebergCatalogs() []catalog.IcebergCatalog {
	var out []catalog.IcebergCatalog
	for _, ic := range c.Iceberg {
		uri := ic.URI
		if uri == "" {
			uri = ic.DSN
		}
		out = append(out, catalog.IcebergCatalog{
			Name: ic.Name, Type: ic.Type, URI: uri, Warehouse: ic.Warehouse,
			Namespaces: ic.Namespaces, Properties: ic.Properties,
		})
	}
	return out
}
