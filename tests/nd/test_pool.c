/* libnd's thread pool (threads.c): pieces fixed by the range and the
 * thread count alone, every index run once whoever runs it, a job that
 * finishes while one piece's thread is held up (a piece that sleeps stands
 * in for a worker whose core another process took), many jobs back to back
 * with and without such stalls, two user threads at once, and ranges near
 * INT64_MAX (issue 10: the piece bounds overflowed). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

typedef struct piece_log {
    pthread_mutex_t lock;
    int64_t ranges[16][2];
    int count;
    int sleep_piece_begin; /* the piece starting here sleeps (-1: none) */
    int sleep_us;
    int *visits; /* per index, for small ranges */
} piece_log;

static void log_piece(void *ctx, int64_t begin, int64_t end)
{
    piece_log *log = ctx;
    if (begin == log->sleep_piece_begin)
        usleep((useconds_t)log->sleep_us);
    if (log->visits)
        for (int64_t i = begin; i < end; i++)
            __atomic_add_fetch(&log->visits[i], 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&log->lock);
    if (log->count < 16) {
        log->ranges[log->count][0] = begin;
        log->ranges[log->count][1] = end;
    }
    log->count++;
    pthread_mutex_unlock(&log->lock);
}

/* Sorts the logged ranges by begin and asserts they tile [0, n) in
 * `pieces` parts whose lengths differ by at most one. */
static void assert_tiles(piece_log *log, int64_t n, int pieces)
{
    ck_assert_int_eq(log->count, pieces);
    for (int i = 0; i < pieces; i++)
        for (int j = i + 1; j < pieces; j++)
            if (log->ranges[j][0] < log->ranges[i][0]) {
                int64_t t0 = log->ranges[i][0], t1 = log->ranges[i][1];
                memcpy(log->ranges[i], log->ranges[j], sizeof log->ranges[i]);
                log->ranges[j][0] = t0, log->ranges[j][1] = t1;
            }
    int64_t at = 0, shortest = INT64_MAX, longest = 0;
    for (int i = 0; i < pieces; i++) {
        ck_assert_int_eq(log->ranges[i][0], at);
        int64_t len = log->ranges[i][1] - log->ranges[i][0];
        shortest = len < shortest ? len : shortest;
        longest = len > longest ? len : longest;
        at = log->ranges[i][1];
    }
    ck_assert_int_eq(at, n);
    ck_assert_int_le(longest - shortest, 1);
}

START_TEST(pool_huge_ranges_do_not_overflow)
{
    ck_assert_int_eq(nd_set_num_threads(2), 0);
    const int64_t sizes[] = {INT64_MAX, INT64_MAX - 1, ((int64_t)1 << 62) + 3};
    for (int i = 0; i < 3; i++) {
        piece_log log = {.lock = PTHREAD_MUTEX_INITIALIZER, .sleep_piece_begin = -1};
        nd_parallel_for(sizes[i], 1, log_piece, &log);
        assert_tiles(&log, sizes[i], 2);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

/* One piece sleeps 30 ms (its thread is "descheduled"): the job still runs
 * every index once, in the same pieces, whichever thread got which. */
START_TEST(pool_job_with_a_held_up_piece)
{
    ck_assert_int_eq(nd_set_num_threads(2), 0);
    for (int round = 0; round < 6; round++) {
        int visits[1001] = {0};
        piece_log log = {.lock = PTHREAD_MUTEX_INITIALIZER,
                         .visits = visits,
                         .sleep_us = 30000,
                         .sleep_piece_begin = round % 2 ? 0 : 501};
        nd_parallel_for(1001, 1, log_piece, &log);
        for (int i = 0; i < 1001; i++)
            ck_assert_int_eq(visits[i], 1);
        assert_tiles(&log, 1001, 2);
        ck_assert_int_eq(log.ranges[0][1], 501); /* pieces [0, 501) and [501, 1001) */
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

typedef struct stream {
    int jobs, failures, stall_every;
} stream;

/* Jobs of 1..300 indices back to back, every stall_every-th with a piece
 * that sleeps 2 ms, each checked for exactly-once coverage. */
static void *run_stream(void *arg)
{
    stream *s = arg;
    int visits[300];
    for (int job = 0; job < s->jobs; job++) {
        int64_t n = 1 + job % 300;
        memset(visits, 0, sizeof visits);
        piece_log log = {.lock = PTHREAD_MUTEX_INITIALIZER,
                         .visits = visits,
                         .sleep_us = 2000,
                         .sleep_piece_begin = s->stall_every && job % s->stall_every == 0 ? 0 : -1};
        nd_parallel_for(n, 1 + job % 3, log_piece, &log);
        for (int64_t i = 0; i < n; i++)
            s->failures += visits[i] != 1;
    }
    return NULL;
}

START_TEST(pool_back_to_back_jobs_with_stalls)
{
    ck_assert_int_eq(nd_set_num_threads(2), 0);
    stream quiet = {4000, 0, 0}, stalling = {600, 0, 7};
    run_stream(&quiet);
    run_stream(&stalling);
    run_stream(&quiet); /* after the stalls: the pool is back, or serial, but correct */
    ck_assert_int_eq(quiet.failures + stalling.failures, 0);
    /* Two user threads at once, one of them stalling. */
    stream a = {2000, 0, 0}, b = {400, 0, 5};
    pthread_t other;
    ck_assert_int_eq(pthread_create(&other, NULL, run_stream, &b), 0);
    run_stream(&a);
    pthread_join(other, NULL);
    ck_assert_int_eq(a.failures + b.failures, 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

/* Results that depend on the split, combined by piece index, are the same
 * at 1 and 2 threads and with a stall: a float sum per piece of a fixed
 * piece count (what reduce.c and optim.c do). */
typedef struct partial_sums {
    const float *x;
    int64_t per_piece;
    float sums[8];
    int stall_piece;
} partial_sums;

static void sum_piece(void *ctx, int64_t begin, int64_t end)
{
    partial_sums *p = ctx;
    for (int64_t piece = begin; piece < end; piece++) {
        if (piece == p->stall_piece)
            usleep(5000);
        float s = 0;
        for (int64_t i = piece * p->per_piece; i < (piece + 1) * p->per_piece; i++)
            s += p->x[i];
        p->sums[piece] = s;
    }
}

START_TEST(pool_results_independent_of_who_runs_a_piece)
{
    enum { N = 8 * 10000 };
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++)
        x[i] = 1.0f / (float)(1 + i % 977);
    float totals[3];
    for (int run = 0; run < 3; run++) {
        ck_assert_int_eq(nd_set_num_threads(run == 0 ? 1 : 2), 0);
        partial_sums p = {x, N / 8, {0}, run == 2 ? 3 : -1};
        nd_parallel_for(8, 1, sum_piece, &p);
        float total = 0;
        for (int i = 0; i < 8; i++)
            total += p.sums[i];
        totals[run] = total;
    }
    ck_assert(memcmp(&totals[0], &totals[1], sizeof(float)) == 0);
    ck_assert(memcmp(&totals[0], &totals[2], sizeof(float)) == 0);
    free(x);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pool_huge_ranges_do_not_overflow);
    tcase_add_test(tc, pool_job_with_a_held_up_piece);
    tcase_add_test(tc, pool_back_to_back_jobs_with_stalls);
    tcase_add_test(tc, pool_results_independent_of_who_runs_a_piece);
    suite_add_tcase(s, tc);
    return s;
}
