package search

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deckhand-app/deckhand/collection/store"
)

type orderTerm struct {
	expr string
	desc bool // relative to the requested direction
}

func asc(exprs ...string) []orderTerm {
	out := make([]orderTerm, len(exprs))
	for i, e := range exprs {
		out[i] = orderTerm{expr: e}
	}
	return out
}

// orderTerms returns the ORDER BY terms for a browser column (Anki's
// card_order_from_sort_column / note_order_from_sort_column) plus any WITH
// clause they need. Anki's temporary sort_order tables become CTEs of names
// ranked here, or correlated aggregates over a note's cards. An id comes last
// so that ties are broken the same way, except after a card's ord.
func (w *writer) orderTerms(kind Kind, o Order) ([]orderTerm, string) {
	if o.Column == ColumnNone {
		return nil, ""
	}
	var with []string
	if kind == Cards {
		var t []orderTerm
		switch o.Column {
		case ColumnSortField:
			t = asc("n.sfld collate nocase", "c.ord")
		case ColumnCreated:
			t = asc("n.id", "c.ord")
		case ColumnNoteModified:
			t = asc("n.mod", "c.ord")
		case ColumnCardModified:
			t = asc("c.mod")
		case ColumnDue:
			t = asc(fmt.Sprintf("(case when c.due > 1000000000 or c.type = %d then c.due else (c.due - %d) * 86400 + %d end)",
				typeNew, w.ctx.Today, w.ctx.Now))
		case ColumnInterval:
			t = asc("c.ivl")
		case ColumnEase:
			t = asc(fmt.Sprintf("c.type = %d", typeNew), "c.factor")
		case ColumnReviews:
			t = asc("c.reps")
		case ColumnLapses:
			t = asc("c.lapses")
		case ColumnDeck:
			with = append(with, w.deckRanks())
			t = asc("(select pos from dhs_deck_pos where id = c.did)")
		case ColumnNotetype:
			with = append(with, w.notetypeRanks())
			t = asc("(select pos from dhs_nt_pos where id = n.mid)")
		case ColumnTemplate, ColumnCards:
			with = append(with, w.templateRanks())
			// cloze cards share template 0
			t = asc("coalesce((select pos from dhs_tmpl_pos where ntid = n.mid and ord = c.ord), "+
				"(select pos from dhs_tmpl_pos where ntid = n.mid and ord = 0))", "c.ord")
		case ColumnTags:
			t = asc("n.tags")
		}
		// (sort field, ord) and the like already nearly order uniquely, and another
		// key costs a third more sort time on large results
		if !slices.ContainsFunc(t, func(o orderTerm) bool { return o.expr == "c.ord" }) {
			t = append(t, orderTerm{expr: "c.id"})
		}
		return t, withClause(with)
	}
	var t []orderTerm
	cardsOf := func(agg, where string) string {
		if where != "" {
			where = " and " + where
		}
		return "(select " + agg + " from cards where nid = n.id" + where + ")"
	}
	switch o.Column {
	case ColumnSortField:
		t = asc("n.sfld collate nocase")
	case ColumnCreated:
		t = asc("n.id")
	case ColumnNoteModified:
		t = asc("n.mod")
	case ColumnCardModified:
		t = asc(cardsOf("max(mod)", ""))
	case ColumnTemplate, ColumnCards:
		t = asc(cardsOf("count(*)", ""))
	case ColumnDeck:
		with = append(with, w.deckRanks())
		t = asc(cardsOf("count(distinct did)", ""),
			cardsOf("min((select pos from dhs_deck_pos where id = did))", ""))
	case ColumnDue:
		t = asc(cardsOf(fmt.Sprintf("min(case when due > 1000000000 or type = %d then due else (due - %d) * 86400 + %d end)",
			typeNew, w.ctx.Today, w.ctx.Now), "odid = 0 and type != 0 and queue > 0"))
	case ColumnEase:
		t = asc(cardsOf("avg(factor)", "type != 0"))
	case ColumnInterval:
		t = asc(cardsOf("avg(ivl)", "type in (2, 3)"))
	case ColumnReviews:
		t = asc(cardsOf("sum(reps)", ""))
	case ColumnLapses:
		t = asc(cardsOf("sum(lapses)", ""))
	case ColumnNotetype:
		with = append(with, w.notetypeRanks())
		t = asc("(select pos from dhs_nt_pos where id = n.mid)")
	case ColumnTags:
		t = asc("n.tags")
	}
	return append(t, orderTerm{expr: "n.id"}), withClause(with)
}

func withClause(ctes []string) string {
	if len(ctes) == 0 {
		return ""
	}
	return "with " + strings.Join(ctes, ", ")
}

// rankCTE lists (key..., pos) rows; an empty list still yields a valid, empty CTE.
func rankCTE(name, cols string, rows []string) string {
	if len(rows) == 0 {
		n := strings.Count(cols, ",") + 1
		nulls := strings.TrimSuffix(strings.Repeat("null, ", n), ", ")
		return fmt.Sprintf("%s(%s) as (select %s where 0)", name, cols, nulls)
	}
	return fmt.Sprintf("%s(%s) as (values %s)", name, cols, strings.Join(rows, ", "))
}

// Names sort like Anki's unicase-collated name columns; deck names in their
// native form, so that a parent sorts directly before its children.
func (w *writer) deckRanks() string {
	decks := slices.Clone(w.ctx.Decks)
	slices.SortStableFunc(decks, func(a, b Deck) int {
		return store.UnicaseCompare(nativeDeckName(a.Name), nativeDeckName(b.Name))
	})
	rows := make([]string, len(decks))
	for i, d := range decks {
		rows[i] = fmt.Sprintf("(%d, %d)", d.ID, i)
	}
	return rankCTE("dhs_deck_pos", "id, pos", rows)
}

func (w *writer) notetypeRanks() string {
	nts := slices.Clone(w.ctx.Notetypes)
	slices.SortStableFunc(nts, func(a, b Notetype) int { return store.UnicaseCompare(a.Name, b.Name) })
	rows := make([]string, len(nts))
	for i, nt := range nts {
		rows[i] = fmt.Sprintf("(%d, %d)", nt.ID, i)
	}
	return rankCTE("dhs_nt_pos", "id, pos", rows)
}

func (w *writer) templateRanks() string {
	type tmpl struct {
		ntid int64
		ord  int
		name string
	}
	var all []tmpl
	for _, nt := range w.ctx.Notetypes {
		for ord, name := range nt.Templates {
			all = append(all, tmpl{nt.ID, ord, name})
		}
	}
	slices.SortStableFunc(all, func(a, b tmpl) int { return store.UnicaseCompare(a.name, b.name) })
	rows := make([]string, len(all))
	for i, t := range all {
		rows[i] = fmt.Sprintf("(%d, %d, %d)", t.ntid, t.ord, i)
	}
	return rankCTE("dhs_tmpl_pos", "ntid, ord, pos", rows)
}
