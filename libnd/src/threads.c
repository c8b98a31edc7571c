/* The thread pool behind libnd's kernels, and the one thread count that
 * libnd and OpenBLAS share.
 *
 * Why one count: if libnd ran N threads of its own while OpenBLAS ran N
 * more, 2N threads would fight over N cores, and oversubscribed cores make
 * every thread wait for the others. So nd_set_num_threads tells OpenBLAS
 * the same number, and the pool only works between OpenBLAS calls, never
 * during one: they are made from the caller's thread, outside any parallel
 * region. (libnd's own float32 matmul kernel runs on the pool instead.)
 *
 * The pool: N-1 workers plus the calling thread, one job at a time, each
 * job a range [0, n) cut into at most N contiguous pieces, fixed by n and
 * the piece count alone, never by who runs them. Pieces are not assigned
 * to threads: every thread taking part claims the next unclaimed piece from
 * one atomic ticket until none is left. On an idle machine that is one
 * piece per thread; when a worker is not running (another process has its
 * core) it claims nothing and the caller runs its pieces, instead of
 * waiting a time slice for it (issue 14 measured `shannon sample` 148x
 * slower at 2 threads than at 1 next to one busy process, every job
 * waiting for a descheduled worker).
 *
 * Nested calls (a kernel that itself calls nd_parallel_for) and calls from a
 * second user thread while a job runs are executed serially by the caller.
 *
 * Nothing on a job's path takes a lock that a worker could hold while it
 * is preempted: the job is published through atomics (a seqlock-like
 * ticket) and threads sleep on futexes (Linux; elsewhere a condition
 * variable). Workers wait for the next job spinning up to SPIN_MICROSECONDS
 * before they sleep: waking a sleeping thread costs 30-50 us on this
 * (virtual) machine, as much as a whole 1000x1000 add split in two, and a
 * training step is hundreds of such jobs back to back. Their spin yields
 * the core (sched_yield) so that a thread sharing it still runs.
 *
 * The caller, once no piece is left to claim, waits for the pieces other
 * threads hold, spinning only while they make progress: every
 * PROGRESS_CHECK_US it reads the holders' CPU-time clocks, and if they ran
 * less than a quarter of that time, a holder is preempted in the middle of
 * its piece. The caller then sleeps, which frees its core for the holder,
 * and the pool runs the next jobs on the caller alone for a while
 * (BACKOFF_*): on a machine whose other core is taken, a second thread
 * costs more than it brings. A stall soon after the last serial period
 * doubles the next one, a stall long after starts again from the shortest,
 * and clean parallel jobs shorten it. (A wait bounded by a fixed time cannot
 * tell a slow piece from a preempted one; a yielding caller, on a loaded
 * machine, waits behind every runnable process for its core back.) A
 * worker that spins for jobs but keeps missing them (the caller ran every
 * piece) is off its core most of the time, and a run of such jobs counts
 * as a stall too (account_job).
 *
 * The ticket holds the job's generation in its high 32 bits and the next
 * piece in its low 32: a worker claims with a compare-and-swap that also
 * checks the generation, so one that read an old job's fields (or fields
 * being rewritten) can never claim a piece of another job. */
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity */
#include "nd_internal.h"

#include <cblas.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define MAX_THREADS 256
#define SPIN_MICROSECONDS 100
/* How often a waiting caller reads the holders' CPU clocks. */
#define PROGRESS_CHECK_US 40
/* Serial periods after a stall: the first, the longest, and how long
 * parallel jobs must run without a stall to halve the period again (by
 * time, not by job count: a stream of tiny jobs, as in sampling, would
 * otherwise forget a busy core within milliseconds and stall again). */
#define BACKOFF_MIN_US 10000
#define BACKOFF_MAX_US 1000000
#define CLEAN_US_TO_HALVE 1000000
/* A stall within this time of the end of the last serial period doubles
 * the next one (account_job). */
#define STALL_RECURS_US 50000
/* Jobs over which the workers' absences are counted (account_job). */
#define ABSENCE_WINDOW 64

