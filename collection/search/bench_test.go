package search

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

const benchNotes = 100_000

var (
	benchOnce sync.Once
	benchDB   *sql.DB
	benchErr  error
)

func benchContext() *Context {
	ctx := testContext()
	ctx.Decks = nil
	for i := 0; i < 20; i++ {
		ctx.Decks = append(ctx.Decks, Deck{ID: int64(100 + i), Name: fmt.Sprintf("Lang::L%d::Sub%d", i%5, i), ConfigID: 1})
	}
	for i := 0; i < 5; i++ {
		ctx.Decks = append(ctx.Decks, Deck{ID: int64(200 + i), Name: fmt.Sprintf("Lang::L%d", i), ConfigID: 1})
	}
	ctx.Decks = append(ctx.Decks, Deck{ID: 300, Name: "Lang", ConfigID: 1})
	return ctx
}

// openBenchCollection generates 100k notes (10% Basic with one card, the rest
// Basic-and-reversed with two), ~190k cards in nested decks, a third of them new,
// and a revlog of ~130k answers, all with raw SQL.
func openBenchCollection(b *testing.B) *sql.DB {
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := filepathTemp()
		if err != nil {
			benchErr = err
			return
		}
		db, err := store.Open(ctx, filepath.Join(dir, "bench.anki2"), store.Options{Create: true})
		if err != nil {
			benchErr = err
			return
		}
		if err := store.CreateSchema11(ctx, db); err != nil {
			benchErr = err
			return
		}
		stmts := []string{
			fmt.Sprintf(`with recursive seq(i) as (select 1 union all select i + 1 from seq where i < %d)
			insert into notes select 1500000000000 + i, 'g' || i, case when i %% 10 = 0 then 1000 else 2000 end,
			  1600000000 + i, 0, ' tag' || (i %% 50) || ' group::sub' || (i %% 7) || ' ',
			  'word' || i || ' lorem <b>ipsum</b>' || char(31) || 'meaning ' || (i %% 997) || ' dolor sit amet',
			  'word' || i || ' lorem ipsum', i, 0, '' from seq`, benchNotes),
			`insert into cards select n.id * 10 + o.ord, n.id, 100 + (n.id % 20), o.ord, 1600000000, 0,
			  case when n.id % 3 = 0 then 0 else 2 end, case when n.id % 3 = 0 then 0 else 2 end,
			  case when n.id % 3 = 0 then n.id % 100000 else 50 + (n.id % 100) end,
			  n.id % 200, case when n.id % 3 = 0 then 0 else 2500 end, n.id % 20, n.id % 4, 0, 0, 0, 0, ''
			  from notes n join (select 0 as ord union all select 1) o on o.ord = 0 or n.mid = 2000`,
			fmt.Sprintf(`insert into revlog select c.id / 10 * 1000 + c.ord + %d, c.id, 0, 3, 10, 5, 2500, 5000, 1
			  from cards c where c.type = 2 and c.id %% 3 = 0`, (nextDayAt-86400*400)*1000),
			"analyze",
		}
		if ix := os.Getenv("DHS_INDEX"); ix != "" {
			// lets a benchmark run measure an index the schema does not have
			stmts = append(stmts, ix, "analyze")
		}
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				benchErr = fmt.Errorf("%w in %s", err, s)
				return
			}
		}
		benchDB = db
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB
}

var benchDir string

func filepathTemp() (string, error) {
	dir, err := os.MkdirTemp("", "search-bench-")
	benchDir = dir
	return dir, err
}

// TestMain removes the benchmark collection, which benchmarks share across runs.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB != nil {
		benchDB.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchQueries = []string{
	"word123",
	"meaning*dolor",
	"tag:tag7",
	"tag:group::sub3",
	"deck:Lang::L3",
	"deck:Lang",
	"is:due",
	"is:new",
	"front:word5*",
	"back:meaning_1_*",
	"deck:Lang::L1 is:due tag:tag3",
	"word1* -is:new",
	"prop:ivl>100",
	"rated:30",
	"note:basic",
	"",
}

func BenchmarkSearch(b *testing.B) {
	db := openBenchCollection(b)
	ctx := benchContext()
	var n int
	if err := db.QueryRow("select count(*) from cards").Scan(&n); err != nil {
		b.Fatal(err)
	}
	b.Logf("cards: %d", n)
	for _, order := range []Order{{}, {Column: ColumnSortField}} {
		for _, kind := range []Kind{Cards, Notes} {
			for _, q := range benchQueries {
				name := fmt.Sprintf("%s/kind=%d/sorted=%v", q, kind, order.Column != ColumnNone)
				b.Run(name, func(b *testing.B) {
					query, args, err := SQL(q, kind, order, ctx)
					if err != nil {
						b.Fatal(err)
					}
					rowsSeen := 0
					for b.Loop() {
						rows, err := db.Query(query, args...)
						if err != nil {
							b.Fatal(err)
						}
						rowsSeen = 0
						for rows.Next() {
							var id int64
							if err := rows.Scan(&id); err != nil {
								b.Fatal(err)
							}
							rowsSeen++
						}
						rows.Close()
					}
					b.ReportMetric(float64(rowsSeen), "rows")
				})
			}
		}
	}
}
