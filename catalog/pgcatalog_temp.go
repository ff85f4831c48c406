package catalog

import (
	"slices"
	"strings"
)

// A session's temporary tables live in its own schema, pg_temp_N (with
// PostgreSQL's companion pg_toast_temp_N). The session binds against a copy
// of the lake's state holding those schemas, and the catalog relations of
// that copy describe it: pg_class, pg_attribute, pg_namespace, pg_tables
// and information_schema list the temporary tables for that session only.

// WithSessionSchemas returns a copy of st, a state with its system schemas,
// that also holds the given schemas (a session's temporary ones), with the
// system relations rebuilt so that their rows describe the copy. version
// is the copy's Version; it must differ from every lake state's and every
// other session's, as caches key catalog answers by it.
func (st *State) WithSessionSchemas(version uint64, add ...*Schema) *State {
	out := *st
	out.Version = version
	system := map[string]bool{pgCatalogName: true, SluiceSchemaName: true, informationSchemaName: true}
	// The system relations' Version digests the schemas they describe,
	// as addSystemSchemas' does.
	var user State
	user.Database, user.Roles = st.Database, st.Roles
	for _, sc := range st.Schemas {
		if !system[sc.Name] {
			user.Schemas = append(user.Schemas, sc)
		}
	}
	user.Schemas = append(user.Schemas, add...)
	slices.SortFunc(user.Schemas, func(a, b *Schema) int { return strings.Compare(a.Name, b.Name) })
	digest := lakeDigest(&user)
	out.Schemas = make([]*Schema, 0, len(st.Schemas)+len(add))
	for _, sc := range st.Schemas {
		if !system[sc.Name] {
			out.Schemas = append(out.Schemas, sc)
			continue
		}
		re := *sc
		re.Tables = nil
		for _, d := range systemTableDefs()[sc.Name] {
			// Rows are computed on first use, from out as completed below.
			t := d.table(&out, sc.Name, digest)
			if old := sc.Relation(d.name); old != nil {
				t.RowTypeOID, t.ArrayTypeOID = old.RowTypeOID, old.ArrayTypeOID
			}
			re.Tables = append(re.Tables, t)
		}
		out.Schemas = append(out.Schemas, &re)
	}
	for _, sc := range add {
		i, _ := slices.BinarySearchFunc(out.Schemas, sc.Name, func(x *Schema, name string) int {
			return strings.Compare(x.Name, name)
		})
		out.Schemas = slices.Insert(out.Schemas, i, sc)
	}
	return &out
}
