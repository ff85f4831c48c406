package gateway

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestRecordQueryMatchesPostgres sends row constructors, nested records,
// whole-row references and row comparisons to Sluice and PostgreSQL in
// text and binary result formats and compares every answer: record_out's
// quoting and record_send's field OIDs, lengths and NULLs as a client
// reads them. The queries share one session each side, in order.
func TestRecordQueryMatchesPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	queries := []string{
		`SELECT ROW(1, 'a b', NULL::int4, ''::text, 'q"(,)\'::text)`,
		`SELECT (2::int8, true, 1.50::numeric(5, 2), DATE '2024-02-29', ARRAY[1, NULL]), ROW(NULL::text), ROW(NULL::int4, NULL::int4)`,
		`SELECT ROW(ROW(1, 'x y'::text), ROW(NULL::int4), 3), ROW(1, 'x')::text`,
		`SELECT j FROM json_each('{"a": 1, "b": [2, "c"]}') j ORDER BY 1`,
		`SELECT (j).key, j FROM jsonb_each_text('{"k": null}') j`,
		`SELECT (1, 2) < (1, 3), (1, NULL) = (1, 1), (1, 2) IN ((0, 0), (1, 2)), ROW(1, 2) = ROW(1, 2, 3)`,
		// row_to_json writes ISO dates whatever the DateStyle, in the
		// session's time zone.
		`SET DateStyle = 'German, DMY'; SET TimeZone = 'Asia/Kolkata'`,
		`SELECT row_to_json(ROW(DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 10:00:00+00', TIMESTAMP '2024-01-02 03:04:05')), DATE '2024-02-29'`,
	}
	sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
	or := connectPG(t, oracleDSN(t))
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			if strings.HasPrefix(q, "SET ") {
				batch := []pgproto3.FrontendMessage{&pgproto3.Query{String: q}}
				if got, want := exchange(ctx, t, sl, batch...), exchange(ctx, t, or, batch...); !equalStrings(got, want) {
					t.Fatalf("\n  sluice:   %q\n  postgres: %q", got, want)
				}
				return
			}
			for _, format := range []int16{0, 1} {
				batch := []pgproto3.FrontendMessage{&pgproto3.Parse{Query: q}, &pgproto3.Bind{ResultFormatCodes: []int16{format}},
					&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{}}
				got := exchange(ctx, t, sl, batch...)
				want := exchange(ctx, t, or, batch...)
				if !equalStrings(got, want) {
					t.Errorf("format %d\n  sluice:   %q\n  postgres: %q", format, got, want)
				}
			}
		})
	}
}
