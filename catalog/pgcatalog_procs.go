package catalog

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The names of PostgreSQL 15's built-in functions (pg_proc_names.tsv,
// exported by gen_pgcatalog.go), so that regproc input by name
// ('pg_catalog.array_in'::regproc, as pgjdbc's type lookups send it)
// resolves to PostgreSQL's OID.

//go:embed pg_proc_names.tsv
var pgProcNamesTSV string

var builtinProcs = sync.OnceValue(func() map[string][]uint32 {
	m := map[string][]uint32{}
	header := false
	for i, line := range strings.Split(strings.TrimRight(pgProcNamesTSV, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !header {
			header = true
			continue
		}
		oid, name, ok := strings.Cut(line, "\t")
		n, err := strconv.ParseUint(oid, 10, 32)
		if !ok || err != nil {
			panic(fmt.Sprintf("catalog: the embedded pg_proc_names.tsv is damaged at line %d", i+1)) // a build defect
		}
		m[name] = append(m[name], uint32(n))
	}
	return m
})

// ProcOIDs are the OIDs of pg_catalog's functions of that name: one for
// a name regproc input accepts, several for an overloaded name (which
// PostgreSQL refuses as ambiguous), none for an unknown one.
func ProcOIDs(name string) []uint32 { return builtinProcs()[name] }
