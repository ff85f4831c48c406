package catalog

import (
	"github.com/sluicesql/sluice/wire/pgtype"
)

// pgCatalogTables are pg_catalog's relations besides pg_type, with
// PostgreSQL 15's OIDs, columns and column types.
func pgCatalogTables() []*sysTable {
	return []*sysTable{
		{name: "pg_namespace", oid: PgNamespaceRelationOID, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("nspname", tName), col("nspowner", tOID), ncol("nspacl", tACL),
		}, rows: pgNamespaceRows},
		{name: "pg_class", oid: PgClassRelationOID, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("relname", tName), col("relnamespace", tOID), col("reltype", tOID),
			col("reloftype", tOID), col("relowner", tOID), col("relam", tOID), col("relfilenode", tOID),
			col("reltablespace", tOID), col("relpages", tInt4), col("reltuples", tFloat4),
			col("relallvisible", tInt4), col("reltoastrelid", tOID), col("relhasindex", tBool),
			col("relisshared", tBool), col("relpersistence", tChar), col("relkind", tChar),
			col("relnatts", tInt2), col("relchecks", tInt2), col("relhasrules", tBool),
			col("relhastriggers", tBool), col("relhassubclass", tBool), col("relrowsecurity", tBool),
			col("relforcerowsecurity", tBool), col("relispopulated", tBool), col("relreplident", tChar),
			col("relispartition", tBool), col("relrewrite", tOID), col("relfrozenxid", tXid),
			col("relminmxid", tXid), ncol("relacl", tACL), ncol("reloptions", tTextArr),
			ncol("relpartbound", tNodeTree),
		}, rows: pgClassRows},
		{name: "pg_attribute", oid: 1249, kind: relkindTable, cols: []Column{
			col("attrelid", tOID), col("attname", tName), col("atttypid", tOID), col("attstattarget", tInt4),
			col("attlen", tInt2), col("attnum", tInt2), col("attndims", tInt4), col("attcacheoff", tInt4),
			col("atttypmod", tInt4), col("attbyval", tBool), col("attalign", tChar), col("attstorage", tChar),
			col("attcompression", tChar), col("attnotnull", tBool), col("atthasdef", tBool),
			col("atthasmissing", tBool), col("attidentity", tChar), col("attgenerated", tChar),
			col("attisdropped", tBool), col("attislocal", tBool), col("attinhcount", tInt4),
			col("attcollation", tOID), ncol("attacl", tACL), ncol("attoptions", tTextArr),
			ncol("attfdwoptions", tTextArr), ncol("attmissingval", tAnyArray),
		}, rows: pgAttributeRows},
		{name: "pg_attrdef", oid: 2604, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("adrelid", tOID), col("adnum", tInt2), col("adbin", tNodeTree),
		}, rows: noRows},
		{name: "pg_description", oid: 2609, kind: relkindTable, cols: []Column{
			col("objoid", tOID), col("classoid", tOID), col("objsubid", tInt4), col("description", tText),
		}, rows: pgDescriptionRows},
		{name: "pg_index", oid: 2610, kind: relkindTable, cols: []Column{
			col("indexrelid", tOID), col("indrelid", tOID), col("indnatts", tInt2), col("indnkeyatts", tInt2),
			col("indisunique", tBool), col("indnullsnotdistinct", tBool), col("indisprimary", tBool),
			col("indisexclusion", tBool), col("indimmediate", tBool), col("indisclustered", tBool),
			col("indisvalid", tBool), col("indcheckxmin", tBool), col("indisready", tBool),
			col("indislive", tBool), col("indisreplident", tBool), col("indkey", tInt2Vec),
			col("indcollation", tOIDVec), col("indclass", tOIDVec), col("indoption", tInt2Vec),
			ncol("indexprs", tNodeTree), ncol("indpred", tNodeTree),
		}, rows: pgIndexRows},
		{name: "pg_constraint", oid: 2606, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("conname", tName), col("connamespace", tOID), col("contype", tChar),
			col("condeferrable", tBool), col("condeferred", tBool), col("convalidated", tBool),
			col("conrelid", tOID), col("contypid", tOID), col("conindid", tOID), col("conparentid", tOID),
			col("confrelid", tOID), col("confupdtype", tChar), col("confdeltype", tChar),
			col("confmatchtype", tChar), col("conislocal", tBool), col("coninhcount", tInt4),
			col("connoinherit", tBool), ncol("conkey", tInt2Arr), ncol("confkey", tInt2Arr),
			ncol("conpfeqop", tOIDArr), ncol("conppeqop", tOIDArr), ncol("conffeqop", tOIDArr),
			ncol("confdelsetcols", tInt2Arr), ncol("conexclop", tOIDArr), ncol("conbin", tNodeTree),
		}, rows: pgConstraintRows},
		{name: "pg_database", oid: 1262, kind: relkindTable, shared: true, cols: []Column{
			col("oid", tOID), col("datname", tName), col("datdba", tOID), col("encoding", tInt4),
			col("datlocprovider", tChar), col("datistemplate", tBool), col("datallowconn", tBool),
			col("datconnlimit", tInt4), col("datfrozenxid", tXid), col("datminmxid", tXid),
			col("dattablespace", tOID), col("datcollate", tText), col("datctype", tText),
			ncol("daticulocale", tText), ncol("datcollversion", tText), ncol("datacl", tACL),
		}, rows: pgDatabaseRows},
		{name: "pg_roles", oid: 12000, kind: relkindView, cols: []Column{
			ncol("rolname", tName), ncol("rolsuper", tBool), ncol("rolinherit", tBool),
			ncol("rolcreaterole", tBool), ncol("rolcreatedb", tBool), ncol("rolcanlogin", tBool),
			ncol("rolreplication", tBool), ncol("rolconnlimit", tInt4), ncol("rolpassword", tText),
			ncol("rolvaliduntil", tTstz), ncol("rolbypassrls", tBool), ncol("rolconfig", tTextArr),
			ncol("oid", tOID),
		}, rows: pgRolesRows},
		{name: "pg_user", oid: 12014, kind: relkindView, cols: []Column{
			ncol("usename", tName), ncol("usesysid", tOID), ncol("usecreatedb", tBool),
			ncol("usesuper", tBool), ncol("userepl", tBool), ncol("usebypassrls", tBool),
			ncol("passwd", tText), ncol("valuntil", tTstz), ncol("useconfig", tTextArr),
		}, rows: pgUserRows},
		{name: "pg_am", oid: 2601, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("amname", tName), col("amhandler", tRegproc), col("amtype", tChar),
		}, rows: pgAmRows},
		{name: "pg_range", oid: 3541, kind: relkindTable, cols: []Column{
			col("rngtypid", tOID), col("rngsubtype", tOID), col("rngmultitypid", tOID),
			col("rngcollation", tOID), col("rngsubopc", tOID), col("rngcanonical", tRegproc),
			col("rngsubdiff", tRegproc),
		}, rows: noRows},
		{name: "pg_enum", oid: 3501, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("enumtypid", tOID), col("enumsortorder", tFloat4), col("enumlabel", tName),
		}, rows: noRows},
		{name: "pg_collation", oid: 3456, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("collname", tName), col("collnamespace", tOID), col("collowner", tOID),
			col("collprovider", tChar), col("collisdeterministic", tBool), col("collencoding", tInt4),
			ncol("collcollate", tText), ncol("collctype", tText), ncol("colliculocale", tText),
			ncol("collversion", tText),
		}, rows: pgCollationRows},
		{name: "pg_inherits", oid: 2611, kind: relkindTable, cols: []Column{
			col("inhrelid", tOID), col("inhparent", tOID), col("inhseqno", tInt4), col("inhdetachpending", tBool),
		}, rows: noRows},
		{name: "pg_extension", oid: 3079, kind: relkindTable, cols: []Column{
			col("oid", tOID), col("extname", tName), col("extowner", tOID), col("extnamespace", tOID),
			col("extrelocatable", tBool), col("extversion", tText), ncol("extconfig", tOIDArr),
			ncol("extcondition", tTextArr),
		}, rows: pgExtensionRows},
		{name: "pg_tablespace", oid: 1213, kind: relkindTable, shared: true, cols: []Column{
			col("oid", tOID), col("spcname", tName), col("spcowner", tOID), ncol("spcacl", tACL),
			ncol("spcoptions", tTextArr),
		}, rows: pgTablespaceRows},
		{name: "pg_sequence", oid: 2224, kind: relkindTable, cols: []Column{
			col("seqrelid", tOID), col("seqtypid", tOID), col("seqstart", tInt8), col("seqincrement", tInt8),
			col("seqmax", tInt8), col("seqmin", tInt8), col("seqcache", tInt8), col("seqcycle", tBool),
		}, rows: noRows},
		{name: "pg_tables", oid: 12033, kind: relkindView, cols: []Column{
			ncol("schemaname", tName), ncol("tablename", tName), ncol("tableowner", tName),
			ncol("tablespace", tName), ncol("hasindexes", tBool), ncol("hasrules", tBool),
			ncol("hastriggers", tBool), ncol("rowsecurity", tBool),
		}, rows: pgTablesRows},
		{name: "pg_views", oid: 12028, kind: relkindView, cols: []Column{
			ncol("schemaname", tName), ncol("viewname", tName), ncol("viewowner", tName), ncol("definition", tText),
		}, rows: pgViewsRows},
		{name: "pg_indexes", oid: 12043, kind: relkindView, cols: []Column{
			ncol("schemaname", tName), ncol("tablename", tName), ncol("indexname", tName),
			ncol("tablespace", tName), ncol("indexdef", tText),
		}, rows: pgIndexesRows},
		{name: "pg_matviews", oid: 12038, kind: relkindView, cols: []Column{
			ncol("schemaname", tName), ncol("matviewname", tName), ncol("matviewowner", tName),
			ncol("tablespace", tName), ncol("hasindexes", tBool), ncol("ispopulated", tBool),
			ncol("definition", tText),
		}, rows: noRows},
		{name: "pg_stat_user_tables", oid: 12161, kind: relkindView, cols: []Column{
			ncol("relid", tOID), ncol("schemaname", tName), ncol("relname", tName), ncol("seq_scan", tInt8),
			ncol("seq_tup_read", tInt8), ncol("idx_scan", tInt8), ncol("idx_tup_fetch", tInt8),
			ncol("n_tup_ins", tInt8), ncol("n_tup_upd", tInt8), ncol("n_tup_del", tInt8),
			ncol("n_tup_hot_upd", tInt8), ncol("n_live_tup", tInt8), ncol("n_dead_tup", tInt8),
			ncol("n_mod_since_analyze", tInt8), ncol("n_ins_since_vacuum", tInt8),
			ncol("last_vacuum", tTstz), ncol("last_autovacuum", tTstz), ncol("last_analyze", tTstz),
			ncol("last_autoanalyze", tTstz), ncol("vacuum_count", tInt8), ncol("autovacuum_count", tInt8),
			ncol("analyze_count", tInt8), ncol("autoanalyze_count", tInt8),
		}, rows: pgStatUserTablesRows},
		{name: "pg_statio_user_tables", oid: 12179, kind: relkindView, cols: []Column{
			ncol("relid", tOID), ncol("schemaname", tName), ncol("relname", tName),
			ncol("heap_blks_read", tInt8), ncol("heap_blks_hit", tInt8), ncol("idx_blks_read", tInt8),
			ncol("idx_blks_hit", tInt8), ncol("toast_blks_read", tInt8), ncol("toast_blks_hit", tInt8),
			ncol("tidx_blks_read", tInt8), ncol("tidx_blks_hit", tInt8),
		}, rows: pgStatioUserTablesRows},
		// Catalogs of objects the lake has none of (functions are listed by
		// the functions' owner later): empty, so that clients' joins and
		// EXISTS probes find nothing rather than fail.
		{name: "pg_proc", oid: 1255, kind: relkindTable, cols: []Column{col("oid", tOID), col("proname", tName), col("pronamespace", tOID), col("proowner", tOID), col("prolang", tOID), col("procost", tFloat4), col("prorows", tFloat4), col("provariadic", tOID), col("prosupport", tRegproc), col("prokind", tChar), col("prosecdef", tBool), col("proleakproof", tBool), col("proisstrict", tBool), col("proretset", tBool), col("provolatile", tChar), col("proparallel", tChar), col("pronargs", tInt2), col("pronargdefaults", tInt2), col("prorettype", tOID), col("proargtypes", tOIDVec), ncol("proallargtypes", tOIDArr), ncol("proargmodes", tCharArr), ncol("proargnames", tTextArr), ncol("proargdefaults", tNodeTree), ncol("protrftypes", tOIDArr), col("prosrc", tText), ncol("probin", tText), ncol("prosqlbody", tNodeTree), ncol("proconfig", tTextArr), ncol("proacl", tACL)}, rows: noRows},
		{name: "pg_language", oid: 2612, kind: relkindTable, cols: []Column{col("oid", tOID), col("lanname", tName), col("lanowner", tOID), col("lanispl", tBool), col("lanpltrusted", tBool), col("lanplcallfoid", tOID), col("laninline", tOID), col("lanvalidator", tOID), ncol("lanacl", tACL)}, rows: pgLanguageRows},
		{name: "pg_publication", oid: 6104, kind: relkindTable, cols: []Column{col("oid", tOID), col("pubname", tName), col("pubowner", tOID), col("puballtables", tBool), col("pubinsert", tBool), col("pubupdate", tBool), col("pubdelete", tBool), col("pubtruncate", tBool), col("pubviaroot", tBool)}, rows: noRows},
		{name: "pg_publication_namespace", oid: 6237, kind: relkindTable, cols: []Column{col("oid", tOID), col("pnpubid", tOID), col("pnnspid", tOID)}, rows: noRows},
		{name: "pg_publication_rel", oid: 6106, kind: relkindTable, cols: []Column{col("oid", tOID), col("prpubid", tOID), col("prrelid", tOID), ncol("prqual", tNodeTree), ncol("prattrs", tInt2Vec)}, rows: noRows},
		{name: "pg_policy", oid: 3256, kind: relkindTable, cols: []Column{col("oid", tOID), col("polname", tName), col("polrelid", tOID), col("polcmd", tChar), col("polpermissive", tBool), col("polroles", tOIDArr), ncol("polqual", tNodeTree), ncol("polwithcheck", tNodeTree)}, rows: noRows},
		{name: "pg_statistic_ext", oid: 3381, kind: relkindTable, cols: []Column{col("oid", tOID), col("stxrelid", tOID), col("stxname", tName), col("stxnamespace", tOID), col("stxowner", tOID), col("stxstattarget", tInt4), col("stxkeys", tInt2Vec), col("stxkind", tCharArr), ncol("stxexprs", tNodeTree)}, rows: noRows},
		{name: "pg_trigger", oid: 2620, kind: relkindTable, cols: []Column{col("oid", tOID), col("tgrelid", tOID), col("tgparentid", tOID), col("tgname", tName), col("tgfoid", tOID), col("tgtype", tInt2), col("tgenabled", tChar), col("tgisinternal", tBool), col("tgconstrrelid", tOID), col("tgconstrindid", tOID), col("tgconstraint", tOID), col("tgdeferrable", tBool), col("tginitdeferred", tBool), col("tgnargs", tInt2), col("tgattr", tInt2Vec), col("tgargs", tBytea), ncol("tgqual", tNodeTree), ncol("tgoldtable", tName), ncol("tgnewtable", tName)}, rows: noRows},
		{name: "pg_rewrite", oid: 2618, kind: relkindTable, cols: []Column{col("oid", tOID), col("rulename", tName), col("ev_class", tOID), col("ev_type", tChar), col("ev_enabled", tChar), col("is_instead", tBool), col("ev_qual", tNodeTree), col("ev_action", tNodeTree)}, rows: noRows},
		{name: "pg_auth_members", oid: 1261, kind: relkindTable, shared: true, cols: []Column{col("roleid", tOID), col("member", tOID), col("grantor", tOID), col("admin_option", tBool)}, rows: noRows},
	}
}

