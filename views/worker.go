package views

import (
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"
)

// runner starts background work and applies its result on the UI goroutine. Views never call
// the service on the UI goroutine: work runs in a goroutine and returns a function that
// updates widgets, which runs through fyne.DoAndWait. wait lets tests (and shutdown) block
// until everything started has been applied.
type runner struct {
	wg sync.WaitGroup
	// applyMu serialises result functions. The app's driver runs them one at a time on the
	// UI goroutine anyway; Fyne's test driver runs them on the calling goroutine, where two
	// finishing jobs would otherwise touch widgets at the same time.
	applyMu sync.Mutex
}

// post applies fn on the UI goroutine without waiting (for timer goroutines).
func (r *runner) post(fn func()) {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	fyne.Do(fn)
}

// Go runs work in a new goroutine; the function it returns (if any) runs on the UI goroutine.
// Call it only from the UI goroutine or from other work.
func (r *runner) Go(work func() func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				slog.Error("background work panicked", "panic", p)
			}
		}()
		if apply := work(); apply != nil {
			r.applyMu.Lock()
			defer r.applyMu.Unlock()
			fyne.DoAndWait(apply)
		}
	}()
}

// Wait blocks until all started work (and work it started) has been applied.
func (r *runner) Wait() { r.wg.Wait() }
