package planner

import (
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// parseCacheSize bounds the statements kept by text. Dashboards and drivers
// send the same few hundred texts all day; parsing through the C parser and
// protobuf costs far more than a map lookup.
const parseCacheSize = 4096

// Planner parses and binds statements. It is safe for concurrent use; parsed
// statements are cached by their text and are immutable once made.
type Planner struct {
	mu    sync.Mutex
	cache map[string][]Statement
}

// New returns a planner.
func New() *Planner { return &Planner{cache: make(map[string][]Statement)} }

// Parse splits sql into statements and classifies each. An empty string
// gives no statements. Syntax errors are 42601 with the 1-based position.
func (p *Planner) Parse(sql string) ([]Statement, error) {
	p.mu.Lock()
	stmts, ok := p.cache[sql]
	p.mu.Unlock()
	if ok {
		return stmts, nil
	}
	stmts, err := parse(sql)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if len(p.cache) >= parseCacheSize {
		for k := range p.cache { // evict an arbitrary entry: cheap and good enough
			delete(p.cache, k)
			break
		}
	}
	p.cache[sql] = stmts
	p.mu.Unlock()
	return stmts, nil
}

// Bind binds a query against a catalog state. paramTypes are the types the
// client declared (Unknown or missing where it did not); the result's
// ParamTypes resolves every $n.
func (p *Planner) Bind(q *Query, state *catalog.State, env Env, paramTypes []pgtype.Type) (*Bound, error) {
	b := newBinder(q.source, state, env, paramTypes)
	bound, err := b.bindQuery(q)
	if bound != nil {
		bound.Query = q
	}
	return bound, err
}

func parse(sql string) ([]Statement, error) {
	tree, err := pg_query.Parse(sql)
	if err != nil {
		return nil, syntaxError(sql, err)
	}
	out := make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(sql)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		text := strings.TrimSpace(sql[start:end])
		st, err := classify(sql, text, raw.Stmt)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func syntaxError(sql string, err error) error {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		e := pgerr.New(pgerr.SyntaxError, "%s", pe.Message)
		if windowFrameError(pe.Message) {
			e.Code = windowingError
		}
		if pe.Cursorpos > 0 {
			e.Position = int32(pe.Cursorpos)
		}
		return e
	}
	return pgerr.New(pgerr.SyntaxError, "%s", err.Error())
}

// windowFrameError recognises the invalid window frames PostgreSQL's
// grammar rejects with SQLSTATE 42P20 (gram.y's makeWindowDef checks),
// which the parser reports with their message only.
func windowFrameError(msg string) bool {
	for _, prefix := range []string{"frame start cannot be ", "frame end cannot be ", "frame starting from current row cannot ", "frame starting from following row cannot "} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// charPosition turns a 0-based byte offset in sql into PostgreSQL's 1-based
// character position.
func charPosition(sql string, byteOffset int32) int32 {
	if byteOffset < 0 || int(byteOffset) > len(sql) {
		return 0
	}
	return int32(utf8.RuneCountInString(sql[:byteOffset])) + 1
}
