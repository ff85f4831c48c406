package main

import (
	"strings"
	"testing"
)

func TestIcebergConfig(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"bad type", "lake: {dir: /x, iceberg: [{type: hive, uri: /c.db}]}\n", `lake.iceberg[0].type: "hive" is not sql or rest`},
		{"no uri", "lake: {dir: /x, iceberg: [{type: sql}]}\n", "give exactly one of uri and dsn"},
		{"both", "lake: {dir: /x, iceberg: [{uri: /c.db, dsn: postgres://h/db}]}\n", "give exactly one of uri and dsn"},
		{"rest path", "lake: {dir: /x, iceberg: [{type: rest, uri: /c.db}]}\n", "a REST catalog needs an http(s) URL"},
		{"bad warehouse", "lake: {dir: /x, iceberg: [{uri: /c.db, warehouse: /plain/path}]}\n", "is not a URL"},
		{"twice", "lake: {dir: /x, iceberg: [{uri: /a.db}, {uri: /b.db}]}\n", `catalog "sluice" is listed twice`},
		{"unknown key", "lake: {dir: /x, iceberg: [{uri: /a.db, catalog: x}]}\n", "field catalog not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	cfg, err := ParseConfig([]byte(`lake:
  dir: /x
  iceberg:
    - {name: lake, dsn: "postgres://iceberg@127.0.0.1/iceberg", warehouse: "file:///w", namespaces: {analytics: gold}}
    - {name: remote, type: rest, uri: "https://cat.example/api", properties: {token: t}}
`))
	if err != nil {
		t.Fatal(err)
	}
	cats := cfg.Lake.IcebergCatalogs()
	if len(cats) != 2 || cats[0].URI != "postgres://iceberg@127.0.0.1/iceberg" || cats[0].Namespaces["analytics"] != "gold" ||
		cats[1].Type != "rest" || cats[1].Properties["token"] != "t" {
		t.Errorf("catalogs %+v", cats)
	}
}
