package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walkChildren calls fn for every *pg_query.Node directly or indirectly
// inside n's own message (not n itself), stopping descent at each Node: fn
// decides whether to go deeper. The parse tree is protobuf, so reflection
// reaches every field without a hand-kept list per node type.
func walkChildren(n *pg_query.Node, fn func(any)) {
	if n == nil || n.Node == nil {
		return
	}
	inner := n.ProtoReflect()
	walkMessage(inner, fn)
}

var nodeDescriptor = (&pg_query.Node{}).ProtoReflect().Descriptor()

func walkMessage(m protoreflect.Message, fn func(any)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		visit := func(msg protoreflect.Message) {
			if msg.Descriptor() == nodeDescriptor {
				fn(msg.Interface().(*pg_query.Node))
				return
			}
			walkMessage(msg, fn)
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(l.Get(i).Message())
			}
		case fd.IsMap():
		default:
			visit(v.Message())
		}
		return true
	})
}

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