static struct {
    // clang-format off
    pthread_mutex_t lock;         /* guards starting workers and the thread count */
    pthread_mutex_t job_lock;     /* held by the one caller running a job */
    int nthreads;                 /* wanted threads, caller included; 0 = not set yet (atomic) */
    int nworkers;                 /* workers started (atomic) */
    /* The current job: written by the caller between the two ticket stores,
     * read by workers and validated by their claim (all atomic). */
    nd_task_fn fn;
    void *ctx;
    int64_t n;
    int pieces;
    int caller_cpu;               /* where the caller of the current job runs */
    uint32_t generation;          /* bumped per job; workers sleep on it (atomic) */
    uint64_t ticket;              /* generation << 32 | next piece to claim (atomic) */
    uint32_t finished;            /* pieces finished in the current job; the caller sleeps on it */
    int sleeping_workers;         /* workers asleep on `generation` (atomic) */
    int caller_sleeping;          /* the caller sleeps on `finished` (atomic) */
    int holding[MAX_THREADS + 1]; /* worker i runs a piece (atomic) */
    clockid_t clocks[MAX_THREADS + 1];   /* worker i's CPU-time clock */
    bool has_clock[MAX_THREADS + 1];
    /* Degrading on a busy machine (only the job_lock holder touches these). */
    int64_t serial_until_us;      /* run jobs on the caller alone until then */
    int64_t backoff_us;           /* the next serial period */
    int64_t clean_since_us;       /* parallel jobs without a stall since then */
    int awake_jobs;               /* jobs published while every worker spun ... */
    int absent_jobs;              /* ... and of those, the ones the caller ran alone */
    // clang-format on
    pthread_t workers[MAX_THREADS];
#ifndef __linux__
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
#endif
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .job_lock = PTHREAD_MUTEX_INITIALIZER,
#ifndef __linux__
    .wait_lock = PTHREAD_MUTEX_INITIALIZER,
    .wait_cond = PTHREAD_COND_INITIALIZER,
#endif
};

/* True on pool workers, and on a caller while it runs its own pieces: a
 * nested nd_parallel_for then runs serially instead of deadlocking. */
