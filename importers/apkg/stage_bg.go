package apkg

import (
	"context"
	"sync/atomic"
	"time"
)

// backgroundStage unpacks media on another goroutine while the caller goes on with the
// collection (the two cores work side by side). The staging's progress is only counted;
// Wait reports it from the caller's goroutine, where Progress callbacks belong.
type backgroundStage struct {
	cancel      context.CancelFunc
	ch          chan stageResult
	done, total atomic.Int64
	finished    bool
}

type stageResult struct {
	files []stagedFile
	err   error
}

// startStage runs stage(ctx, progress) on a new goroutine.
func startStage(ctx context.Context, stage func(ctx context.Context, progress func(done, total int)) ([]stagedFile, error)) *backgroundStage {
	ctx, cancel := context.WithCancel(ctx)
	s := &backgroundStage{cancel: cancel, ch: make(chan stageResult, 1)}
	go func() {
		files, err := stage(ctx, func(done, total int) {
			s.done.Store(int64(done))
			s.total.Store(int64(total))
		})
		s.ch <- stageResult{files, err}
	}()
	return s
}

// Wait returns the staged files, calling report with the progress every 100 ms meanwhile.
func (s *backgroundStage) Wait(report func(done, total int)) ([]stagedFile, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case res := <-s.ch:
			s.finished = true
			s.cancel()
			return res.files, res.err
		case <-tick.C:
			if total := s.total.Load(); total > 0 {
				report(int(s.done.Load()), int(total))
			}
		}
	}
}

// Stop cancels a staging not waited for and waits until it has ended, so that the caller
// may remove its folder. It does nothing after Wait.
func (s *backgroundStage) Stop() {
	if s.finished {
		return
	}
	s.cancel()
	<-s.ch
	s.finished = true
}
