package planner

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// reflectChildren is what walkChildren must do, by protobuf reflection:
// every Node inside n's message, in field declaration order (not Range's,
// which protobuf deliberately perturbs), not descending into Nodes.
func reflectChildren(n *pg_query.Node) []*pg_query.Node {
	var out []*pg_query.Node
	if n == nil || n.Node == nil {
		return nil
	}
	nodeDesc := (&pg_query.Node{}).ProtoReflect().Descriptor()
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		fields := m.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if !m.Has(fd) || (fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind) {
				continue
			}
			v := m.Get(fd)
			visit := func(msg protoreflect.Message) {
				if msg.Descriptor() == nodeDesc {
					out = append(out, msg.Interface().(*pg_query.Node))
					return
				}
				walk(msg)
			}
			switch {
			case fd.IsList():
				for i := 0; i < v.List().Len(); i++ {
					visit(v.List().Get(i).Message())
				}
			case fd.IsMap():
			default:
				visit(v.Message())
			}
		}
	}
	walk(n.ProtoReflect())
	return out
}

// TestWalkMatchesReflection checks the generated walkChildren against
// reflection over every node of every statement clients sent
// (shared/corpus) and the engine's SQL tests (testdata/sql): the same
// Nodes, in the same order. A pg_query upgrade that adds fields fails
// here until `go generate ./planner/` runs.
func TestWalkMatchesReflection(t *testing.T) {
	var sqls []string
	f, err := os.Open(filepath.Join("..", "..", "shared", "corpus", "pg-clients.jsonl"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			SQL string `json:"sql"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		sqls = append(sqls, rec.SQL)
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "sql", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/sql: %v (%d files)", err, len(files))
	}
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := pg_query.SplitWithScanner(string(text), true)
		if err != nil {
			continue // a file holding a statement the tests expect to fail to scan
		}
		sqls = append(sqls, stmts...)
	}
	nodes, parsed := 0, 0
	for _, sql := range sqls {
		tree, err := pg_query.Parse(sql)
		if err != nil {
			continue // statements the tests expect to fail to parse
		}
		parsed++
		var check func(n *pg_query.Node)
		check = func(n *pg_query.Node) {
			nodes++
			var got []*pg_query.Node
			walkChildren(n, func(c any) { got = append(got, c.(*pg_query.Node)) })
			want := reflectChildren(n)
			if !slices.Equal(got, want) {
				t.Fatalf("%q: walkChildren of %T gives %v, reflection %v", sql, n.Node, got, want)
			}
			for _, c := range want {
				check(c)
			}
		}
		for _, s := range tree.Stmts {
			check(s.Stmt)
		}
	}
	if parsed < 1000 || nodes < 30000 {
		t.Fatalf("only %d statements (%d nodes) parsed: the test covers too little", parsed, nodes)
	}
	t.Logf("%d statements, %d nodes", parsed, nodes)
}