static _Thread_local bool inside_parallel_region;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define LOAD_RELAXED(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE_RELAXED(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Piece i of [0, n) cut into `pieces` parts whose lengths differ by at most
 * one, the longer first. Computed without n * i, which overflows int64 for
 * ranges past 2^63 / pieces (issue 10). */
static void piece_range(int64_t n, int pieces, int i, int64_t *begin, int64_t *end)
{
    int64_t base = n / pieces, extra = n % pieces;
    *begin = i * base + (i < extra ? i : extra);
    *end = *begin + base + (i < extra);
}

static int64_t microseconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Sleeps while *word == expected (returns at once if it differs), and
 * wakes every thread sleeping on word. */
static void sleep_while_equal(uint32_t *word, uint32_t expected)
{
#ifdef __linux__
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    pthread_mutex_lock(&pool.wait_lock);
    if (LOAD(*word) == expected)
        pthread_cond_wait(&pool.wait_cond, &pool.wait_lock);
    pthread_mutex_unlock(&pool.wait_lock);
#endif
}

static void wake_all(uint32_t *word)
{
#ifdef __linux__
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)word;
    pthread_mutex_lock(&pool.wait_lock);
    pthread_cond_broadcast(&pool.wait_cond);
    pthread_mutex_unlock(&pool.wait_lock);
#endif
}

/* One step of a busy wait that keeps the core (see the header). */
static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

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

/* Claims the next piece of job `generation`: its index, or -1 when every
 * piece is taken or the job is over. */
static int claim_piece(uint32_t generation, int pieces)
{
    uint64_t t = LOAD(pool.ticket);
    for (;;) {
        if ((uint32_t)(t >> 32) != generation || (int64_t)(t & 0xffffffffu) >= pieces)
            return -1;
        if (__atomic_compare_exchange_n(&pool.ticket, &t, t + 1, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return (int)(t & 0xffffffffu);
    }
}

/* Thread `id` (0: the caller, 1.. the workers) runs pieces of the job
 * until none is left to claim. The thread that finishes the last piece
 * wakes the caller if it sleeps. */
static int run_pieces(int id, uint32_t generation, nd_task_fn fn, void *ctx, int64_t n, int pieces)
{
    int ran = 0;
    for (int i; (i = claim_piece(generation, pieces)) >= 0; ran++) {
        int64_t begin, end;
        piece_range(n, pieces, i, &begin, &end);
        STORE_RELAXED(pool.holding[id], 1);
        if (begin < end)
            fn(ctx, begin, end);
        /* finished moves first: a waiting caller that sees a holder leave
         * has seen progress too. */
        uint32_t done = __atomic_add_fetch(&pool.finished, 1, __ATOMIC_SEQ_CST);
        STORE_RELAXED(pool.holding[id], 0);
        if (done == (uint32_t)pieces && __atomic_load_n(&pool.caller_sleeping, __ATOMIC_SEQ_CST))
            wake_all(&pool.finished);
    }
    return ran;
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg; /* 1..nworkers; the caller is 0 */
    inside_parallel_region = true;
    uint32_t seen = 0;
    for (;;) {
        int64_t start = microseconds_now();
        while (LOAD(pool.generation) == seen && microseconds_now() - start <= SPIN_MICROSECONDS)
            sched_yield();
        while (LOAD(pool.generation) == seen) {
            __atomic_add_fetch(&pool.sleeping_workers, 1, __ATOMIC_SEQ_CST);
            sleep_while_equal(&pool.generation, seen);
            __atomic_sub_fetch(&pool.sleeping_workers, 1, __ATOMIC_SEQ_CST);
        }
        seen = LOAD(pool.generation);
        /* The fields may already belong to a later job: the claim checks
         * the generation, after this fence orders the reads before it. */
        nd_task_fn fn = LOAD_RELAXED(pool.fn);
        void *ctx = LOAD_RELAXED(pool.ctx);
        int64_t n = LOAD_RELAXED(pool.n);
        int pieces = LOAD_RELAXED(pool.pieces), caller_cpu = LOAD_RELAXED(pool.caller_cpu);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (caller_cpu >= 0 && current_cpu() == caller_cpu)
            move_off_cpu(caller_cpu);
        (void)run_pieces(id, seen, fn, ctx, n, pieces);
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
    int n = LOAD(pool.nthreads);
    if (n > 0)
        return n;
    pthread_mutex_lock(&pool.lock);
    if (pool.nthreads == 0)
        set_count_locked(default_thread_count());
    n = pool.nthreads;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

/* CPU time, in microseconds, that the workers holding a piece have run in
 * total (one whose clock cannot be read counts as always running). */
static int64_t holders_cpu_us(int nworkers, int64_t wall_us)
{
    int64_t total = 0;
    for (int id = 1; id <= nworkers; id++) {
        if (!LOAD_RELAXED(pool.holding[id]))
            continue;
        struct timespec t;
        if (!pool.has_clock[id] || clock_gettime(pool.clocks[id], &t) != 0)
            total += wall_us;
        else
            total += (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
    }
    return total;
}

/* Waits until every piece of the job is finished, spinning while the
 * holders run (see the header), else sleeping. True if it had to sleep: a
 * holder was not running. */
static bool wait_for_pieces(int pieces, int nworkers)
{
    uint32_t finished = LOAD(pool.finished);
    int64_t since = microseconds_now(), cpu = holders_cpu_us(nworkers, since);
    while (finished < (uint32_t)pieces) {
        cpu_relax();
        int64_t now = microseconds_now();
        uint32_t f = LOAD(pool.finished);
        if (f != finished) {
            finished = f;
            since = now;
            cpu = holders_cpu_us(nworkers, now);
            continue;
        }
        if (now - since < PROGRESS_CHECK_US)
            continue;
        int64_t ran = holders_cpu_us(nworkers, now) - cpu;
        if (ran < 0 || ran * 4 >= now - since) { /* running, or the holders changed */
            since = now;
            cpu += ran;
            continue;
        }
        __atomic_store_n(&pool.caller_sleeping, 1, __ATOMIC_SEQ_CST);
        while ((f = __atomic_load_n(&pool.finished, __ATOMIC_SEQ_CST)) < (uint32_t)pieces)
            sleep_while_equal(&pool.finished, f);
        __atomic_store_n(&pool.caller_sleeping, 0, __ATOMIC_SEQ_CST);
        return true;
    }
    return false;
}

/* After a job: a stall starts (or doubles) a serial period; clean jobs
 * shorten the next one. Called with job_lock held. */
static void account_job(bool stalled, bool awake, bool absent)
{
    /* A worker that was spinning (awake, not asleep) when the job was
     * published and still left its piece to the caller (which ran more
     * than one: `absent`) was not running: its
     * core is shared with another process. Jobs then run at serial speed
     * when it is off its core and wait for a thread that runs half the
     * time when it is on, no faster than one thread in all, and they keep
     * the other process off a core. Measured on the baby GPT step: idle,
     * 0.2-0.7% of awake jobs find the worker absent; next to one busy
     * process, 96-97%. A quarter of a window is a stall. */
    if (awake) {
        pool.awake_jobs++;
        pool.absent_jobs += absent;
        if (pool.awake_jobs == ABSENCE_WINDOW) {
            if (pool.absent_jobs * 4 >= ABSENCE_WINDOW)
                stalled = true;
            pool.awake_jobs = pool.absent_jobs = 0;
        }
    }
    if (stalled) {
        /* A stall soon after the last serial period ended: the other core
         * is still taken, so the next period doubles. Long after: a
         * passing hiccup (a burst of another process, the hypervisor
         * taking the vCPU), so it starts again from the shortest, instead
         * of a training run's rare hiccups adding up to seconds of serial
         * jobs (shannon train in bf16 ran half its jobs serial at 2
         * threads, 10-14 stalls in 300 iterations). */
        int64_t now = microseconds_now();
        bool recurring = now - pool.serial_until_us < STALL_RECURS_US;
        int64_t b = recurring ? pool.backoff_us * 2 : BACKOFF_MIN_US;
        pool.backoff_us = b < BACKOFF_MIN_US   ? BACKOFF_MIN_US
                          : b > BACKOFF_MAX_US ? BACKOFF_MAX_US
                                               : b;
        pool.serial_until_us = now + pool.backoff_us;
        pool.clean_since_us = pool.serial_until_us;
    } else if (pool.backoff_us > 0) {
        int64_t now = microseconds_now();
        if (now - pool.clean_since_us >= CLEAN_US_TO_HALVE) {
            pool.backoff_us /= 2;
            if (pool.backoff_us < BACKOFF_MIN_US)
                pool.backoff_us = 0;
            pool.clean_since_us = now;
        }
    }
}

/* Starts workers until `threads` - 1 run; returns how many threads (the
 * caller included) the job can have. */
static int ensure_workers(int threads)
{
    if (LOAD(pool.nworkers) >= threads - 1)
        return threads;
    pthread_mutex_lock(&pool.lock);
    while (pool.nworkers < threads - 1) {
        int id = pool.nworkers + 1;
        if (pthread_create(&pool.workers[id - 1], NULL, worker_main, (void *)(intptr_t)id) != 0)
            break; /* fewer threads than asked: the pieces shrink to fit */
        pool.has_clock[id] = pthread_getcpuclockid(pool.workers[id - 1], &pool.clocks[id]) == 0;
        pthread_detach(pool.workers[id - 1]);
        STORE(pool.nworkers, id);
    }
    int available = pool.nworkers + 1;
    pthread_mutex_unlock(&pool.lock);
    return threads < available ? threads : available;
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
    /* A recent stall: the other cores are busy; run the same pieces here. */
    if (pool.serial_until_us > 0 && microseconds_now() < pool.serial_until_us) {
        pthread_mutex_unlock(&pool.job_lock);
        inside_parallel_region = true;
        for (int i = 0; i < threads; i++) {
            int64_t begin, end;
            piece_range(n, threads, i, &begin, &end);
            if (begin < end)
                fn(ctx, begin, end);
        }
        inside_parallel_region = false;
        return;
    }
    threads = ensure_workers(threads);
    int nworkers = LOAD(pool.nworkers);
    /* Publish: close the old ticket (no claim of any job can succeed while
     * the fields change), write the fields, open the new ticket, then
     * announce the generation. */
    uint32_t old = LOAD_RELAXED(pool.generation), generation = old + 1;
    STORE_RELAXED(pool.ticket, (uint64_t)old << 32 | 0xffffffffu);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    STORE_RELAXED(pool.fn, fn);
    STORE_RELAXED(pool.ctx, ctx);
    STORE_RELAXED(pool.n, n);
    STORE_RELAXED(pool.pieces, threads);
    STORE_RELAXED(pool.caller_cpu, current_cpu());
    STORE_RELAXED(pool.finished, 0);
    STORE(pool.ticket, (uint64_t)generation << 32);
    __atomic_store_n(&pool.generation, generation, __ATOMIC_SEQ_CST);
    bool awake = __atomic_load_n(&pool.sleeping_workers, __ATOMIC_SEQ_CST) == 0;
    if (!awake)
        wake_all(&pool.generation);

    inside_parallel_region = true;
    int mine = run_pieces(0, generation, fn, ctx, n, threads);
    inside_parallel_region = false;
    account_job(wait_for_pieces(threads, nworkers), awake, mine > 1);
    pthread_mutex_unlock(&pool.job_lock);
}
