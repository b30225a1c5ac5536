package sanctions

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

func TestMemProfileIndex(t *testing.T) {
	p := os.Getenv("MEMPROF")
	if p == "" {
		t.Skip("set MEMPROF")
	}
	runtime.MemProfileRate = 4096
	ix := benchIndex(t)
	runtime.GC()
	f, _ := os.Create(p)
	pprof.Lookup("heap").WriteTo(f, 0)
	f.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap in use %.1f MB, %d entities", float64(ms.HeapInuse)/(1<<20), ix.Len())
}
