package collection

// SetMinIndexedNotes changes the size from which searches use the in-memory text index and
// returns a function that restores it.
func SetMinIndexedNotes(n int) (restore func()) {
	old := minIndexedNotes
	minIndexedNotes = n
	return func() { minIndexedNotes = old }
}
