package gateway

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluicesql/sluice/catalog/demolake"
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
		tmp, err := os.MkdirTemp("", "sluice-gateway-")
		if err != nil {
			lakeOnce.err = err
			return
		}
		lakeOnce.dir = tmp
		lakeOnce.err = demolake.Write(filepath.Join(tmp, "lake"), 7, demoScale)
	})
	if lakeOnce.err != nil {
		t.Fatalf("writing the demo lake: %v", lakeOnce.err)
	}
	return filepath.Join(lakeOnce.dir, "lake")
}

// demoScale keeps the lake small (3,000 orders, 30,000 events in 30 daily
// partitions) yet larger than one batch and than socket buffers.
const demoScale = 0.1
