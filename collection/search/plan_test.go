package search

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkPlans prints query plans and one timing per query of DHS_PLAN (";"-separated).
func BenchmarkPlans(b *testing.B) {
	qs := os.Getenv("DHS_PLAN")
	if qs == "" {
		b.Skip("DHS_PLAN not set")
	}
	db := openBenchCollection(b)
	ctx := benchContext()
	for _, q := range strings.Split(qs, ";") {
		for _, spec := range []struct {
			kind  Kind
			order Order
		}{{Cards, Order{}}, {Cards, Order{Column: ColumnSortField}}, {Notes, Order{}}, {Notes, Order{Column: ColumnSortField}}} {
			query, args, err := SQL(q, spec.kind, spec.order, ctx)
			if err != nil {
				b.Fatal(err)
			}
			rows, _ := db.Query("explain query plan "+query, args...)
			var plan []string
			for rows.Next() {
				var a, p, c int
				var d string
				rows.Scan(&a, &p, &c, &d)
				plan = append(plan, d)
			}
			rows.Close()
			start := time.Now()
			n := 0
			for range 3 {
				rows, err := db.Query(query, args...)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for rows.Next() {
					n++
				}
				rows.Close()
			}
			fmt.Fprintf(os.Stderr, "%q kind=%d order=%d: %v/run, %d rows\n  plan: %s\n", q, spec.kind, spec.order.Column, time.Since(start)/3, n, strings.Join(plan, " | "))
		}
	}
}
