package pgtype

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// One-dimensional arrays: array_out's text (braces, quoting, NULL, and a
// [lower:upper]= prefix when the lower bound is not 1), array_send's binary
// form, and array_in/array_recv for input.

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// quoteArrayElem quotes the element text at buf[start:] in place when
// array_out would: empty, NULL in any case, or holding braces, quotes,
// backslashes, the delimiter or white space. Quotes and backslashes inside
// get a backslash.
func quoteArrayElem(buf []byte, start int) []byte {
	e := buf[start:]
	need := len(e) == 0
	extra := 0
	for _, c := range e {
		switch c {
		case '"', '\\':
			extra++
			need = true
		case '{', '}', ',':
			need = true
		default:
			if isArraySpace(c) {
				need = true
			}
		}
	}
	if !need && len(e) == 4 && (e[0]|0x20) == 'n' && (e[1]|0x20) == 'u' && (e[2]|0x20) == 'l' && (e[3]|0x20) == 'l' {
		need = true
	}
	if !need {
		return buf
	}
	n := len(e)
	// grow by the two quotes and the escapes, then move the text right to left
	for k := 0; k < extra+2; k++ {
		buf = append(buf, 0)
	}
	w := len(buf) - 1
	buf[w] = '"'
	w--
	for r := start + n - 1; r >= start; r-- {
		c := buf[r]
		buf[w] = c
		w--
		if c == '"' || c == '\\' {
			buf[w] = '\\'
			w--
		}
	}
	buf[w] = '"'
	return buf
}

func newArrayEncoder(t Type, arr arrow.Array, bin bool, st *style) (Encoder, error) {
	list, ok := arr.(array.ListLike)
	if !ok {
		return nil, errArrowMismatch(t, arr)
	}
	elemType := t.Elem()
	child := list.ListValues()
	elemEnc, err := newEncoder(elemType, child, bin, st)
	if err != nil {
		return nil, err
	}
	if !bin {
		return func(buf []byte, row int) []byte {
			start, end := list.ValueOffsets(row)
			buf = append(buf, '{')
			for j := int(start); j < int(end); j++ {
				if j > int(start) {
					buf = append(buf, ',')
				}
				if child.IsNull(j) {
					buf = append(buf, "NULL"...)
					continue
				}
				p := len(buf)
				buf = elemEnc(buf, j)
				buf = quoteArrayElem(buf, p)
			}
			return append(buf, '}')
		}, nil
	}
	elemOID := elemType.OID
	return func(buf []byte, row int) []byte {
		start, end := list.ValueOffsets(row)
		if start == end {
			buf = binary.BigEndian.AppendUint32(buf, 0)
			buf = binary.BigEndian.AppendUint32(buf, 0)
			return binary.BigEndian.AppendUint32(buf, elemOID)
		}
		hasNull := uint32(0)
		if child.NullN() > 0 {
			for j := int(start); j < int(end); j++ {
				if child.IsNull(j) {
					hasNull = 1
					break
				}
			}
		}
		buf = binary.BigEndian.AppendUint32(buf, 1)
		buf = binary.BigEndian.AppendUint32(buf, hasNull)
		buf = binary.BigEndian.AppendUint32(buf, elemOID)
		buf = binary.BigEndian.AppendUint32(buf, uint32(end-start))
		buf = binary.BigEndian.AppendUint32(buf, 1)
		for j := int(start); j < int(end); j++ {
			if child.IsNull(j) {
				buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
				continue
			}
			p := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = elemEnc(buf, j)
			binary.BigEndian.PutUint32(buf[p:], uint32(len(buf)-p-4))
		}
		return buf
	}, nil
}

// appendArrayText prints an Array datum.
func appendArrayText(buf []byte, elem Type, a Array, st *style) ([]byte, error) {
	if len(a.Elements) > 0 && a.Lower != 1 {
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, int64(a.Lower), 10)
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, int64(a.Lower)+int64(len(a.Elements))-1, 10)
		buf = append(buf, ']', '=')
	}
	buf = append(buf, '{')
	for i, e := range a.Elements {
		if i > 0 {
			buf = append(buf, ',')
		}
		if e == nil {
			buf = append(buf, "NULL"...)
			continue
		}
		p := len(buf)
		var err error
		buf, err = appendText(buf, elem, e, st)
		if err != nil {
			return buf, err
		}
		buf = quoteArrayElem(buf, p)
	}
	return append(buf, '}'), nil
}

