/*
 * bench_allreduce: the gradient reduction of data-parallel training, alone.
 *
 *   mpirun -np 2 ./build/benchmarks/bench_allreduce [--floats N] [--repeat R]
 *
 * Sums an arena of N float32 (default GPT-2 small's 124,439,808
 * parameters; the baby GPT is about 0.8M) across the ranks, R times, three
 * ways, and prints per way the median time, the bytes of the arena and the
 * effective bandwidth (arena bytes / time: what a step sees):
 *   allreduce  one MPI_Allreduce over the whole arena (Open MPI's choice
 *              of algorithm);
 *   buckets    MPI_Iallreduce per 25 MB bucket, all started, then waited
 *              (what shannon train does after the backward);
 *   shared     an MPI-3 shared-memory window (MPI_Win_allocate_shared):
 *              each rank's gradients sit in the window, rank r sums slice r
 *              of every rank's buffer in rank order and writes the sum into
 *              every rank's buffer, one barrier before and one after: each
 *              byte crosses memory twice, no copies through MPI's
 *              transport. Only for ranks on one node.
 * The results of the three are checked equal (to the last bit with two
 * ranks).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rank order, in cache-sized pieces so each loop is a plain vectorized
 * pass: sum = ((b0 + b1) + b2) + ..., then the sum into every buffer. */
static void shared_slice(float **peer, int size, int64_t lo, int64_t hi)
{
    enum { PIECE = 2048 };
    float sum[PIECE];
    for (int64_t at = lo; at < hi; at += PIECE) {
        int64_t len = hi - at < PIECE ? hi - at : PIECE;
        const float *a = peer[0] + at;
        for (int64_t k = 0; k < len; k++)
            sum[k] = a[k];
        for (int r = 1; r < size; r++) {
            const float *b = peer[r] + at;
            for (int64_t k = 0; k < len; k++)
                sum[k] += b[k];
        }
        for (int r = 0; r < size; r++)
            memcpy(peer[r] + at, sum, (size_t)len * sizeof *sum);
    }
}

static void fill(float *g, int64_t n, int rank)
{
    for (int64_t i = 0; i < n; i++)
        g[i] = (float)((i * 2654435761u + (uint64_t)rank * 40503u) % 1000) * 1e-3f - 0.5f;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int64_t n = 124439808;
    int repeat = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--floats") == 0)
            n = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
    }
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int node_size;
    MPI_Comm_size(node, &node_size);

    float *g = malloc((size_t)n * sizeof *g), *first = malloc((size_t)n * sizeof *first);
    float *base;
    MPI_Win win;
    MPI_Win_allocate_shared((MPI_Aint)(n * (int64_t)sizeof(float)), sizeof(float), MPI_INFO_NULL,
                            node, &base, &win);
    float **peer = malloc((size_t)node_size * sizeof *peer);
    for (int r = 0; r < node_size; r++) {
        MPI_Aint bytes;
        int unit;
        MPI_Win_shared_query(win, r, &bytes, &unit, &peer[r]);
    }
    double *t = malloc((size_t)repeat * sizeof *t);
    const char *names[3] = {"allreduce", "buckets", "shared"};
    const int64_t bucket = 25 * (1 << 20) / 4;
    for (int way = 0; way < 3; way++) {
        if (way == 2 && node_size != size) {
            if (rank == 0)
                printf("shared     (ranks on several nodes: not applicable)\n");
            continue;
        }
        for (int k = 0; k < repeat; k++) {
            float *x = way == 2 ? base : g;
            fill(x, n, rank);
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            if (way == 0) {
                for (int64_t at = 0; at < n; at += 1 << 30)
                    MPI_Allreduce(MPI_IN_PLACE, x + at, (int)(n - at < (1 << 30) ? n - at : 1 << 30),
                                  MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            } else if (way == 1) {
                int nb = (int)((n + bucket - 1) / bucket);
                MPI_Request *req = malloc((size_t)nb * sizeof *req);
                for (int b = nb - 1; b >= 0; b--) {
                    int64_t at = b * bucket, len = n - at < bucket ? n - at : bucket;
                    MPI_Iallreduce(MPI_IN_PLACE, x + at, (int)len, MPI_FLOAT, MPI_SUM,
                                   MPI_COMM_WORLD, &req[b]);
                }
                MPI_Waitall(nb, req, MPI_STATUSES_IGNORE);
                free(req);
            } else {
                /* Everyone's gradients are written (the window's memory
                 * model: a sync and a barrier make them visible). */
                MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
                MPI_Win_sync(win);
                MPI_Barrier(node);
                shared_slice(peer, size, n * rank / size, n * (rank + 1) / size);
                MPI_Win_sync(win);
                MPI_Barrier(node);
                MPI_Win_unlock_all(win);
            }
            t[k] = MPI_Wtime() - start;
            if (k == 0 && way == 0)
                memcpy(first, x, (size_t)n * sizeof *x);
            if (k == 0 && way > 0 && memcmp(first, x, (size_t)n * sizeof *x) != 0 && rank == 0)
                printf("%s: the sum differs from MPI_Allreduce's%s\n", names[way],
                       size == 2 ? " (with two ranks it must not)" : " (reassociated)");
        }
        /* the slowest rank's time counts */
        MPI_Allreduce(MPI_IN_PLACE, t, repeat, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        qsort(t, (size_t)repeat, sizeof *t, compare);
        double median = t[repeat / 2], bytes = (double)n * 4;
        if (rank == 0)
            printf("%-10s ranks=%d floats=%lld bytes=%.0f median_s=%.4f effective_GB_s=%.2f\n",
                   names[way], size, (long long)n, bytes, median, bytes / median / 1e9);
    }
    MPI_Win_free(&win);
    MPI_Comm_free(&node);
    free(g), free(first), free(peer), free(t);
    MPI_Finalize();
    return 0;
}
