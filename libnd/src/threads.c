/* The thread pool behind libnd's kernels, and the one thread count that
 * libnd and OpenBLAS share.
 *
 * Why one count: this machine has two cores. If libnd ran two threads of its
 * own while OpenBLAS ran two more, four threads would fight over two cores
 * (PyTorch here trains a small GPT 2.4x slower with 2 threads than with 1
 * for that reason). So nd_set_num_threads tells OpenBLAS the same number,
 * and the pool only works between OpenBLAS calls, never during one: they
 * are made from the caller's thread, outside any parallel region. (libnd's
 * own float32 matmul kernel runs on the pool instead.)
 *
 * The pool is deliberately simple: N-1 workers plus the calling thread, one
 * job at a time, each job a range [0, n) cut into N contiguous pieces. Nested
 * calls (a kernel that itself calls nd_parallel_for) and calls from a second
 * user thread while a job runs are executed serially by the caller.
 *
 * Waiting spins for up to SPIN_MICROSECONDS before it sleeps on a condition
 * variable: a worker for the next job, the caller for the workers to finish.
 * Waking a sleeping thread costs 30-50 us on this (virtual) machine, as much
 * as a whole 1000x1000 add split in two (it took 105 us at 2 threads against
 * 77 at one; 43 with the spin); a training step is hundreds of such jobs
 * back to back. The spin calls sched_yield, not a pause instruction, so a
 * thread that shares the core (OpenBLAS's workers spin the same way after
 * each BLAS call) still gets to run. `generation` and `pending` are read
 * without the lock while spinning, so every access to them is atomic. */
#define _GNU_SOURCE   /* sched_getcpu, sched_setaffinity */
#include "internal.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256

static struct {
    pthread_mutex_t lock;         /* guards everything below */
    pthread_cond_t work_ready;    /* workers wait here for a new generation */
    pthread_cond_t work_done;     /* the caller waits here for `pending` == 0 */
    pthread_mutex_t job_lock;     /* held by the one caller running a job */
    int nthreads;                 /* wanted threads, caller included; 0 = not set yet */
    int nworkers;                 /* workers started */
    uint64_t generation;          /* bumped per job */
    int pending;                  /* workers still running the job */
    nd_task_fn fn;
    void *ctx;
    int64_t n;
    int pieces;                   /* threads taking part in the current job */
    int caller_cpu;               /* where the caller of the current job runs */
    pthread_t workers[MAX_THREADS];
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work_ready = PTHREAD_COND_INITIALIZER,
    .work_done = PTHREAD_COND_INITIALIZER,
    .job_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* True on pool workers, and on a caller while it runs its own piece: a
 * nested nd_parallel_for then runs serially instead of deadlocking. */
static _Thread_local bool inside_parallel_region;

/* Piece i of [0, n) cut into `pieces` nearly equal parts. */
static void piece_range(int64_t n, int pieces, int i, int64_t *begin, int64_t *end)
{
    *begin = n * i / pieces;
    *end = n * (i + 1) / pieces;
}

#define SPIN_MICROSECONDS 100

static uint64_t load_generation(void) { return __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE); }
static int load_pending(void) { return __atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE); }

static int64_t microseconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Spins until done(arg) is true or SPIN_MICROSECONDS pass; the caller then
 * takes the lock and sleeps if it still must wait. */
static void spin_until(bool (*done)(uint64_t), uint64_t arg)
{
    int64_t start = microseconds_now();
    while (!done(arg) && microseconds_now() - start <= SPIN_MICROSECONDS)
        sched_yield();
}

static bool generation_moved(uint64_t seen) { return load_generation() != seen; }
static bool nothing_pending(uint64_t unused) { return (void)unused, load_pending() == 0; }

