package expr

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The set-returning functions over json and jsonb, and
// information_schema._pg_expandarray. A json Datum is its input text,
// already validated; a jsonb Datum is the canonical text PostgreSQL prints,
// whose pieces are themselves canonical. So both are walked as text here:
// a json value comes out as it was written (json_each keeps the input's
// spacing), a jsonb value as jsonb prints it.

// jsonSetFunc returns the set-returning function name over json or jsonb,
// with ok false for other names.
func jsonSetFunc(name string) (SetFn, bool) {
	switch name {
	case "json_each", "json_each_text", "jsonb_each", "jsonb_each_text":
		asText := strings.HasSuffix(name, "_text")
		jsonb := strings.HasPrefix(name, "jsonb")
		return func(a []pgtype.Datum) (RowIter, error) {
			if a[0] == nil {
				return empty()
			}
			doc := a[0].(string)
			switch k := jsonKind(doc); {
			case k == '{':
			case jsonb:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call %s on a non-object", name)
			case k == '[':
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot deconstruct an array as an object")
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot deconstruct a scalar")
			}
			var rows [][]pgtype.Datum
			err := jsonMembers(doc, func(key, val string) error {
				k, err := jsonUnquote(key)
				if err != nil {
					return err
				}
				v, err := jsonElement(val, asText)
				if err != nil {
					return err
				}
				rows = append(rows, []pgtype.Datum{k, v})
				return nil
			})
			if err != nil {
				return nil, err
			}
			return rowsIter(rows), nil
		}, true
	case "json_array_elements", "json_array_elements_text", "jsonb_array_elements", "jsonb_array_elements_text":
		asText := strings.HasSuffix(name, "_text")
		jsonb := strings.HasPrefix(name, "jsonb")
		return func(a []pgtype.Datum) (RowIter, error) {
			if a[0] == nil {
				return empty()
			}
			doc := a[0].(string)
			switch k := jsonKind(doc); {
			case k == '[':
			case jsonb && k == '{':
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot extract elements from an object")
			case jsonb:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot extract elements from a scalar")
			case k == '{':
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call %s on a non-array", name)
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call %s on a scalar", name)
			}
			var rows [][]pgtype.Datum
			s := &jsonScan{s: doc}
			s.space()
			s.pos++ // [
			for {
				s.space()
				if s.peek() == ']' {
					break
				}
				start := s.pos
				s.value()
				v, err := jsonElement(doc[start:s.pos], asText)
				if err != nil {
					return nil, err
				}
				rows = append(rows, []pgtype.Datum{v})
				s.space()
				if s.peek() == ',' {
					s.pos++
				}
			}
			return rowsIter(rows), nil
		}, true
	case "json_object_keys", "jsonb_object_keys":
		return func(a []pgtype.Datum) (RowIter, error) {
			if a[0] == nil {
				return empty()
			}
			doc := a[0].(string)
			switch jsonKind(doc) {
			case '{':
			case '[':
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call %s on an array", name)
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call %s on a scalar", name)
			}
			var rows [][]pgtype.Datum
			err := jsonMembers(doc, func(key, _ string) error {
				k, err := jsonUnquote(key)
				if err != nil {
					return err
				}
				rows = append(rows, []pgtype.Datum{k})
				return nil
			})
			if err != nil {
				return nil, err
			}
			return rowsIter(rows), nil
		}, true
	case "information_schema._pg_expandarray":
		// PostgreSQL's SQL definition: $1[s] and s - array_lower($1, 1) + 1
		// for s over the array's subscripts, so n counts from 1 whatever
		// the lower bound.
		return func(a []pgtype.Datum) (RowIter, error) {
			if a[0] == nil {
				return empty()
			}
			elems := a[0].(pgtype.Array).Elements
			rows := make([][]pgtype.Datum, len(elems))
			for i, e := range elems {
				rows[i] = []pgtype.Datum{e, int64(i + 1)}
			}
			return rowsIter(rows), nil
		}, true
	}
	return nil, false
}

func rowsIter(rows [][]pgtype.Datum) RowIter {
	i := 0
	return func() ([]pgtype.Datum, bool, error) {
		if i >= len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
}

// jsonElement is one member's value: its json text, or for the _text
// variants a string unquoted and null as SQL NULL.
func jsonElement(val string, asText bool) (pgtype.Datum, error) {
	if !asText {
		return val, nil
	}
	switch {
	case val == "null":
		return nil, nil
	case strings.HasPrefix(val, `"`):
		return jsonUnquote(val)
	}
	return val, nil
}

// jsonKind is the first byte of a document's value: '{', '[', '"', or
// that of a number or literal.
func jsonKind(doc string) byte {
	s := &jsonScan{s: doc}
	s.space()
	return s.peek()
}

// jsonMembers calls fn with the quoted key and the value text of each of
// an object's members, in order (json keeps duplicate keys).
func jsonMembers(doc string, fn func(key, val string) error) error {
	s := &jsonScan{s: doc}
	s.space()
	s.pos++ // {
	for {
		s.space()
		if s.peek() == '}' {
			return nil
		}
		start := s.pos
		s.str()
		key := doc[start:s.pos]
		s.space()
		s.pos++ // :
		s.space()
		start = s.pos
		s.value()
		if err := fn(key, doc[start:s.pos]); err != nil {
			return err
		}
		s.space()
		if s.peek() == ',' {
			s.pos++
		}
	}
}

// jsonScan walks JSON text already known to be valid.
type jsonScan struct {
	s   string
	pos int
}

func (j *jsonScan) peek() byte {
	if j.pos < len(j.s) {
		return j.s[j.pos]
	}
	return 0
}

func (j *jsonScan) space() {
	for j.pos < len(j.s) {
		switch j.s[j.pos] {
		case ' ', '\t', '\n', '\r':
			j.pos++
		default:
			return
		}
	}
}

// str skips a string starting at its opening quote.
func (j *jsonScan) str() {
	j.pos++
	for j.pos < len(j.s) {
		switch j.s[j.pos] {
		case '\\':
			j.pos += 2
		case '"':
			j.pos++
			return
		default:
			j.pos++
		}
	}
}

// value skips one value.
func (j *jsonScan) value() {
	switch j.peek() {
	case '"':
		j.str()
	case '{', '[':
		depth := 0
		for j.pos < len(j.s) {
			switch j.s[j.pos] {
			case '"':
				j.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			j.pos++
			if depth == 0 {
				return
			}
		}
	default:
		for j.pos < len(j.s) {
			switch j.s[j.pos] {
			case ' ', '\t', '\n', '\r', ',', '}', ']':
				return
			}
			j.pos++
		}
	}
}

// jsonUnquote decodes a JSON string literal as PostgreSQL converts it to
// text: \u0000 cannot be text.
func jsonUnquote(q string) (string, error) {
	body := q[1 : len(q)-1]
	if !strings.Contains(body, `\`) {
		return body, nil
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(body[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(body)+1 && strings.HasPrefix(body[i+1:], `\u`) {
				if r2 := hex4(body[i+3 : i+7]); utf16.DecodeRune(r, r2) != utf8.RuneError {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			if r == 0 {
				return "", pgerr.New(untranslatableCharacter, "unsupported Unicode escape sequence").
					WithDetail(`\u0000 cannot be converted to text.`)
			}
			b.WriteRune(r)
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String(), nil
}

// untranslatableCharacter is 22P05, which pgerr does not name.
const untranslatableCharacter = "22P05"

func hex4(s string) rune {
	v, _ := strconv.ParseUint(s, 16, 32)
	return rune(v)
}
