package apkg

import (
	"database/sql"
	"sync"
)

// rowStream scans a query's rows on another goroutine, in batches, and hands them over in
// order. The package's SQLite is a connection of its own, so reading and decoding its
// rows (a fifth of a 100k-note import) runs on the second core while this goroutine
// writes the collection. The stream owns rows and closes them.
type rowStream[T any] struct {
	ch       chan rowBatch[T]
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	cur      []T
	i        int
	err      error
}

type rowBatch[T any] struct {
	rows []T
	err  error
}

const streamBatch = 512

func streamRows[T any](rows *sql.Rows, scan func(*sql.Rows, *T) error) *rowStream[T] {
	s := &rowStream[T]{ch: make(chan rowBatch[T], 4), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.ch)
		defer rows.Close()
		send := func(b rowBatch[T]) bool {
			select {
			case s.ch <- b:
				return true
			case <-s.stop:
				return false
			}
		}
		batch := make([]T, 0, streamBatch)
		for rows.Next() {
			batch = append(batch, *new(T))
			if err := scan(rows, &batch[len(batch)-1]); err != nil {
				send(rowBatch[T]{rows: batch[:len(batch)-1], err: err})
				return
			}
			if len(batch) == streamBatch {
				if !send(rowBatch[T]{rows: batch}) {
					return
				}
				batch = make([]T, 0, streamBatch)
			}
		}
		send(rowBatch[T]{rows: batch, err: rows.Err()})
	}()
	return s
}

// Next moves to the next row; false at the end or on an error (see Err).
func (s *rowStream[T]) Next() bool {
	for s.i >= len(s.cur) {
		if s.err != nil {
			return false
		}
		b, ok := <-s.ch
		if !ok {
			return false
		}
		s.cur, s.i, s.err = b.rows, 0, b.err
	}
	s.i++
	return true
}

// Row is the current row (valid until the next call to Next).
func (s *rowStream[T]) Row() *T { return &s.cur[s.i-1] }

// Err is the error that ended the stream early, if any.
func (s *rowStream[T]) Err() error { return s.err }

// Close stops the reading goroutine and waits for it (the rows are closed by then).
func (s *rowStream[T]) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}