func pgLanguageRows(*State) [][]pgtype.Datum {
	b := int64(BootstrapSuperuserOID)
	return [][]pgtype.Datum{
		{int64(12), "internal", b, false, false, int64(0), int64(0), int64(2246), nil},
		{int64(13), "c", b, false, false, int64(0), int64(0), int64(2247), nil},
		{int64(14), "sql", b, false, true, int64(0), int64(0), int64(2248), nil},
		{int64(13563), "plpgsql", b, true, true, int64(13560), int64(13561), int64(13562), nil},
	}
}

type row = []pgtype.Datum

func noRows(*State) [][]pgtype.Datum { return nil }

func oidv(v uint32) int64 { return int64(v) }

func pgNamespaceRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, sc := range st.Schemas {
		owner := int64(BootstrapSuperuserOID)
		var acl pgtype.Datum
		if sc.Name == publicSchemaName {
			owner = PgDatabaseOwnerOID
			// PostgreSQL 15's public schema: its owner may create, everyone
			// may use it (psql's \dn+ prints this).
			usage, _ := pgtype.ACLPrivileges("U")
			create, _ := pgtype.ACLPrivileges("C")
			acl = []string{
				pgtype.ACLItem{Grantee: "pg_database_owner", Grantor: "pg_database_owner", Privs: usage | create}.String(),
				pgtype.ACLItem{Grantor: "pg_database_owner", Privs: usage}.String(),
			}
		}
		out = append(out, row{oidv(sc.OID), sc.Name, owner, acl})
	}
	return out
}

func pgClassRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, r := range st.relations() {
		t := r.table
		am, filenode, replident := int64(HeapAccessMethodOID), oidv(t.OID), "d"
		switch r.kind {
		case relkindView:
			am, filenode = 0, 0
		case relkindIndex:
			am = btreeAccessMethodOID
		}
		if r.kind == relkindView || r.kind == relkindIndex || isSystemSchema(r.schema.Name) {
			replident = "n"
		}
		pages, tuples := int64(0), float64(-1)
		switch {
		case r.keyOf != nil:
			// A btree's metapage, and one entry per row of its table.
			pages, tuples = 1, 0
			if r.keyOf.RowCount > 0 {
				tuples = float64(r.keyOf.RowCount)
			}
		case t.Format != FormatSystem:
			if t.SizeBytes > 0 {
				pages = (t.SizeBytes + 8191) / 8192
			}
			if t.RowCount >= 0 {
				tuples = float64(t.RowCount)
			}
		}
		persistence := "p"
		if r.schema.Temp {
			persistence = "t"
		}
		out = append(out, row{
			oidv(t.OID), t.Name, oidv(r.schema.OID), relationRowType(t), int64(0), int64(BootstrapSuperuserOID),
			am, filenode, int64(0), pages, tuples, int64(0), int64(0), r.hasIndex, r.shared, persistence, ch(r.kind),
			int64(len(t.Columns)), int64(0), r.kind == relkindView, false, false, false, false, true,
			replident, false, int64(0), int64(0), int64(0), nil, nil, nil,
		})
	}
	return out
}

func pgAttributeRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, r := range st.relations() {
		for i, c := range r.table.Columns {
			typid, length, typmod := c.Type.OID, typeLen(c.Type.OID), int64(c.Type.Typmod)
			if c.Domain != 0 {
				// The domain holds the typmod (yes_or_no is varchar(3)).
				typid, length, typmod = c.Domain, domainLen(c.Domain), -1
			}
			s := storageOf(typid)
			ndims := int64(0)
			if c.Type.IsArray() {
				ndims = 1
			}
			out = append(out, row{
				oidv(r.table.OID), c.Name, oidv(typid), int64(-1), length, int64(i + 1),
				ndims, int64(-1), typmod, s.byval, ch(s.align), ch(s.storage), "",
				c.NotNull, false, false, "", "", false, true, int64(0), s.collation, nil, nil, nil, nil,
			})
		}
	}
	return out
}

func pgDescriptionRows(st *State) [][]pgtype.Datum {
	// The plpgsql extension and language carry PostgreSQL's comments
	// (psql's \dx prints the extension's).
	out := [][]pgtype.Datum{
		{int64(13559), int64(3079), int64(0), "PL/pgSQL procedural language"},
		{int64(13563), int64(2612), int64(0), "PL/pgSQL procedural language"},
	}
	for _, sc := range st.Schemas {
		if sc.Comment != "" {
			out = append(out, row{oidv(sc.OID), int64(PgNamespaceRelationOID), int64(0), sc.Comment})
		}
	}
	for _, r := range st.relations() {
		if r.table.Comment != "" {
			out = append(out, row{oidv(r.table.OID), int64(PgClassRelationOID), int64(0), r.table.Comment})
		}
		for i, c := range r.table.Columns {
			if c.Comment != "" {
				out = append(out, row{oidv(r.table.OID), int64(PgClassRelationOID), int64(i + 1), c.Comment})
			}
		}
	}
	return out
}

