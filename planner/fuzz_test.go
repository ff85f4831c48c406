package planner

import (
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

type fuzzEnv struct{}

func (fuzzEnv) SearchPath() []string { return []string{"gold"} }
func (fuzzEnv) Setting(name string) (string, bool) {
	if name == "server_version" {
		return "15.0", true
	}
	return "", false
}
func (fuzzEnv) Database() string                { return "sluice" }
func (fuzzEnv) User() string                    { return "sluice" }
func (fuzzEnv) ValueSettings() *pgtype.Settings { return pgtype.DefaultSettings() }

func fuzzState() *catalog.State {
	orders := &catalog.Table{Schema: "gold", Name: "orders", OID: 16500, Columns: []catalog.Column{
		{Name: "order_id", Type: pgtype.Int8},
		{Name: "customer_id", Type: pgtype.Int4},
		{Name: "status", Type: pgtype.Text},
		{Name: "amount", Type: pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(12, 2)}},
		{Name: "created_at", Type: pgtype.Timestamptz},
		{Name: "dt", Type: pgtype.Date, Partition: true},
	}}
	return &catalog.State{Schemas: []*catalog.Schema{{Name: "gold", OID: 16400, Tables: []*catalog.Table{orders}}}}
}

// FuzzParsePlan feeds arbitrary text to the SQL front end: parsing and
// binding must never panic, and every failure must carry a SQLSTATE.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT * FROM gold.orders WHERE amount > 10 ORDER BY 1 LIMIT 5",
		"SELECT status, count(*), sum(amount) FROM orders GROUP BY status HAVING count(*) > 1",
		"SELECT $1::int + 1", "SET search_path = gold", "BEGIN; FETCH 10 FROM c; COMMIT",
		"DECLARE c CURSOR WITH HOLD FOR SELECT order_id FROM orders",
		"SELECT CASE WHEN dt > '2026-01-01' THEN 1 ELSE NULL END FROM orders",
		"COPY (SELECT 1) TO STDOUT WITH (FORMAT csv)", "PREPARE p(int) AS SELECT $1",
		"SELECT created_at + interval '1 day' FROM orders WHERE status IN ('a', 'b')",
	} {
		f.Add(s)
	}
	state := fuzzState()
	f.Fuzz(func(t *testing.T, sql string) {
		p := New()
		stmts, err := p.Parse(sql)
		if err != nil {
			if pgerr.Code(err) == "" {
				t.Fatalf("parse error without SQLSTATE: %v", err)
			}
			return
		}
		for _, st := range stmts {
			q, ok := st.(*Query)
			if !ok {
				continue
			}
			if _, err := p.Bind(q, state, fuzzEnv{}, nil); err != nil && pgerr.Code(err) == "" {
				t.Fatalf("bind error without SQLSTATE for %q: %v", sql, err)
			}
		}
	})
}
