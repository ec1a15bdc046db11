package collection

import "sync"

// Hooks in the spirit of Anki's add-on hooks. They run after the transaction that caused
// them has committed, on the goroutine that made the change.
type hooks struct {
	mu           sync.RWMutex
	noteAdded    []func(*Note)
	noteUpdated  []func(*Note)
	cardAnswered []func(*Card, int)
	leech        []func(*Card)
	render       []RenderFilter
	fieldFilters []FieldFilter
}

// RenderFilter may rewrite the question or answer HTML of a card (isAnswer tells which).
type RenderFilter func(html string, card *Card, isAnswer bool) string

// OnNoteAdded registers fn to run after a note is added.
func (c *Collection) OnNoteAdded(fn func(*Note)) {
	c.hooks.mu.Lock()
	c.hooks.noteAdded = append(c.hooks.noteAdded, fn)
	c.hooks.mu.Unlock()
}

// OnNoteUpdated registers fn to run after a note's fields or tags change.
func (c *Collection) OnNoteUpdated(fn func(*Note)) {
	c.hooks.mu.Lock()
	c.hooks.noteUpdated = append(c.hooks.noteUpdated, fn)
	c.hooks.mu.Unlock()
}

// OnCardAnswered registers fn to run after a card is answered with ease 1–4.
func (c *Collection) OnCardAnswered(fn func(card *Card, ease int)) {
	c.hooks.mu.Lock()
	c.hooks.cardAnswered = append(c.hooks.cardAnswered, fn)
	c.hooks.mu.Unlock()
}

// OnLeech registers fn to run when a card becomes a leech.
func (c *Collection) OnLeech(fn func(*Card)) {
	c.hooks.mu.Lock()
	c.hooks.leech = append(c.hooks.leech, fn)
	c.hooks.mu.Unlock()
}

// AddRenderFilter registers a filter applied, in order, to every rendered question and answer.
func (c *Collection) AddRenderFilter(fn RenderFilter) {
	c.hooks.mu.Lock()
	c.hooks.render = append(c.hooks.render, fn)
	c.hooks.mu.Unlock()
}

// queueHooks runs fns with a copy of v once the transaction has committed. The hook list is
// read now, so hooks registered during the transaction do not see it.
func queueHooks[T any](tx *Tx, list *[]func(*T), v T) {
	h := &tx.c.hooks
	h.mu.RLock()
	fns := *list
	h.mu.RUnlock()
	if len(fns) == 0 {
		return
	}
	tx.after = append(tx.after, func() {
		for _, fn := range fns {
			fn(&v)
		}
	})
}

func (tx *Tx) fireNoteAdded(n *Note) { queueHooks(tx, &tx.c.hooks.noteAdded, *n) }

func (tx *Tx) fireNoteUpdated(n *Note) { queueHooks(tx, &tx.c.hooks.noteUpdated, *n) }