func pgDatabaseRows(st *State) [][]pgtype.Datum {
	return [][]pgtype.Datum{{
		int64(DatabaseOID), st.databaseName(), int64(BootstrapSuperuserOID), int64(utf8Encoding), "c",
		false, true, int64(-1), int64(0), int64(1), int64(DefaultTablespaceOID), "C", "C", // Sluice compares strings bytewise
		nil, nil, nil,
	}}
}

func pgRolesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, r := range st.roles() {
		out = append(out, row{
			r.name, r.super, true, r.super, r.super, r.canLogin, r.super, int64(-1), maskedPassword,
			nil, r.super, nil, r.oid,
		})
	}
	return out
}

func pgUserRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, r := range st.roles() {
		if r.canLogin {
			out = append(out, row{r.name, r.oid, r.super, r.super, r.super, r.super, maskedPassword, nil, nil})
		}
	}
	return out
}

func pgAmRows(*State) [][]pgtype.Datum {
	return [][]pgtype.Datum{
		{int64(2), "heap", int64(3), "t"},
		{int64(403), "btree", int64(330), "i"},
		{int64(405), "hash", int64(331), "i"},
		{int64(783), "gist", int64(332), "i"},
		{int64(2742), "gin", int64(333), "i"},
		{int64(4000), "spgist", int64(334), "i"},
		{int64(3580), "brin", int64(335), "i"},
	}
}

