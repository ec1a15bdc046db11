package search

import (
	"fmt"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.q)
	}
	for _, c := range errorCases {
		f.Add(c.q)
	}
	ctx := testContext()
	f.Fuzz(func(t *testing.T, q string) {
		timer := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("slow input %q", q)) })
		defer timer.Stop()
		n, err := Parse(q)
		if err == nil && n == nil {
			t.Fatal("nil node without error")
		}
		if err == nil {
			_ = n.String()
		}
		// SQL must not panic either, for every kind and an order
		_, _, _ = SQL(q, Cards, Order{Column: ColumnDeck}, ctx)
		_, _, _ = SQL(q, Notes, Order{Column: ColumnDue, Desc: true}, ctx)
	})
}
