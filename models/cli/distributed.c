/*
 * distributed.c: the MPI calls of data-parallel training (distributed.h
 * says what each does). Compiled with SHANNON_MPI when Meson found Open
 * MPI (-Dmpi=auto|enabled); without it the world is one rank and the
 * collectives are identities, so train.c and finetune.c read the same.
 */
#include "distributed.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The variables a launcher sets in each rank's environment. */
static int launcher_size(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && atoi(v) > 1)
            return atoi(v);
    }
    return 1;
}

int dist_stop_early(int status)
{
    dist_failures(true);
    return status;
}

#ifdef SHANNON_MPI
#include <mpi.h>
#include <time.h>

static int world_rank, world_size = 1;
static bool started;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int dist_start(const char *command)
{
    (void)command;
    /* One process not started by a launcher (or -np 1) needs no MPI: it
     * does not pay MPI_Init's start-up, nor its limits (PMIx's locks). */
    if (started || launcher_size() <= 1)
        return 0;
    int provided;
    /* Funneled: the kernels' thread pool never calls MPI, only the main
     * thread does. */
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    started = true;
    return 0;
}

void dist_end(void)
{
    if (started)
        MPI_Finalize();
    started = false;
}

int dist_rank(void) { return world_rank; }
int dist_size(void) { return world_size; }
bool dist_built_with_mpi(void) { return true; }

int dist_failures(bool failed)
{
    if (world_size == 1)
        return failed;
    int mine = failed, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return all;
}

_Noreturn void dist_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
    if (world_size > 1)
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

