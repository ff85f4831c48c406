package catalog

// OIDs PostgreSQL gives its own catalog objects; clients hard-code some.
const (
	PgCatalogNamespaceOID = 11
	PgTypeRelationOID     = 1247
)
