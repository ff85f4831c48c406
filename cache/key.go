package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
)

// TableVersion is one table a result read and the version it read.
type TableVersion struct {
	Table   string // schema.name
	Version string
}

// Key identifies one result. Base digests everything but the snapshot (the
// statement, its parameters, the settings that change results, the
// caller's scope); Tables are the versions read. Two requests share a
// result only when both match: a request whose Base matches an entry of
// older versions is a miss (or a stale hit, when it accepts staleness).
type Key struct {
	Base   [32]byte
	Tables []TableVersion // sorted by Table
	// Catalog marks a result that depends on the whole catalog (system
	// tables, catalog functions): any commit invalidates it.
	Catalog bool
}

// Digest is the full key: Base and the versions.
func (k Key) Digest() [32]byte {
	h := sha256.New()
	h.Write(k.Base[:])
	for _, t := range k.Tables {
		writeField(h, t.Table)
		writeField(h, t.Version)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// String is the digest in hex, as sluice.cache_entries shows it.
func (k Key) String() string {
	d := k.Digest()
	return hex.EncodeToString(d[:8])
}

// sameTables reports whether two keys read the same versions.
func sameTables(a, b []TableVersion) bool { return slices.Equal(a, b) }

// KeyBuilder accumulates the parts of a key. Fields are length-prefixed,
// so no two different sequences of fields digest alike.
type KeyBuilder struct {
	h       hash.Hash
	tables  []TableVersion
	catalog bool
}

// NewKey starts a key.
func NewKey() *KeyBuilder { return &KeyBuilder{h: sha256.New()} }

// Field adds one named part (statement, a parameter, a setting, the scope).
func (b *KeyBuilder) Field(name, value string) *KeyBuilder {
	writeField(b.h, name)
	writeField(b.h, value)
	return b
}

// Table adds a table read and its version. The order of calls does not
// matter; a table read twice counts once.
func (b *KeyBuilder) Table(name, version string) *KeyBuilder {
	b.tables = append(b.tables, TableVersion{Table: name, Version: version})
	return b
}

// Catalog marks the result as depending on the whole catalog, version
// being the catalog state's.
func (b *KeyBuilder) Catalog(version string) *KeyBuilder {
	b.catalog = true
	return b.Table("", version)
}

// Key finishes the key.
func (b *KeyBuilder) Key() Key {
	var k Key
	b.h.Sum(k.Base[:0])
	ts := slices.Clone(b.tables)
	slices.SortFunc(ts, func(x, y TableVersion) int {
		if c := strings.Compare(x.Table, y.Table); c != 0 {
			return c
		}
		return strings.Compare(x.Version, y.Version)
	})
	k.Tables = slices.Compact(ts)
	k.Catalog = b.catalog
	return k
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}