void dist_broadcast(void *data, int64_t bytes)
{
    if (world_size == 1)
        return;
    /* MPI counts are int: large blocks go in 1 GiB pieces. */
    for (int64_t at = 0; at < bytes; at += (int64_t)1 << 30) {
        int64_t k = bytes - at < ((int64_t)1 << 30) ? bytes - at : (int64_t)1 << 30;
        MPI_Bcast((char *)data + at, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
}

void dist_allgather_doubles(const double *mine, int n, double *all)
{
    if (world_size == 1) {
        memcpy(all, mine, (size_t)n * sizeof *all);
        return;
    }
    MPI_Allgather(mine, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
}

void dist_sum_doubles(double *x, int n)
{
    if (world_size > 1)
        MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/* Rank order, in cache-sized pieces so each loop is a plain vectorized
 * pass: sum = ((b_0 + b_1) + b_2) + ..., then the sum into every buffer
 * (all-reduce), or into this rank's own only (reduce-scatter, ZeRO-1). */
static void sum_slice(float *const *peer, int size, int64_t lo, int64_t hi, bool scatter)
{
    enum { PIECE = 2048 };
    float sum[PIECE];
    for (int64_t at = lo; at < hi; at += PIECE) {
        int64_t len = hi - at < PIECE ? hi - at : PIECE;
        memcpy(sum, peer[0] + at, (size_t)len * sizeof *sum);
        for (int r = 1; r < size; r++) {
            const float *b = peer[r] + at;
            for (int64_t k = 0; k < len; k++)
                sum[k] += b[k];
        }
        for (int r = scatter ? world_rank : 0; r < (scatter ? world_rank + 1 : size); r++)
            memcpy(peer[r] + at, sum, (size_t)len * sizeof *sum);
    }
}

struct dist_reducer {
    float *data;
    int64_t n;
    int nbuckets;
    int64_t *begin, *end;
    // clang-format off
    MPI_Request *requests;   /* MPI_REQUEST_NULL: not started, or done */
    bool *ready;
    int next;                /* the next bucket to start (descending); -1: all started */
    double exposed;
    /* All ranks on one node: the arenas live in one shared window. */
    bool shared;
    MPI_Comm node;
    MPI_Win win;
    float **peer;            /* every rank's arena */
    /* ZeRO-1 (dist_reducer_shard): rank k owns [bound[k], bound[k+1]). */
    int64_t *bound;
    int *counts;             /* the same, as MPI's int counts */
    int *blocks, *displs;    /* and in blocks of 16 floats (MPI_Allgatherv) */
    float *slice;            /* MPI_Reduce_scatter's result, before it goes into the arena */
    // clang-format on
};

/* Whether every rank of the world shares this rank's node (MPI-3's
 * MPI_COMM_TYPE_SHARED), and not overridden by SHANNON_REDUCE=mpi. */
static bool one_node(MPI_Comm *node)
{
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, node);
    int node_size, all = 0;
    MPI_Comm_size(*node, &node_size);
    const char *env = getenv("SHANNON_REDUCE");
    int mine = node_size == world_size && !(env && strcmp(env, "mpi") == 0);
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

dist_reducer *dist_reducer_new(int64_t n, int nbuckets, const int64_t *bucket_end)
{
    dist_reducer *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->n = n;
    r->nbuckets = nbuckets;
    r->node = MPI_COMM_NULL;
    r->win = MPI_WIN_NULL;
    r->begin = malloc((size_t)nbuckets * sizeof *r->begin);
    r->end = malloc((size_t)nbuckets * sizeof *r->end);
    r->requests = malloc((size_t)nbuckets * sizeof *r->requests);
    r->ready = calloc((size_t)nbuckets, sizeof *r->ready);
    r->next = nbuckets - 1;
    if (!r->begin || !r->end || !r->requests || !r->ready) {
        dist_reducer_free(r);
        return NULL;
    }
    for (int b = 0; b < nbuckets; b++) {
        r->begin[b] = b ? bucket_end[b - 1] : 0;
        r->end[b] = bucket_end[b];
        r->requests[b] = MPI_REQUEST_NULL;
    }
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    if (world_size > 1 && one_node(&r->node)) {
        /* Each rank's segment page-aligned in its own pages (noncontig). */
        MPI_Info info;
        MPI_Info_create(&info);
        MPI_Info_set(info, "alloc_shared_noncontig", "true");
        MPI_Win_allocate_shared((MPI_Aint)bytes, sizeof(float), info, r->node, &r->data, &r->win);
        MPI_Info_free(&info);
        MPI_Win_lock_all(MPI_MODE_NOCHECK, r->win); /* one epoch for the run */
        r->peer = malloc((size_t)world_size * sizeof *r->peer);
        if (!r->peer) {
            dist_reducer_free(r);
            return NULL;
        }
        for (int k = 0; k < world_size; k++) {
            MPI_Aint size;
            int unit;
            MPI_Win_shared_query(r->win, k, &size, &unit, &r->peer[k]);
        }
        r->shared = true;
    } else if (posix_memalign((void **)&r->data, 64, bytes) != 0) {
        r->data = NULL;
        dist_reducer_free(r);
        return NULL;
    }
    memset(r->data, 0, bytes);
    return r;
}

float *dist_reducer_data(dist_reducer *r) { return r->data; }

void dist_reducer_free(dist_reducer *r)
{
    if (!r)
        return;
    if (r->win != MPI_WIN_NULL) {
        MPI_Win_unlock_all(r->win);
        MPI_Win_free(&r->win);
    } else {
        free(r->data);
    }
    if (r->node != MPI_COMM_NULL)
        MPI_Comm_free(&r->node);
    free(r->peer);
    free(r->bound);
    free(r->counts);
    free(r->blocks);
    free(r->displs);
    free(r->slice);
    free(r->begin);
    free(r->end);
    free(r->requests);
    free(r->ready);
    free(r);
}

static void start_bucket(dist_reducer *r, int bucket)
{
    if (world_size == 1 || r->shared || r->bound)
        return;
    /* Buckets are far below 2^31 floats (the arena is cut in pieces). */
    MPI_Iallreduce(MPI_IN_PLACE, r->data + r->begin[bucket],
                   (int)(r->end[bucket] - r->begin[bucket]), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                   &r->requests[bucket]);
}

void dist_reducer_ready(dist_reducer *r, int bucket)
{
    r->ready[bucket] = true;
    /* Collectives on a communicator must start in the same order on every
     * rank: always the last bucket first, down to bucket 0, each as soon
     * as it and every bucket above it are ready. */
    while (r->next >= 0 && r->ready[r->next])
        start_bucket(r, r->next--);
}

void dist_reducer_progress(dist_reducer *r)
{
    if (world_size == 1 || r->shared)
        return;
    int flag;
    MPI_Testall(r->nbuckets, r->requests, &flag, MPI_STATUSES_IGNORE);
}

void dist_reducer_wait(dist_reducer *r)
{
    double start = seconds_now();
    for (int b = 0; b < r->nbuckets; b++)
        dist_reducer_ready(r, b);
    if (r->shared) {
        /* Every rank's gradients are written (sync + barrier make them
         * visible); rank k sums its slice of all arenas in rank order and
         * writes it back into each; once all are done, all arenas hold
         * the sum. Slices are cut at multiples of 16 floats. */
        MPI_Win_sync(r->win);
        MPI_Barrier(r->node);
        int64_t blocks = (r->n + 15) / 16;
        int64_t lo = blocks * world_rank / world_size * 16,
                hi = blocks * (world_rank + 1) / world_size * 16;
        if (r->bound)
            lo = r->bound[world_rank], hi = r->bound[world_rank + 1];
        sum_slice(r->peer, world_size, lo, hi < r->n ? hi : r->n, r->bound != NULL);
        MPI_Win_sync(r->win);
        MPI_Barrier(r->node);
    } else if (world_size > 1 && r->bound) {
        /* After the backward, not overlapped with it: MPI's reduce-scatter
         * wants the whole arena at once. Two ranks add a + b either way. */
        MPI_Reduce_scatter(r->data, r->slice, r->counts, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        memcpy(r->data + r->bound[world_rank], r->slice,
               (size_t)r->counts[world_rank] * sizeof *r->slice);
    } else if (world_size > 1) {
        MPI_Waitall(r->nbuckets, r->requests, MPI_STATUSES_IGNORE);
    }
    memset(r->ready, 0, (size_t)r->nbuckets * sizeof *r->ready);
    r->next = r->nbuckets - 1;
    r->exposed += seconds_now() - start;
}

double dist_reducer_exposed_seconds(dist_reducer *r)
{
    double s = r->exposed;
    r->exposed = 0;
    return s;
}

int dist_reducer_shard(dist_reducer *r, const int64_t *bound)
{
    int64_t most = 0;
    for (int k = 0; k < world_size; k++)
        most = bound[k + 1] - bound[k] > most ? bound[k + 1] - bound[k] : most;
    if (most > INT_MAX)
        return -1; /* MPI's counts are int */
    r->bound = malloc((size_t)(world_size + 1) * sizeof *r->bound);
    r->counts = malloc((size_t)world_size * sizeof *r->counts);
    r->blocks = malloc((size_t)world_size * sizeof *r->blocks);
    r->displs = malloc((size_t)world_size * sizeof *r->displs);
    /* the window path needs no staging buffer */
    r->slice = r->shared ? NULL : malloc((size_t)(most > 0 ? most : 1) * sizeof *r->slice);
    if (!r->bound || !r->counts || !r->blocks || !r->displs || (!r->shared && !r->slice))
        return -1;
    memcpy(r->bound, bound, (size_t)(world_size + 1) * sizeof *bound);
    /* The arena may pass 2^31 floats: the all-gather's displacements go
     * by a datatype of 16 floats (every bound is a multiple of 16). */
    for (int k = 0; k < world_size; k++) {
        r->counts[k] = (int)(bound[k + 1] - bound[k]);
        r->blocks[k] = r->counts[k] / 16;
        r->displs[k] = (int)(bound[k] / 16);
    }
    return 0;
}

void dist_reducer_allgather(dist_reducer *r, float *values)
{
    if (world_size == 1)
        return;
    const int64_t *b = r->bound;
    if (r->shared) {
        /* Each rank puts its slice in its own window (its gradients there
         * are used up), all read the others' slices; the second barrier
         * keeps the next backward from writing a window still being read. */
        memcpy(r->data + b[world_rank], values + b[world_rank],
               (size_t)(b[world_rank + 1] - b[world_rank]) * sizeof *values);
        MPI_Win_sync(r->win);
        MPI_Barrier(r->node);
        for (int k = 0; k < world_size; k++)
            if (k != world_rank)
                memcpy(values + b[k], r->peer[k] + b[k], (size_t)(b[k + 1] - b[k]) * sizeof *values);
        MPI_Win_sync(r->win);
        MPI_Barrier(r->node);
        return;
    }
    MPI_Datatype block;
    MPI_Type_contiguous(16, MPI_FLOAT, &block);
    MPI_Type_commit(&block);
    MPI_Allgatherv(MPI_IN_PLACE, 0, block, values, r->blocks, r->displs, block, MPI_COMM_WORLD);
    MPI_Type_free(&block);
}

void dist_gather_floats(const float *mine, int64_t count, float *all, int64_t at)
{
    if (world_size == 1) {
        if (all + at != mine)
            memmove(all + at, mine, (size_t)count * sizeof *all);
        return;
    }
    int64_t place[2] = {count, at}, *every = malloc((size_t)world_size * sizeof place);
    int *counts = malloc((size_t)world_size * sizeof *counts),
        *displs = malloc((size_t)world_size * sizeof *displs);
    if (!every || !counts || !displs) {
        fprintf(stderr, "shannon: out of memory gathering the optimizer state\n");
        dist_abort(1);
    }
    MPI_Allgather(place, 2, MPI_INT64_T, every, 2, MPI_INT64_T, MPI_COMM_WORLD);
    for (int k = 0; k < world_size; k++) {
        counts[k] = (int)every[2 * k];
        displs[k] = (int)every[2 * k + 1];
    }
    bool in_place = world_rank == 0 && all + at == mine;
    MPI_Gatherv(in_place ? MPI_IN_PLACE : mine, (int)count, MPI_FLOAT, all, counts, displs,
                MPI_FLOAT, 0, MPI_COMM_WORLD);
    free(every);
    free(counts);
    free(displs);
}

#else /* no MPI: one rank */

#include <time.h>

int dist_start(const char *command)
{
    int size = launcher_size();
    if (size > 1) {
        fprintf(stderr,
                "shannon %s: started as one of %d MPI ranks, but this build has no MPI "
                "(configured with -Dmpi=disabled, or without libopenmpi-dev); rebuild with "
                "-Dmpi=enabled to train data-parallel, or run it without mpirun\n",
                command, size);
        return -1;
    }
    return 0;
}

void dist_end(void) {}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
bool dist_built_with_mpi(void) { return false; }
int dist_failures(bool failed) { return failed; }
_Noreturn void dist_abort(int code)
{
    fflush(stdout);
    exit(code);
}
void dist_broadcast(void *data, int64_t bytes) { (void)data, (void)bytes; }
void dist_allgather_doubles(const double *mine, int n, double *all)
{
    memcpy(all, mine, (size_t)n * sizeof *all);
}
void dist_sum_doubles(double *x, int n) { (void)x, (void)n; }

struct dist_reducer {
    float *data;
};

dist_reducer *dist_reducer_new(int64_t n, int nbuckets, const int64_t *bucket_end)
{
    (void)nbuckets, (void)bucket_end;
    dist_reducer *r = calloc(1, sizeof *r);
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    if (!r || posix_memalign((void **)&r->data, 64, bytes) != 0) {
        free(r);
        return NULL;
    }
    memset(r->data, 0, bytes);
    return r;
}
float *dist_reducer_data(dist_reducer *r) { return r->data; }
void dist_reducer_free(dist_reducer *r)
{
    if (r)
        free(r->data);
    free(r);
}

void dist_reducer_ready(dist_reducer *r, int bucket) { (void)r, (void)bucket; }
void dist_reducer_progress(dist_reducer *r) { (void)r; }
void dist_reducer_wait(dist_reducer *r) { (void)r; }
double dist_reducer_exposed_seconds(dist_reducer *r)
{
    (void)r;
    return 0;
}
int dist_reducer_shard(dist_reducer *r, const int64_t *bound)
{
    (void)r, (void)bound;
    return 0;
}
void dist_reducer_allgather(dist_reducer *r, float *values) { (void)r, (void)values; }
void dist_gather_floats(const float *mine, int64_t count, float *all, int64_t at)
{
    if (all + at != mine)
        memmove(all + at, mine, (size_t)count * sizeof *all);
}

#endif
