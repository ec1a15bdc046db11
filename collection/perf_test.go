package collection_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// perfCol has 30 notes of three note types (50 cards) with sort fields that sort differently
// from their creation order.
func perfCol(t *testing.T) *collection.Collection {
	col := newCol(t)
	for i := 0; i < 10; i++ {
		addNote(t, col, "Basic", 1, fmt.Sprintf("apple %02d", 29-i), "back <b>b</b>")
		addNote(t, col, "Basic (and reversed card)", 1, fmt.Sprintf("Banana %02d", i), "back [sound:x.mp3]")
		addNote(t, col, "Cloze", 1, fmt.Sprintf("{{c1::cherry}} %d {{c2::two}}", i), "extra")
	}
	return col
}

// FindCardsPage must return exactly the slice of FindCards' result for every order, offset
// and limit, and the total count.
func TestFindCardsPageMatchesFindCards(t *testing.T) {
	col := perfCol(t)
	ctx := context.Background()
	for _, q := range []string{"", "apple", "banana or cherry", "card:2", "nothing-matches"} {
		for _, order := range []collection.Order{{}, {Column: collection.SortSortField}, {Column: collection.SortSortField, Desc: true}, {Column: collection.SortCreated}} {
			all, err := col.FindCards(ctx, q, order)
			if err != nil {
				t.Fatal(err)
			}
			for _, pg := range [][2]int{{0, 7}, {7, 7}, {40, 7}, {0, 1000}, {100, 5}} {
				got, err := col.FindCardsPage(ctx, q, order, pg[0], pg[1])
				if err != nil {
					t.Fatal(err)
				}
				want := all[min(pg[0], len(all)):min(pg[0]+pg[1], len(all))]
				if got.Total != len(all) || !reflect.DeepEqual(append([]int64{}, got.IDs...), append([]int64{}, want...)) {
					t.Errorf("%q %+v page %v: got %v total %d, want %v total %d", q, order, pg, got.IDs, got.Total, want, len(all))
				}
			}
		}
	}
	notes, err := col.FindNotesPage(ctx, "banana", collection.Order{Column: collection.SortSortField}, 2, 3)
	if err != nil || notes.Total != 10 || len(notes.IDs) != 3 {
		t.Errorf("FindNotesPage: %+v %v", notes, err)
	}
	if _, err := col.FindCardsPage(ctx, "", collection.Order{}, -1, 5); err == nil {
		t.Error("negative offset accepted")
	}
	if _, err := col.FindCardsPage(ctx, "deck:(", collection.Order{}, 0, 5); err == nil {
		t.Error("malformed query accepted")
	}
}

// RenderCards must render every card exactly as RenderCard does, in the order asked.
func TestRenderCardsMatchesRenderCard(t *testing.T) {
	col := perfCol(t)
	ctx := context.Background()
	ids, err := col.FindCards(ctx, "", collection.Order{Column: collection.SortSortField})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 50 {
		t.Fatalf("%d cards", len(ids))
	}
	var got []int64
	err = col.RenderCards(ctx, ids, func(c *collection.Card, r *collection.RenderedCard) error {
		want, err := col.RenderCard(ctx, c.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("card %d: RenderCards %+v, RenderCard %+v", c.ID, r, want)
		}
		got = append(got, c.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("order %v, want %v", got, ids)
	}
	err = col.RenderCards(ctx, []int64{ids[0], 12345}, func(*collection.Card, *collection.RenderedCard) error { return nil })
	if !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("missing card: %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err = col.RenderCards(ctx, ids, func(*collection.Card, *collection.RenderedCard) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("stop: %v after %d", err, n)
	}
}
