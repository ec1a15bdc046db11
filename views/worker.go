package views

import (
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"
)

// runner starts background work and applies its result on the UI goroutine. Views never call
// the service on the UI goroutine: work runs in a goroutine and returns a function that
// updates widgets. Wait lets tests block until everything started has been applied.
//
// The result is queued with fyne.Do, never fyne.DoAndWait: a worker parked in DoAndWait
// (formerly while holding applyMu) depends on the driver's loop picking the call up, and under
// the GLFW driver a result could sit unapplied behind an idle loop with the progress dialog
// still up. Queuing without waiting leaves nothing for a worker to block on; the WaitGroup is
// released by the applied function itself, so Wait still means "applied", not just "done".
type runner struct {
	wg sync.WaitGroup
	// applyMu serialises result functions. The app's driver runs them one at a time on the
	// UI goroutine anyway; Fyne's test driver runs them on the calling goroutine, where two
	// finishing jobs would otherwise touch widgets at the same time. It is only ever taken
	// inside the applied function, never while waiting for the UI goroutine.
	applyMu sync.Mutex
	// after, when set, runs on the UI goroutine after each applied result: the main window
	// keeps its Edit menu's Undo/Redo labels in step with every change made through it.
	after func()
}

// post applies fn on the UI goroutine without waiting (for timer goroutines).
func (r *runner) post(fn func()) {
	fyne.Do(func() {
		r.applyMu.Lock()
		defer r.applyMu.Unlock()
		fn()
		if r.after != nil {
			r.after()
		}
	})
}

// Go runs work in a new goroutine; the function it returns (if any) runs on the UI goroutine.
// Call it only from the UI goroutine or from other work.
func (r *runner) Go(work func() func()) {
	r.wg.Add(1)
	go func() {
		queued := false
		defer func() {
			if p := recover(); p != nil {
				slog.Error("background work panicked", "panic", p)
			}
			if !queued {
				r.wg.Done()
			}
		}()
		apply := work()
		if apply == nil {
			return
		}
		queued = true
		fyne.Do(func() {
			defer r.wg.Done()
			defer func() {
				if p := recover(); p != nil {
					slog.Error("applying background work panicked", "panic", p)
				}
			}()
			r.applyMu.Lock()
			defer r.applyMu.Unlock()
			apply()
			if r.after != nil {
				r.after()
			}
		})
	}()
}

// Wait blocks until all started work (and work it started) has been applied.
func (r *runner) Wait() { r.wg.Wait() }