func appendArrayBinary(buf []byte, elem Type, a Array) ([]byte, error) {
	if len(a.Elements) == 0 {
		buf = binary.BigEndian.AppendUint32(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, 0)
		return binary.BigEndian.AppendUint32(buf, elem.OID), nil
	}
	hasNull := uint32(0)
	for _, e := range a.Elements {
		if e == nil {
			hasNull = 1
		}
	}
	lower := a.Lower
	buf = binary.BigEndian.AppendUint32(buf, 1)
	buf = binary.BigEndian.AppendUint32(buf, hasNull)
	buf = binary.BigEndian.AppendUint32(buf, elem.OID)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(a.Elements)))
	buf = binary.BigEndian.AppendUint32(buf, uint32(lower))
	for _, e := range a.Elements {
		if e == nil {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32)
			continue
		}
		p := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		buf, err = appendBinary(buf, elem, e)
		if err != nil {
			return buf, err
		}
		binary.BigEndian.PutUint32(buf[p:], uint32(len(buf)-p-4))
	}
	return buf, nil
}

func malformedArray(src []byte, detail string, args ...any) error {
	return pgerr.New(pgerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", src).WithDetail(detail, args...)
}

func errMultiDim() error {
	return pgerr.New(pgerr.FeatureNotSupported, "multidimensional arrays are not supported")
}

type arrayItem struct {
	text []byte
	null bool
}

// parseArrayText is array_in for one-dimensional arrays; each element's
// text then goes through the element type's input function.
func parseArrayText(src []byte, elem Type, st *style) (Array, error) {
	p := 0
	n := len(src)
	skip := func() {
		for p < n && isArraySpace(src[p]) {
			p++
		}
	}
	lower, upper := int64(1), int64(0)
	haveDims := false
	for {
		skip()
		if p >= n || src[p] != '[' {
			break
		}
		if haveDims {
			return Array{}, errMultiDim()
		}
		p++
		q := p
		for q < n && (isDigit(src[q]) || src[q] == '-' || src[q] == '+') {
			q++
		}
		if q == p {
			return Array{}, malformedArray(src, "\"[\" must introduce explicitly-specified array dimensions.")
		}
		first := atoiC(src[p:q])
		lower = 1
		if q < n && src[q] == ':' {
			lower = first
			p = q + 1
			q = p
			for q < n && (isDigit(src[q]) || src[q] == '-' || src[q] == '+') {
				q++
			}
			if q == p {
				return Array{}, malformedArray(src, "Missing array dimension value.")
			}
		}
		if q >= n || src[q] != ']' {
			return Array{}, malformedArray(src, "Missing \"%s\" after array dimensions.", "]")
		}
		upper = atoiC(src[p:q])
		p = q + 1
		if upper < lower {
			return Array{}, pgerr.New("2202E", "upper bound cannot be less than lower bound")
		}
		haveDims = true
	}
	if haveDims {
		if p >= n || src[p] != '=' {
			return Array{}, malformedArray(src, "Missing \"%s\" after array dimensions.", "=")
		}
		p++
		skip()
		if p >= n || src[p] != '{' {
			return Array{}, malformedArray(src, "Array contents must start with \"{\".")
		}
	} else if p >= n || src[p] != '{' {
		return Array{}, malformedArray(src, "Array value must start with \"{\" or dimension information.")
	}
	p++ // {
	var items []arrayItem
	skip()
	if p < n && src[p] == '}' {
		p++
	} else {
		for {
			skip()
			if p >= n {
				return Array{}, malformedArray(src, "Unexpected end of input.")
			}
			var it arrayItem
			switch src[p] {
			case '{':
				return Array{}, errMultiDim()
			case '"':
				p++
				var txt []byte
				for {
					if p >= n {
						return Array{}, malformedArray(src, "Unexpected end of input.")
					}
					c := src[p]
					if c == '\\' {
						if p+1 >= n {
							return Array{}, malformedArray(src, "Unexpected end of input.")
						}
						txt = append(txt, src[p+1])
						p += 2
						continue
					}
					p++
					if c == '"' {
						break
					}
					txt = append(txt, c)
				}
				if txt == nil {
					txt = []byte{}
				}
				it.text = txt
				skip()
			case ',', '}':
				return Array{}, malformedArray(src, "Unexpected \"%c\" character.", src[p])
			default:
				var txt []byte
				escaped := false
				keep := 0 // length up to the last character that is not trailing white space
				for {
					if p >= n {
						return Array{}, malformedArray(src, "Unexpected end of input.")
					}
					c := src[p]
					if c == ',' || c == '}' {
						break
					}
					switch c {
					case '\\':
						if p+1 >= n {
							return Array{}, malformedArray(src, "Unexpected end of input.")
						}
						txt = append(txt, src[p+1])
						keep = len(txt)
						escaped = true
						p += 2
						continue
					case '"', '{':
						return Array{}, malformedArray(src, "Unexpected \"%c\" character.", c)
					}
					txt = append(txt, c)
					if !isArraySpace(c) {
						keep = len(txt)
					}
					p++
				}
				txt = txt[:keep]
				if !escaped && len(txt) == 4 && (txt[0]|0x20) == 'n' && (txt[1]|0x20) == 'u' && (txt[2]|0x20) == 'l' && (txt[3]|0x20) == 'l' {
					it.null = true
				}
				it.text = txt
			}
			items = append(items, it)
			if p >= n {
				return Array{}, malformedArray(src, "Unexpected end of input.")
			}
			c := src[p]
			p++
			if c == '}' {
				break
			}
			if c != ',' {
				return Array{}, malformedArray(src, "Unexpected \"%c\" character.", c)
			}
		}
	}
	skip()
	if p < n {
		return Array{}, malformedArray(src, "Junk after closing right brace.")
	}
	if haveDims && upper-lower+1 != int64(len(items)) {
		return Array{}, malformedArray(src, "Specified array dimensions do not match array contents.")
	}
	if lower < math.MinInt32 || lower > math.MaxInt32 || lower+int64(len(items)) > math.MaxInt32+1 {
		return Array{}, pgerr.New(pgerr.ProgramLimitExceeded, "array upper bound is too large")
	}
	out := Array{Elem: elem, Elements: make([]Datum, len(items)), Lower: int32(lower)}
	if len(items) == 0 {
		out.Lower = 1
	}
	for i, it := range items {
		if it.null {
			continue
		}
		d, err := decodeText(elem, it.text, st)
		if err != nil {
			return Array{}, err
		}
		out.Elements[i] = d
	}
	return out, nil
}

// atoiC is C's atoi: leading digits with a sign, saturating.
func atoiC(s []byte) int64 {
	v, _, of := strtol(s)
	if of {
		if len(s) > 0 && s[0] == '-' {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return v
}

// decodeArrayBinary is array_recv for one-dimensional arrays of elem.
func decodeArrayBinary(src []byte, elem Type) (Array, error) {
	if len(src) < 12 {
		return Array{}, errBinary("insufficient data left in message")
	}
	ndim := int32(binary.BigEndian.Uint32(src))
	flags := int32(binary.BigEndian.Uint32(src[4:]))
	elemOID := binary.BigEndian.Uint32(src[8:])
	src = src[12:]
	switch {
	case ndim < 0:
		return Array{}, errBinary("invalid number of dimensions: %d", ndim)
	case ndim > 6:
		return Array{}, pgerr.New(pgerr.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", ndim, 6)
	}
	if flags != 0 && flags != 1 {
		return Array{}, errBinary("invalid array flags")
	}
	if elemOID != elem.OID {
		return Array{}, pgerr.New(pgerr.DatatypeMismatch, "binary data has array element type %d (%s) instead of expected %d (%s)",
			elemOID, Type{elemOID, -1}, elem.OID, Type{elem.OID, -1})
	}
	if ndim == 0 {
		if len(src) != 0 {
			return Array{}, errBinary("incorrect binary data format")
		}
		return Array{Elem: elem, Elements: []Datum{}, Lower: 1}, nil
	}
	if ndim > 1 {
		return Array{}, errMultiDim()
	}
	if len(src) < 8 {
		return Array{}, errBinary("insufficient data left in message")
	}
	nitems := int32(binary.BigEndian.Uint32(src))
	lower := int32(binary.BigEndian.Uint32(src[4:]))
	src = src[8:]
	if nitems < 0 || int(nitems) > len(src)/4 {
		return Array{}, errBinary("insufficient data left in message")
	}
	if int64(lower)+int64(nitems)-1 > math.MaxInt32 {
		return Array{}, pgerr.New(pgerr.ProgramLimitExceeded, "array upper bound is too large")
	}
	out := Array{Elem: elem, Elements: make([]Datum, nitems), Lower: lower}
	if nitems == 0 {
		out.Lower = 1
	}
	for i := range out.Elements {
		if len(src) < 4 {
			return Array{}, errBinary("insufficient data left in message")
		}
		l := int32(binary.BigEndian.Uint32(src))
		src = src[4:]
		if l == -1 {
			continue
		}
		if l < 0 || int(l) > len(src) {
			return Array{}, errBinary("insufficient data left in message")
		}
		d, err := decodeBinary(elem, src[:l])
		if err != nil {
			return Array{}, err
		}
		out.Elements[i] = d
		src = src[l:]
	}
	if len(src) != 0 {
		return Array{}, errBinary("incorrect binary data format")
	}
	return out, nil
}

// storableBounds refuses an array whose lower bound an Arrow list cannot
// keep: a list reads back counted from 1 (int2vector and oidvector from 0,
// by their type), so '[0:1]={1,2}'::int2[] or '1 2'::int2vector::int2[]
// stored in a result column would come back as {1,2}, a different value
// to PostgreSQL. Such arrays work inside an expression (array_lower,
// subscripts, ::text), which never stores them; stored, they fail rather
// than change. An empty array cast from a vector keeps its dimension
// (Lower 0) and is refused alike.
func storableBounds(t Type, a Array) error {
	if a.Lower == 1 || isVector(t.OID) {
		return nil
	}
	return pgerr.New(pgerr.FeatureNotSupported, "array with lower bound %d cannot be stored in a result column", a.Lower).
		WithHint("Cast the array to text, or use array_lower and subscripts within the expression.")
}
