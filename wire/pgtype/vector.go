package pgtype

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// int2vector and oidvector, the catalog's small arrays (pg_index.indkey,
// pg_proc.proargtypes), travel as their text: numbers separated by single
// spaces. Their binary form is an array with lower bound 0. void is empty
// in both forms.

const maxVectorElems = 100 // FUNC_MAX_ARGS

// parseVector reads int2vectorin/oidvectorin input into canonical text.
func parseVector(src []byte, oid bool) (string, error) {
	var out []byte
	n := 0
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
		if oid {
			v, err = parseOID(src[i:j])
		} else {
			v, err = parseInt(src[i:j], 16)
		}
		if err != nil {
			return "", err
		}
		if n++; n > maxVectorElems {
			what := "int2vector"
			if oid {
				what = "oidvector"
			}
			return "", pgerr.New(pgerr.InvalidParameterValue, "%s has too many elements", what)
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, v, 10)
		i = j
	}
	return string(out), nil
}

// appendVectorBinary writes array_send's form of a vector's text. Text
// that is not a list of numbers (which Decode never produces) contributes
// the numbers it has.
func appendVectorBinary(buf []byte, s string, oid bool) []byte {
	elem := Int2OID
	size := 2
	if oid {
		elem, size = OIDOID, 4
	}
	count := len(strings.Fields(s))
	buf = binary.BigEndian.AppendUint32(buf, 1)
	buf = binary.BigEndian.AppendUint32(buf, 0)
	buf = binary.BigEndian.AppendUint32(buf, elem)
	countAt := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, uint32(count))
	buf = binary.BigEndian.AppendUint32(buf, 0) // lower bound
	written := 0
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			continue
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(size))
		if oid {
			buf = binary.BigEndian.AppendUint32(buf, uint32(v))
		} else {
			buf = binary.BigEndian.AppendUint16(buf, uint16(v))
		}
		written++
	}
	binary.BigEndian.PutUint32(buf[countAt:], uint32(written))
	return buf
}

// decodeVectorBinary is int2vectorrecv/oidvectorrecv.
func decodeVectorBinary(src []byte, oid bool) (string, error) {
	elem := Int2
	if oid {
		elem = OIDType
	}
	bad := func() error {
		if oid {
			return errBinary("invalid oidvector data")
		}
		return errBinary("invalid int2vector data")
	}
	if len(src) >= 20 && binary.BigEndian.Uint32(src) == 1 && binary.BigEndian.Uint32(src[16:]) != 0 {
		return "", bad() // lower bound must be 0
	}
	a, err := decodeArrayBinary(src, elem)
	if err != nil {
		return "", err
	}
	if len(a.Elements) > maxVectorElems {
		return "", bad()
	}
	var out []byte
	for i, e := range a.Elements {
		if e == nil {
			return "", bad()
		}
		if i > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, e.(int64), 10)
	}
	return string(out), nil
}
