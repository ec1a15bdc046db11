package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/bench/benchdata"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/sched"
	csvexp "github.com/deckhand-app/deckhand/exporters/csv"
	csvimp "github.com/deckhand-app/deckhand/importers/csv"
)

// forSizes runs fn as one sub-benchmark per collection size ("10k", "100k").
func forSizes(b *testing.B, fn func(b *testing.B, notes int, path string)) {
	for _, n := range benchdata.Sizes() {
		b.Run(benchdata.Name(n), func(b *testing.B) {
			fn(b, n, benchdata.Collection(b, n))
		})
	}
}

// open opens a collection for a read-only benchmark and closes it at the end.
func open(b *testing.B, path string) *collection.Collection {
	b.Helper()
	col, err := collection.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { col.Close() })
	// what the app does in the background after opening (app.OpenService)
	if err := col.WarmSearch(context.Background()); err != nil {
		b.Fatal(err)
	}
	return col
}

// measure runs body b.N times between ResetPeak and ReportPeak.
func measure(b *testing.B, body func()) {
	b.Helper()
	benchdata.ResetPeak()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body()
	}
	b.StopTimer()
	benchdata.ReportPeak(b)
}

// BenchmarkWarmSearch is building the in-memory search index (notes' text, cards'
// searched columns) of a freshly opened collection, as the app does in the background after
// opening one: searches before it is ready run in SQL.
func BenchmarkWarmSearch(b *testing.B) {
	forSizes(b, func(b *testing.B, _ int, path string) {
		ctx := context.Background()
		benchdata.ResetPeak()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			col, err := collection.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := col.WarmSearch(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			col.Close()
			b.StartTimer()
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}

// BenchmarkOpenCounts is what the app does at start: open the collection and show the deck
// tree with its new / learning / due counts.
func BenchmarkOpenCounts(b *testing.B) {
	forSizes(b, func(b *testing.B, _ int, path string) {
		ctx := context.Background()
		measure(b, func() {
			col, err := collection.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := col.DeckTree(ctx); err != nil {
				b.Fatal(err)
			}
			col.Close()
		})
	})
}

// Search queries: "typical" ones are what a user types in the browser; "heavy" ones match a
// large part of the collection or cannot use an index.
var (
	typicalQueries = []string{
		"time",
		"water fire",
		`"deck:Languages::Vocabulary::Level 1"`,
		"tag:time::*",
		"is:due",
		"added:7",
		"front:*world*",
	}
	heavyQueries = []string{
		"deck:Languages",
		"tag:time*",
		"deck:Science -is:new tag:time*",
		"(water or fire) is:review",
		"prop:ivl>30",
		"rated:7",
		"re:w.rld",
		"-is:suspended",
	}
)

func BenchmarkSearch(b *testing.B) {
	forSizes(b, func(b *testing.B, _ int, path string) {
		col := open(b, path)
		ctx := context.Background()
		for _, set := range []struct {
			kind    string
			queries []string
		}{{"typical", typicalQueries}, {"heavy", heavyQueries}} {
			for _, q := range set.queries {
				for _, sorted := range []bool{false, true} {
					order := collection.Order{}
					name := set.kind + "/" + q + "/unsorted"
					if sorted {
						order.Column = collection.SortSortField
						name = set.kind + "/" + q + "/sorted"
					}
					b.Run(name, func(b *testing.B) {
						n := 0
						measure(b, func() {
							ids, err := col.FindCards(ctx, q, order)
							if err != nil {
								b.Fatal(err)
							}
							n = len(ids)
						})
						b.ReportMetric(float64(n), "hits")
					})
				}
			}
		}
	})
}

// BenchmarkSearchAfterEdit is the browser after the editor saved a note: one note's field
// changes, then a text search and a search sorted by sort field run. The in-memory text
// index re-reads only the changed note.
func BenchmarkSearchAfterEdit(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, _ string) {
		ctx := context.Background()
		col, err := collection.Open(ctx, benchdata.Copy(b, notes, b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		defer col.Close()
		nids, err := col.FindNotes(ctx, "", collection.Order{})
		if err != nil {
			b.Fatal(err)
		}
		// the first search builds the index; the benchmark is about the ones after edits
		if _, err := col.FindCards(ctx, "time", collection.Order{}); err != nil {
			b.Fatal(err)
		}
		i := 0
		measure(b, func() {
			n, err := col.GetNote(ctx, nids[(i*7919)%len(nids)])
			if err != nil {
				b.Fatal(err)
			}
			i++
			n.Fields[0] += fmt.Sprintf(" edit %d", i)
			if err := col.UpdateNote(ctx, n); err != nil {
				b.Fatal(err)
			}
			if _, err := col.FindCards(ctx, "time", collection.Order{}); err != nil {
				b.Fatal(err)
			}
			if _, err := col.FindCards(ctx, "deck:Languages", collection.Order{Column: collection.SortSortField}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// browserPage is the number of rows the browser shows at once.
const browserPage = 100

// BenchmarkBrowser is the card browser: the first page of a search (the ids in the browser's
// default order, by sort field, and the rows of the first page, through the same app
// service the GUI uses), and scrolling: loading further pages of rows from the ids already
// found.
func BenchmarkBrowser(b *testing.B) {
	forSizes(b, func(b *testing.B, _ int, path string) {
		col := open(b, path)
		svc := app.NewService(col)
		ctx := context.Background()
		order := collection.Order{Column: collection.SortSortField}
		for _, q := range []string{"deck:Languages", "", "time"} {
			name := q
			if name == "" {
				name = "whole-collection"
			}
			b.Run("first-page/"+name, func(b *testing.B) {
				measure(b, func() {
					ids, err := svc.Search(ctx, app.CardsMode, q, order)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := svc.LoadRows(ctx, app.CardsMode, ids[:min(browserPage, len(ids))]); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("first-page-engine/"+name, func(b *testing.B) {
				measure(b, func() {
					page, err := col.FindCardsPage(ctx, q, order, 0, browserPage)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := svc.LoadRows(ctx, app.CardsMode, page.IDs); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
		ids, err := svc.Search(ctx, app.CardsMode, "", order)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("scroll-page", func(b *testing.B) {
			off := 0
			measure(b, func() {
				off = (off + 7919*browserPage) % (len(ids) - browserPage)
				if _, err := svc.LoadRows(ctx, app.CardsMode, ids[off:off+browserPage]); err != nil {
					b.Fatal(err)
				}
			})
		})
	})
}

// BenchmarkRender10k renders 10,000 cards of the collection (every n-th card, so that all
// note types and decks are among them) through the engine: card, note, note type, deck.
func BenchmarkRender10k(b *testing.B) {
	forSizes(b, func(b *testing.B, _ int, path string) {
		col := open(b, path)
		ctx := context.Background()
		all, err := col.FindCards(ctx, "", collection.Order{})
		if err != nil {
			b.Fatal(err)
		}
		step := max(1, len(all)/10_000)
		var ids []int64
		for i := 0; i < len(all) && len(ids) < 10_000; i += step {
			ids = append(ids, all[i])
		}
		b.Run("RenderCard", func(b *testing.B) {
			measure(b, func() {
				for _, id := range ids {
					if _, err := col.RenderCard(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run("RenderCards", func(b *testing.B) {
			measure(b, func() {
				n := 0
				err := col.RenderCards(ctx, ids, func(_ *collection.Card, _ *collection.RenderedCard) error {
					n++
					return nil
				})
				if err != nil || n != len(ids) {
					b.Fatalf("rendered %d of %d: %v", n, len(ids), err)
				}
			})
		})
	})
}

// BenchmarkSchedQueues builds the study queues of the whole collection (the top deck with
// every card under it), limits raised so that every due card is gathered.
func BenchmarkSchedQueues(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, _ string) {
		ctx := context.Background()
		col, err := collection.Open(ctx, benchdata.Copy(b, notes, b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		defer col.Close()
		err = col.Transact(ctx, func(tx *collection.Tx) error {
			for _, dc := range tx.DeckConfigs() {
				for _, k := range []string{"new", "rev"} {
					var m map[string]any
					if err := json.Unmarshal(dc.Other[k], &m); err != nil || m == nil {
						return fmt.Errorf("deck config %q: %s: %v", dc.Name, k, err)
					}
					m["perDay"] = 9999
					dc.Other[k], _ = json.Marshal(m)
				}
				if err := tx.PutDeckConfig(dc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		var top int64
		for _, d := range col.Decks() {
			if d.Name == "Languages" {
				top = d.ID
			}
		}
		s := sched.New(col)
		if err := s.SelectDeck(ctx, top); err != nil {
			b.Fatal(err)
		}
		var c sched.Counts
		measure(b, func() {
			s.Rebuild()
			if c, err = s.Counts(ctx); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(c.New+c.Learning+c.Review), "queued")
	})
}

// BenchmarkCSVImport imports a tab-separated export of all the collection's notes (with
// note type, deck and tag columns) into a new collection.
func BenchmarkCSVImport(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, path string) {
		ctx := context.Background()
		dir := b.TempDir()
		file := filepath.Join(dir, "notes.txt")
		col := open(b, path)
		nids, err := col.FindNotes(ctx, "", collection.Order{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := csvexp.Export(ctx, col, nids, file, csvexp.Options{WithNotetype: true, WithDeck: true, WithTags: true, WithGUID: true}); err != nil {
			b.Fatal(err)
		}
		// the source only made the file: its page cache and search index are not the
		// import's memory
		col.Close()
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dst, err := collection.Create(ctx, filepath.Join(dir, fmt.Sprintf("c%d.anki2", i)))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := csvimp.Import(ctx, dst, file, csvimp.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if res.NotesNew != notes {
				b.Fatalf("imported %d of %d notes", res.NotesNew, notes)
			}
			dst.Close()
			b.StartTimer()
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}
