package pgtype

import (
	"encoding/binary"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// int2vector and oidvector, the catalog's small arrays (pg_index.indkey,
// pg_proc.proargtypes), are arrays of int2 and oid to PostgreSQL (typelem
// set, typcategory A: subscripts, unnest and ANY work on them) that print
// as their numbers separated by single spaces, and travel in binary as a
// one-dimensional array with lower bound 0 and no NULLs. Sluice carries
// them as arrays (an Arrow list, an Array Datum); only their text and
// binary forms differ. void is empty in both forms.

const maxVectorElems = 100 // FUNC_MAX_ARGS

// isVector says whether oid is int2vector or oidvector.
func isVector(oid OID) bool { return oid == Int2VectorOID || oid == OIDVectorOID }

// vectorName is the type's name, for its errors.
func vectorName(oid OID) string {
	if oid == OIDVectorOID {
		return "oidvector"
	}
	return "int2vector"
}

// parseVector is int2vectorin/oidvectorin: numbers separated by spaces.
func parseVector(src []byte, t Type) (Datum, error) {
	out := Array{Elem: t.Elem(), Elements: []Datum{}, Lower: 0}
	for i := 0; i < len(src); {
		if isSpace(src[i]) {
			i++
			continue
		}
		j := i
		for j < len(src) && !isSpace(src[j]) {
			j++
		}
		var v int64
		var err error
		if t.OID == OIDVectorOID {
			v, err = parseOID(src[i:j])
		} else {
			v, err = parseInt(src[i:j], 16)
		}
		if err != nil {
			return nil, err
		}
		if len(out.Elements) >= maxVectorElems {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "%s has too many elements", vectorName(t.OID))
		}
		out.Elements = append(out.Elements, v)
		i = j
	}
	return out, nil
}

// appendVectorText is int2vectorout/oidvectorout.
func appendVectorText(buf []byte, t Type, a Array) ([]byte, error) {
	for i, e := range a.Elements {
		v, ok := asInt64(e)
		if !ok {
			return buf, errDatum(t, a)
		}
		if i > 0 {
			buf = append(buf, ' ')
		}
		if t.OID == OIDVectorOID {
			buf = strconv.AppendUint(buf, uint64(uint32(v)), 10)
		} else {
			buf = strconv.AppendInt(buf, v, 10)
		}
	}
	return buf, nil
}

// appendVectorBinary is int2vectorsend/oidvectorsend: array_send's form
// with lower bound 0.
func appendVectorBinary(buf []byte, t Type, a Array) ([]byte, error) {
	elem := t.Elem().OID
	buf = vectorHeader(buf, elem, len(a.Elements))
	for _, e := range a.Elements {
		v, ok := asInt64(e)
		if !ok {
			return buf, errDatum(t, a)
		}
		buf = appendVectorElem(buf, elem, v)
	}
	return buf, nil
}

// vectorHeader starts a vector's binary form: one dimension even when
// empty (an empty array's is zero), as int2vectorsend writes it.
func vectorHeader(buf []byte, elem OID, n int) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 1) // ndim
	buf = binary.BigEndian.AppendUint32(buf, 0) // no NULLs
	buf = binary.BigEndian.AppendUint32(buf, elem)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	return binary.BigEndian.AppendUint32(buf, 0) // lower bound
}

func appendVectorElem(buf []byte, elem OID, v int64) []byte {
	if elem == OIDOID {
		buf = binary.BigEndian.AppendUint32(buf, 4)
		return binary.BigEndian.AppendUint32(buf, uint32(v))
	}
	buf = binary.BigEndian.AppendUint32(buf, 2)
	return binary.BigEndian.AppendUint16(buf, uint16(v))
}

// newVectorEncoder encodes an Arrow list of int2 or oid values as t.
func newVectorEncoder(t Type, arr arrow.Array, bin bool) (Encoder, error) {
	list, ok := arr.(array.ListLike)
	if !ok {
		return nil, errArrowMismatch(t, arr)
	}
	get := intGetter(list.ListValues(), 64)
	if get == nil {
		return nil, errArrowMismatch(t, arr)
	}
	elem := t.Elem().OID
	oid := t.OID == OIDVectorOID
	if !bin {
		return func(buf []byte, row int) []byte {
			start, end := list.ValueOffsets(row)
			for j := int(start); j < int(end); j++ {
				if j > int(start) {
					buf = append(buf, ' ')
				}
				if oid {
					buf = strconv.AppendUint(buf, uint64(uint32(get(j))), 10)
				} else {
					buf = strconv.AppendInt(buf, get(j), 10)
				}
			}
			return buf
		}, nil
	}
	return func(buf []byte, row int) []byte {
		start, end := list.ValueOffsets(row)
		buf = vectorHeader(buf, elem, int(end-start))
		for j := int(start); j < int(end); j++ {
			buf = appendVectorElem(buf, elem, get(j))
		}
		return buf
	}, nil
}

// decodeVectorBinary is int2vectorrecv/oidvectorrecv.
func decodeVectorBinary(src []byte, t Type) (Datum, error) {
	bad := func() error { return errBinary("invalid %s data", vectorName(t.OID)) }
	if len(src) >= 20 && binary.BigEndian.Uint32(src) == 1 && binary.BigEndian.Uint32(src[16:]) != 0 {
		return nil, bad() // lower bound must be 0
	}
	a, err := decodeArrayBinary(src, t.Elem())
	if err != nil {
		return nil, err
	}
	if len(a.Elements) > maxVectorElems {
		return nil, bad()
	}
	for _, e := range a.Elements {
		if e == nil {
			return nil, bad()
		}
	}
	a.Lower = 0
	return a, nil
}
