// The CPU backend's worker threads: one per core besides the caller, which wait for work spinning for a short while
// before they sleep (FOVEA_WORKER_SPIN_US microseconds, default 50; 0 sleeps at once), so a training step's many short
// parallel loops do not each pay a thread's wake-up.
#ifndef FOVEA_WORKERS_H
#define FOVEA_WORKERS_H

/// One iteration of a parallel loop.
typedef void (*fovea_iteration)(void *context, long iteration);

/// Runs iteration(context, i) for every i in 0 ..< iterations, on the workers and the calling thread, and returns 1 once
/// all have returned. Returns 0 without running any when the workers are busy with another caller's loop (another
/// thread's, or an enclosing loop of this one): the caller runs the loop some other way. The first call starts
/// `threads - 1` workers (the caller is the other thread), and that count holds for the process.
int fovea_workers_run(int threads, long iterations, fovea_iteration iteration, void *context);

#endif