func pgCollationRows(*State) [][]pgtype.Datum {
	return [][]pgtype.Datum{
		{int64(DefaultCollationOID), "default", int64(PgCatalogNamespaceOID), int64(BootstrapSuperuserOID), "d", true, int64(-1), nil, nil, nil, nil},
		{int64(CCollationOID), "C", int64(PgCatalogNamespaceOID), int64(BootstrapSuperuserOID), "c", true, int64(-1), "C", "C", nil, nil},
		{int64(POSIXCollationOID), "POSIX", int64(PgCatalogNamespaceOID), int64(BootstrapSuperuserOID), "c", true, int64(-1), "POSIX", "POSIX", nil, nil},
	}
}

func pgExtensionRows(*State) [][]pgtype.Datum {
	return [][]pgtype.Datum{
		{int64(13559), "plpgsql", int64(BootstrapSuperuserOID), int64(PgCatalogNamespaceOID), false, "1.0", nil, nil},
	}
}

func pgTablespaceRows(*State) [][]pgtype.Datum {
	return [][]pgtype.Datum{
		{int64(DefaultTablespaceOID), "pg_default", int64(BootstrapSuperuserOID), nil, nil},
		{int64(GlobalTablespaceOID), "pg_global", int64(BootstrapSuperuserOID), nil, nil},
	}
}

func pgTablesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	owner := st.ownerName()
	for _, r := range st.relations() {
		if r.kind != relkindTable {
			continue
		}
		var space pgtype.Datum
		if r.shared {
			space = "pg_global"
		}
		out = append(out, row{r.schema.Name, r.table.Name, owner, space, r.hasIndex, false, false, false})
	}
	return out
}

// pgViewsRows lists the views Sluice serves; their definitions are not
// SQL Sluice could show faithfully, so definition is NULL.
func pgViewsRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	owner := st.ownerName()
	for _, r := range st.relations() {
		if r.kind == relkindView {
			out = append(out, row{r.schema.Name, r.table.Name, owner, nil})
		}
	}
	return out
}

func pgStatUserTablesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	zero := int64(0)
	for _, r := range st.relations() {
		if !r.userTable() {
			continue
		}
		live := r.table.RowCount
		if live < 0 {
			live = 0
		}
		out = append(out, row{
			oidv(r.table.OID), r.schema.Name, r.table.Name, zero, zero, nil, nil, zero, zero, zero, zero,
			live, zero, zero, zero, nil, nil, nil, nil, zero, zero, zero, zero,
		})
	}
	return out
}

func pgStatioUserTablesRows(st *State) [][]pgtype.Datum {
	var out [][]pgtype.Datum
	for _, r := range st.relations() {
		if !r.userTable() {
			continue
		}
		// PostgreSQL gives a table with variable-length columns a TOAST
		// table (and its index), whose counters then read 0, not NULL.
		var toast pgtype.Datum
		for _, c := range r.table.Columns {
			if typeLen(c.Type.OID) == -1 {
				toast = int64(0)
			}
		}
		out = append(out, row{oidv(r.table.OID), r.schema.Name, r.table.Name, int64(0), int64(0), nil, nil, toast, toast, toast, toast})
	}
	return out
}
