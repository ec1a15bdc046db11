package collection

// SetMinIndexedNotes changes the size from which searches use the in-memory text index and
// returns a function that restores it.
func SetMinIndexedNotes(n int) (restore func()) {
	old := minIndexedNotes
	minIndexedNotes = n
	return func() { minIndexedNotes = old }
}

// UseTextIndex turns the searches' use of the in-memory text index on or off (the index
// itself is kept) and returns a function that restores the setting.
func UseTextIndex(on bool) (restore func()) {
	old := useTextIndex
	useTextIndex = on
	return func() { useTextIndex = old }
}

// MemoryFinds is the number of searches answered wholly from the in-memory index so far.
func MemoryFinds() int64 { return memoryFinds.Load() }