/* The CPU the calling thread runs on, or -1 where that cannot be asked. */
static int current_cpu(void)
{
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

/* Moves the calling thread off `cpu` where its affinity allows another:
 * narrowing the mask migrates it at once, and the mask is then restored.
 * Needed because spinning threads are never idle: a worker that ends up on
 * its caller's CPU would take turns with it for the whole run (the
 * scheduler does not move a thread that ran a moment ago), and a 2-thread
 * job would take as long as a 1-thread one. */
static void move_off_cpu(int cpu)
{
#ifdef __linux__
    cpu_set_t allowed, others;
    if (cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    others = allowed;
    CPU_CLR(cpu, &others);
    if (CPU_COUNT(&others) > 0 && sched_setaffinity(0, sizeof others, &others) == 0)
        sched_setaffinity(0, sizeof allowed, &allowed);
#else
    (void)cpu;
#endif
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg;   /* 1..nworkers; the caller is piece 0 */
    inside_parallel_region = true;
    uint64_t seen = 0;
    for (;;) {
        spin_until(generation_moved, seen);
        pthread_mutex_lock(&pool.lock);
        while (load_generation() == seen)
            pthread_cond_wait(&pool.work_ready, &pool.lock);
        seen = load_generation();
        if (id >= pool.pieces) {   /* this job uses fewer threads */
            pthread_mutex_unlock(&pool.lock);
            continue;
        }
        nd_task_fn fn = pool.fn;
        void *ctx = pool.ctx;
        int64_t begin, end;
        piece_range(pool.n, pool.pieces, id, &begin, &end);
        int caller_cpu = pool.caller_cpu;
        pthread_mutex_unlock(&pool.lock);
        if (caller_cpu >= 0 && current_cpu() == caller_cpu)
            move_off_cpu(caller_cpu);
        if (begin < end)
            fn(ctx, begin, end);
        pthread_mutex_lock(&pool.lock);
        if (__atomic_sub_fetch(&pool.pending, 1, __ATOMIC_ACQ_REL) == 0)
            pthread_cond_signal(&pool.work_done);
        pthread_mutex_unlock(&pool.lock);
    }
    return NULL;
}

static int default_thread_count(void)
{
    const char *env = getenv("ND_NUM_THREADS");
    if (env && atoi(env) > 0)
        return atoi(env);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)cpus : 1;
}

/* Called with pool.lock held. */
static void set_count_locked(int n)
{
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    pool.nthreads = n;
    openblas_set_num_threads(n);
}

int nd_set_num_threads(int n)
{
    if (n < 0)
        return nd_set_error(ND_ERR_VALUE, "number of threads must be >= 0, got %d", n);
    pthread_mutex_lock(&pool.lock);
    set_count_locked(n == 0 ? default_thread_count() : n);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

int nd_get_num_threads(void)
{
    pthread_mutex_lock(&pool.lock);
    if (pool.nthreads == 0)
        set_count_locked(default_thread_count());
    int n = pool.nthreads;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

void nd_parallel_for(int64_t n, int64_t min_per_thread, nd_task_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    int threads = inside_parallel_region ? 1 : nd_get_num_threads();
    if (min_per_thread < 1)
        min_per_thread = 1;
    if (threads > n / min_per_thread)
        threads = (int)(n / min_per_thread);
    /* Another user thread owns the pool: do the work here rather than wait. */
    if (threads <= 1 || pthread_mutex_trylock(&pool.job_lock) != 0) {
        fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    while (pool.nworkers < threads - 1) {
        int id = pool.nworkers + 1;
        if (pthread_create(&pool.workers[id - 1], NULL, worker_main, (void *)(intptr_t)id) != 0)
            break;   /* fewer threads than asked: the pieces shrink to fit */
        pthread_detach(pool.workers[id - 1]);
        pool.nworkers++;
    }
    if (threads > pool.nworkers + 1)
        threads = pool.nworkers + 1;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.pieces = threads;
    pool.caller_cpu = current_cpu();
    __atomic_store_n(&pool.pending, threads - 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&pool.generation, 1, __ATOMIC_ACQ_REL);
    pthread_cond_broadcast(&pool.work_ready);
    pthread_mutex_unlock(&pool.lock);

    int64_t begin, end;
    piece_range(n, threads, 0, &begin, &end);
    inside_parallel_region = true;
    fn(ctx, begin, end);
    inside_parallel_region = false;

    spin_until(nothing_pending, 0);
    pthread_mutex_lock(&pool.lock);
    while (load_pending() > 0)
        pthread_cond_wait(&pool.work_done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.job_lock);
}
