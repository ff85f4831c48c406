package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

//go:generate go run gen_walk.go

// walkChildren (walk_gen.go, generated) calls fn for every Node inside a
// Node's own message, in field order, stopping descent at each Node: fn
// decides whether to go deeper. It is plain Go over pg_query's structs, made
// from the protobuf descriptors, rather than reflection at run time, which
// cost about half of binding a catalog query.

// nodeLocation returns the byte offset a node records for itself, or -1.
// Most node messages have a "location" field; reflection finds it without a
// case per node type.
func nodeLocation(n *pg_query.Node) int32 {
	if n == nil || n.Node == nil {
		return -1
	}
	loc := int32(-1)
	n.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		inner := v.Message()
		if f := inner.Descriptor().Fields().ByName("location"); f != nil {
			loc = int32(inner.Get(f).Int())
		}
		return false
	})
	return loc
}
