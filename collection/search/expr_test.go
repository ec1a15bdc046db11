package search

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkExprs times "select count(*) from notes n where <expr>" for each DHS_EXPR (";;"-separated).
func BenchmarkExprs(b *testing.B) {
	qs := os.Getenv("DHS_EXPR")
	if qs == "" {
		b.Skip("DHS_EXPR not set")
	}
	db := openBenchCollection(b)
	for _, e := range strings.Split(qs, ";;") {
		if stmt, ok := strings.CutPrefix(e, "exec:"); ok {
			if _, err := db.Exec(stmt); err != nil {
				b.Fatal(err)
			}
			continue
		}
		start := time.Now()
		var n int
		for range 3 {
			if err := db.QueryRow(e).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Fprintf(os.Stderr, "%v  %d  %s\n", time.Since(start)/3, n, e)
	}
}
