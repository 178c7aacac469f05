#define _GNU_SOURCE
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

// The loop being run. `open` and the job fields change only under `mutex`, and only while no worker is inside a job
// (`active` 0): a worker copies them under the mutex when it joins, so it never reads a job half written.
static struct {
    pthread_mutex_t mutex;
    pthread_cond_t wake, finished;
    int sleepers;
    atomic_int caller_sleeping;
    fovea_iteration iteration;
    void *context;
    long iterations;
    int open;
    int active;
    atomic_long generation;
    atomic_long next;
    atomic_long done;
    atomic_int busy;
    long spin_ns;
} pool = {.mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .finished = PTHREAD_COND_INITIALIZER};

static pthread_mutex_t start_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int started;
static int worker_count;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

// Claims and runs iterations until none is left; whoever finishes the last one wakes the caller if it sleeps.
static void run_iterations(fovea_iteration iteration, void *context, long iterations) {
    for (;;) {
        long i = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
        if (i >= iterations) return;
        iteration(context, i);
        if (atomic_fetch_add(&pool.done, 1) + 1 == iterations && atomic_load(&pool.caller_sleeping)) {
            pthread_mutex_lock(&pool.mutex);
            pthread_cond_signal(&pool.finished);
            pthread_mutex_unlock(&pool.mutex);
        }
    }
}

static void *worker(void *unused) {
    (void)unused;
    long seen = 0;
    for (;;) {
        // Spin for new work, then sleep until a caller wakes the sleepers.
        long deadline = now_ns() + pool.spin_ns;
        int spins = 0;
        while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen) {
            CPU_RELAX();
            if (++spins % 64 == 0 && now_ns() > deadline) break;
        }
        pthread_mutex_lock(&pool.mutex);
        while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen) {
            pool.sleepers++;
            pthread_cond_wait(&pool.wake, &pool.mutex);
            pool.sleepers--;
        }
        seen = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (!pool.open) {
            pthread_mutex_unlock(&pool.mutex);
            continue;
        }
        fovea_iteration iteration = pool.iteration;
        void *context = pool.context;
        long iterations = pool.iterations;
        pool.active++;
        pthread_mutex_unlock(&pool.mutex);
        run_iterations(iteration, context, iterations);
        pthread_mutex_lock(&pool.mutex);
        pool.active--;
        pthread_mutex_unlock(&pool.mutex);
    }
    return NULL;
}

// The spin time from FOVEA_WORKER_SPIN_US (microseconds), or the default with a one-line warning when it is not a whole
// number from 0 to 1,000,000.
static long spin_nanoseconds(void) {
    const long fallback = 50;
    const char *text = getenv("FOVEA_WORKER_SPIN_US");
    if (text == NULL) return fallback * 1000;
    char *end;
    errno = 0;
    long microseconds = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || microseconds < 0 || microseconds > 1000000) {
        fprintf(
            stderr, "fovea: FOVEA_WORKER_SPIN_US='%s' is not a number of microseconds from 0 to 1000000; using %ld\n",
            text, fallback);
        return fallback * 1000;
    }
    return microseconds * 1000;
}

// Starts `threads - 1` workers, once: the first caller's count (the CPU backend's cores) holds for the process.
static void start_workers(int threads) {
    if (atomic_load_explicit(&started, memory_order_acquire)) return;
    pthread_mutex_lock(&start_mutex);
    if (!atomic_load_explicit(&started, memory_order_relaxed)) {
        pool.spin_ns = spin_nanoseconds();
        for (int i = 1; i < threads; i++) {
            pthread_t thread;
            pthread_attr_t attributes;
            pthread_attr_init(&attributes);
            pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
            if (pthread_create(&thread, &attributes, worker, NULL) == 0) worker_count++;
            pthread_attr_destroy(&attributes);
        }
        atomic_store_explicit(&started, 1, memory_order_release);
    }
    pthread_mutex_unlock(&start_mutex);
}

int fovea_workers_run(int threads, long iterations, fovea_iteration iteration, void *context) {
    start_workers(threads);
    if (worker_count == 0 || atomic_exchange_explicit(&pool.busy, 1, memory_order_acquire)) return 0;
    pthread_mutex_lock(&pool.mutex);
    pool.iteration = iteration;
    pool.context = context;
    pool.iterations = iterations;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    pool.open = 1;
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mutex);

    run_iterations(iteration, context, iterations);
    // The last iterations may still run on workers: spin for a while, then sleep until the last one ends (a worker
    // that another process has taken the core from may not end soon).
    long deadline = now_ns() + pool.spin_ns;
    for (int spins = 1; atomic_load_explicit(&pool.done, memory_order_acquire) < iterations; spins++) {
        CPU_RELAX();
        if (spins % 64 == 0 && now_ns() > deadline) {
            pthread_mutex_lock(&pool.mutex);
            atomic_store(&pool.caller_sleeping, 1);
            while (atomic_load(&pool.done) < iterations) pthread_cond_wait(&pool.finished, &pool.mutex);
            atomic_store(&pool.caller_sleeping, 0);
            pthread_mutex_unlock(&pool.mutex);
        }
    }
    // Close the job once no worker is inside it, so that a late worker skips it rather than reading the next one.
    for (;;) {
        pthread_mutex_lock(&pool.mutex);
        if (pool.active == 0) {
            pool.open = 0;
            pthread_mutex_unlock(&pool.mutex);
            break;
        }
        pthread_mutex_unlock(&pool.mutex);
        CPU_RELAX();
    }
    atomic_store_explicit(&pool.busy, 0, memory_order_release);
    return 1;
}
