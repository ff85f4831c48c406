package gateway

import (
	"os"
	"sync"
	"testing"
)

// demoLake is one lake written for the package's tests.
type demoLake struct {
	once sync.Once
	dir  string
	err  error
}

var lakeOnce demoLake

func (l *demoLake) cleanup() {
	if l.dir != "" {
		os.RemoveAll(l.dir)
	}
}

// testLake returns the directory of the package's demo lake, writing it on
// first use.
func testLake(t testing.TB) string {
	t.Helper()
	lakeOnce.once.Do(func() {
		lakeOnce.dir, lakeOnce.err = os.MkdirTemp("", "sluice-gateway-lake-")
	})
	if lakeOnce.err != nil {
		t.Fatalf("writing the demo lake: %v", lakeOnce.err)
	}
	return lakeOnce.dir
}
