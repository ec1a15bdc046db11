package app

// Selection is the browser's multi-selection, kept by id so that it survives re-sorting.
// Click semantics follow desktop tables: a plain click selects one row, Ctrl toggles a row,
// Shift extends from the anchor (the last plainly or Ctrl-clicked row).
type Selection struct {
	ids    map[int64]bool
	anchor int64
	hasAnc bool
}

// ClickKind is how a row was clicked.
type ClickKind int

const (
	ClickPlain  ClickKind = iota
	ClickToggle           // Ctrl/Cmd
	ClickRange            // Shift
)

// Click applies a click on row i of order (the current result ids).
func (s *Selection) Click(order []int64, i int, kind ClickKind) {
	if i < 0 || i >= len(order) {
		return
	}
	if s.ids == nil {
		s.ids = map[int64]bool{}
	}
	id := order[i]
	switch kind {
	case ClickToggle:
		if s.ids[id] {
			delete(s.ids, id)
		} else {
			s.ids[id] = true
		}
		s.anchor, s.hasAnc = id, true
	case ClickRange:
		a := -1
		if s.hasAnc {
			for j, x := range order {
				if x == s.anchor {
					a = j
					break
				}
			}
		}
		if a < 0 {
			a = i
			s.anchor, s.hasAnc = id, true
		}
		clear(s.ids)
		for j := min(a, i); j <= max(a, i); j++ {
			s.ids[order[j]] = true
		}
	default:
		clear(s.ids)
		s.ids[id] = true
		s.anchor, s.hasAnc = id, true
	}
}

// SelectAll selects every id.
func (s *Selection) SelectAll(order []int64) {
	s.ids = make(map[int64]bool, len(order))
	for _, id := range order {
		s.ids[id] = true
	}
}

// Clear empties the selection.
func (s *Selection) Clear() {
	s.ids = nil
	s.hasAnc = false
}

// Has reports whether id is selected.
func (s *Selection) Has(id int64) bool { return s.ids[id] }

// Len is the number of selected ids.
func (s *Selection) Len() int { return len(s.ids) }

// Keep drops selected ids that are not in order (after a new search), keeping their order.
func (s *Selection) Keep(order []int64) {
	if len(s.ids) == 0 {
		return
	}
	in := make(map[int64]bool, len(s.ids))
	for _, id := range order {
		if s.ids[id] {
			in[id] = true
		}
	}
	s.ids = in
}

// IDs returns the selected ids in the order of order.
func (s *Selection) IDs(order []int64) []int64 {
	if len(s.ids) == 0 {
		return nil
	}
	out := make([]int64, 0, len(s.ids))
	for _, id := range order {
		if s.ids[id] {
			out = append(out, id)
		}
	}
	return out
}

// Single returns the selected id when exactly one row is selected.
func (s *Selection) Single() (int64, bool) {
	if len(s.ids) != 1 {
		return 0, false
	}
	for id := range s.ids {
		return id, true
	}
	return 0, false
}
