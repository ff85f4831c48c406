package expr

import (
	_ "embed"
	"strings"
	"sync"

	"github.com/sluicesql/sluice/wire/pgtype"
)

//go:embed pg_keywords.txt
var pgKeywordsText string

// pgKeywords are pg_get_keywords()'s rows, parsed once: word, catcode,
// barelabel, catdesc, baredesc.
var pgKeywords = sync.OnceValue(func() [][]pgtype.Datum {
	catdesc := map[string]string{
		"U": "unreserved",
		"C": "unreserved (cannot be function or type name)",
		"T": "reserved (can be function or type name)",
		"R": "reserved",
	}
	var rows [][]pgtype.Datum
	for _, line := range strings.Split(pgKeywordsText, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || strings.HasPrefix(line, "#") {
			continue
		}
		bare, baredesc := f[2] == "t", "requires AS"
		if bare {
			baredesc = "can be bare label"
		}
		rows = append(rows, []pgtype.Datum{f[0], f[1], bare, catdesc[f[1]], baredesc})
	}
	return rows
})

func keywordsFunc(a []pgtype.Datum) (RowIter, error) {
	return rowsIter(pgKeywords()), nil
}
