package collection

// The scheduler (package sched) answers cards inside a transaction; these methods let it
// queue the OnCardAnswered and OnLeech hooks so they run only once the answer has committed,
// like fireNoteAdded does for notes.

// FireCardAnswered queues the OnCardAnswered hooks with a copy of card as it was saved.
func (tx *Tx) FireCardAnswered(card *Card, ease int) {
	h := &tx.c.hooks
	h.mu.RLock()
	fns := h.cardAnswered
	h.mu.RUnlock()
	if len(fns) == 0 {
		return
	}
	cp := *card
	cp.col = tx.c
	tx.after = append(tx.after, func() {
		for _, fn := range fns {
			fn(&cp, ease)
		}
	})
}

// FireLeech queues the OnLeech hooks with a copy of card as it was saved.
func (tx *Tx) FireLeech(card *Card) {
	cp := *card
	cp.col = tx.c
	queueHooks(tx, &tx.c.hooks.leech, cp)
}
