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
 *   shared     shannon's own reduction (models/cli/distributed.c, linked
 *              in): an MPI-3 shared-memory window (MPI_Win_allocate_shared)
 *              holds every rank's arena, rank r sums slice r of all of them
 *              in rank order and writes the sum into each, one barrier
 *              before and one after: no copies through MPI's transport.
 *              Only for ranks on one node.
 * The results of the three are checked equal (to the last bit with two
 * ranks).
 */
#include "../models/cli/distributed.h"

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

static void fill(float *g, int64_t n, int rank)
{
    for (int64_t i = 0; i < n; i++)
        g[i] = (float)((i * 2654435761u + (uint64_t)rank * 40503u) % 1000) * 1e-3f - 0.5f;
}

int main(int argc, char **argv)
{
    if (dist_start("bench_allreduce") < 0)
        return 1;
    if (dist_size() == 1)
        MPI_Init(&argc, &argv); /* one rank without a launcher */
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
    int node_size;
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    float *g = malloc((size_t)n * sizeof *g), *first = malloc((size_t)n * sizeof *first);
    dist_reducer *shared = node_size == size ? dist_reducer_new(n, 1, &n) : NULL;
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
            float *x = way == 2 ? dist_reducer_data(shared) : g;
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
                dist_reducer_wait(shared);
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
    dist_reducer_free(shared);
    free(g), free(first), free(t);
    if (dist_size() == 1)
        MPI_Finalize();
    dist_end();
    return 0;
}
