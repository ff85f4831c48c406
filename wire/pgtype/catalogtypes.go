package pgtype

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Types that PostgreSQL's catalog views declare and clients read through
// pg_attribute (pgjdbc's getColumns lists every column's type): inet
// (pg_stat_activity.client_addr), pg_lsn (the replication views), and the
// internal types PostgreSQL prints but never reads (pg_node_tree,
// pg_ndistinct, pg_dependencies, pg_mcv_list) or that are pseudo-types
// (anyarray, pg_statistic's values). Their values are carried as their
// canonical text (an Arrow string).

// Type OIDs of these types, as in PostgreSQL's pg_type.dat.
const (
	InetOID           OID = 869
	PgLSNOID          OID = 3220
	PgNdistinctOID    OID = 3361
	PgDependenciesOID OID = 3402
	PgMCVListOID      OID = 5017
)

// Families of inet's binary form (PGSQL_AF_INET, PGSQL_AF_INET6).
const (
	pgAFInet  = 2
	pgAFInet6 = 3
)

// parseInet is inet_in: an IPv4 or IPv6 address with an optional /bits,
// kept with its host bits, in inet_out's canonical text (the /bits left
// out when it is the whole address).
func parseInet(src []byte) (string, error) {
	s := string(src) // no surrounding spaces, as inet_in
	bad := func() error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type inet: \"%s\"", string(src))
	}
	addr, bits := netip.Addr{}, -1
	if i := strings.IndexByte(s, '/'); i >= 0 {
		a, err := netip.ParseAddr(s[:i])
		if err != nil || a.Zone() != "" {
			return "", bad()
		}
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 0 || n > a.BitLen() {
			return "", bad()
		}
		addr, bits = a, n
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return "", bad()
		}
		addr, bits = a, a.BitLen()
	}
	return inetText(addr, bits), nil
}

func inetText(addr netip.Addr, bits int) string {
	if bits == addr.BitLen() {
		return addr.String()
	}
	return addr.String() + "/" + strconv.Itoa(bits)
}

// appendInetBinary is inet_send of inet text parseInet produced.
func appendInetBinary(buf []byte, s string) []byte {
	addr, bits := netip.Addr{}, 0
	if p, err := netip.ParsePrefix(s); err == nil {
		addr, bits = p.Addr(), p.Bits()
	} else if a, err := netip.ParseAddr(s); err == nil {
		addr, bits = a, a.BitLen()
	} else {
		return buf // never produced by Decode
	}
	family := byte(pgAFInet)
	if addr.Is6() {
		family = pgAFInet6
	}
	raw := addr.AsSlice()
	buf = append(buf, family, byte(bits), 0, byte(len(raw)))
	return append(buf, raw...)
}

// decodeInetBinary is inet_recv.
func decodeInetBinary(src []byte) (string, error) {
	bad := func(what string) error { return errBinary("invalid %s in external \"inet\" value", what) }
	if len(src) < 4 {
		return "", bad("length")
	}
	family, bits, nb := src[0], int(src[1]), int(src[3])
	if family != pgAFInet && family != pgAFInet6 {
		return "", bad("address family")
	}
	want := 4
	if family == pgAFInet6 {
		want = 16
	}
	if bits > want*8 {
		return "", bad("bits")
	}
	if src[2] != 0 && src[2] != 1 {
		return "", errBinary("invalid type in external \"inet\" value")
	}
	if nb != want || len(src) != 4+nb {
		return "", bad("length")
	}
	addr, _ := netip.AddrFromSlice(src[4:])
	return inetText(addr, bits), nil
}

// parseLSN is pg_lsn_in: two hexadecimal numbers of up to 8 digits
// separated by a slash, printed in upper case without leading zeros.
func parseLSN(src []byte) (string, error) {
	s := string(src)
	bad := func() error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type pg_lsn: \"%s\"", s)
	}
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || len(hi) == 0 || len(hi) > 8 || len(lo) == 0 || len(lo) > 8 {
		return "", bad()
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return "", bad()
	}
	return lsnText(h<<32 | l), nil
}

func lsnText(v uint64) string { return fmt.Sprintf("%X/%X", v>>32, uint32(v)) }

// appendLSNBinary is pg_lsn_send: the position as 8 bytes.
func appendLSNBinary(buf []byte, s string) []byte {
	hi, lo, _ := strings.Cut(s, "/")
	h, _ := strconv.ParseUint(hi, 16, 32)
	l, _ := strconv.ParseUint(lo, 16, 32)
	return binary.BigEndian.AppendUint64(buf, h<<32|l)
}

func decodeLSNBinary(src []byte) (string, error) {
	if len(src) != 8 {
		return "", errBinaryLen("pg_lsn", len(src), 8)
	}
	return lsnText(binary.BigEndian.Uint64(src)), nil
}

// errNoInput is what PostgreSQL's input and receive functions of its
// internal types (pg_node_tree, pg_ndistinct, ...) and of anyarray say.
func errNoInput(t Type) error {
	return pgerr.New(pgerr.FeatureNotSupported, "cannot accept a value of type %s", t)
}
