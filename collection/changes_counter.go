package collection

// Change counter: a number that goes up with every committed transaction, so caches built
// from the database (the scheduler's queues) can tell whether anything changed since they
// looked. col.mod cannot: it is a millisecond clock, and two transactions in the same
// millisecond (a bury right after an answer, a suspend from another window) leave it equal,
// and a clock stepping back can even make it repeat an older value.

// Changes returns the number of transactions committed through this Collection since it was
// opened. Equal values mean nothing was written in between (through Transact).
func (c *Collection) Changes() uint64 { return c.changes.Load() }

// noteCommitted counts a committed transaction (Transact calls it after the commit, while it
// still holds the write lock, so a reader never sees the new data with the old count).
func (c *Collection) noteCommitted() { c.changes.Add(1) }
