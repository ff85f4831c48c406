package expr

import "github.com/sluicesql/sluice/wire/pgtype"

func datetimeFunc(name string, types []pgtype.Type, ret pgtype.Type, env *Env) (rowFn, bool) {
	return nil, false
}
