package postgres

import (
	"runtime"
	"sync"
)

// parallelMin is the batch size from which JSON work is spread over cores.
const parallelMin = 128

// inParallel calls fn(i) for every i in [0, n), on all cores when n is large.
// Encoding and decoding lead state is the largest share of Go work inside a
// write transaction, and writers hold the writer lock while they do it, so
// it pays to use every core there, even with PostgreSQL on the same machine.
// It returns the error of the lowest i that failed.
func inParallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin+1)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	size := (n + workers - 1) / workers
	for w := range workers {
		wg.Go(func() {
			for i := w * size; i < min(n, (w+1)*size); i++ {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
