/* distributed.h: the data-parallel world of `mpirun -np P shannon train`,
 * behind a small interface so that the rest of the command line compiles
 * the same with or without MPI (distributed.c is the only file that
 * includes mpi.h; built without MPI every rank count is 1).
 *
 * Every function here is collective unless it says otherwise: every rank
 * calls it, in the same order. Failures of MPI itself end the process
 * (MPI's default error handler), which mpirun turns into the end of all
 * ranks. */
#ifndef SHANNON_DISTRIBUTED_H
#define SHANNON_DISTRIBUTED_H

#include <stdbool.h>
#include <stdint.h>

/* Joins the world when launched by mpirun (MPI_Init_thread, funneled: only
 * the main thread calls MPI). 0; -1 after "shannon <command>: ..." when
 * this build has no MPI but the launcher started several ranks (Open MPI's
 * OMPI_COMM_WORLD_SIZE, PMI's PMI_SIZE or PMIx's PMIX_SIZE above 1). */
int dist_start(const char *command);
/* Leaves the world (MPI_Finalize); a no-op without one. */
void dist_end(void);
int dist_rank(void); /* 0 without MPI; not collective */
int dist_size(void); /* 1 without MPI; not collective */
bool dist_built_with_mpi(void); /* not collective */

/* Every rank says whether it failed; returns how many did (0: all went
 * on), the same on every rank. The agreement that keeps one rank's error
 * (an unreadable file, a bad flag) from leaving the others waiting in a
 * collective it will never join. */
int dist_failures(bool failed);
/* dist_failures(true), then status: for a rank that stops before the
 * agreement the others wait in (a bad flag, an unreadable file). */
int dist_stop_early(int status);
/* Ends every rank now with exit status `code` (MPI_Abort): for a failure
 * in the middle of a step, after the failing rank printed why, when the
 * other ranks may already wait in a reduction. Without MPI: exit(code).
 * Not collective. */
_Noreturn void dist_abort(int code);

/* bytes of data from rank 0 to every rank. */
void dist_broadcast(void *data, int64_t bytes);
/* all[r * n + i] = rank r's mine[i]: every rank gets every rank's values,
 * so a sum can be taken in a fixed order (the same bits on every rank and
 * for every rank count). */
void dist_allgather_doubles(const double *mine, int n, double *all);
/* x[i] = the sum over ranks of x[i], in place (MPI_SUM). Exact when at most
 * one rank holds a nonzero x[i] (the per-batch losses of an evaluation
 * split among ranks). */
void dist_sum_doubles(double *x, int n);

/*
 * The gradient arena and its reduction. dist_reducer_new allocates n
 * floats of zeros (64-byte aligned) that dist_reducer_wait sums across
 * ranks in place; the arena is cut at bucket_end[0] < ... <
 * bucket_end[nbuckets-1] == n.
 *
 * Ranks on one node (all of them, MPI_COMM_TYPE_SHARED): the arenas live
 * in one MPI-3 shared-memory window (MPI_Win_allocate_shared), the
 * backward writes straight into it, and after it each rank sums one slice
 * of every rank's arena, in rank order, ((g_0 + g_1) + g_2) + ..., and
 * writes the sum back into all of them: no copy through MPI's transport,
 * and the same bits as one process adding the micro-batches in order.
 * Otherwise (several nodes, or SHANNON_REDUCE=mpi): each bucket is summed
 * by MPI_Iallreduce (MPI_SUM) as soon as it is ready, while the backward
 * computes the rest: dist_reducer_ready says a bucket's gradients are
 * final; buckets start from the last down to the first (the order the
 * backward completes them, one order on every rank, as MPI requires), each
 * once it and all buckets above it are ready. With two ranks every element
 * is a + b either way: bit for bit the sequential sum.
 */
typedef struct dist_reducer dist_reducer;
dist_reducer *dist_reducer_new(int64_t n, int nbuckets, const int64_t *bucket_end);
void dist_reducer_free(dist_reducer *r);
float *dist_reducer_data(dist_reducer *r); /* the arena; not collective */
void dist_reducer_ready(dist_reducer *r, int bucket); /* not collective */
/* Lets MPI move started buckets along (MPI_Testall); cheap, not collective. */
void dist_reducer_progress(dist_reducer *r);
void dist_reducer_wait(dist_reducer *r);
/* Seconds spent inside dist_reducer_wait since the last call (the part of
 * the reduction the backward did not hide). Not collective. */
double dist_reducer_exposed_seconds(dist_reducer *r);

/*
 * ZeRO-1. bound[0] = 0 <= bound[1] <= ... <= bound[P] = n, each a multiple
 * of 16: rank k owns the slice [bound[k], bound[k+1]) of the arena. From
 * then on dist_reducer_wait reduce-scatters: rank k's own arena holds the
 * sum over ranks in its slice only (elsewhere its own gradients stay).
 * On one node each rank sums its slice of every arena in rank order, as
 * the all-reduce does, without writing it back to the others; otherwise
 * MPI_Reduce_scatter after the backward (bucket overlap is the
 * all-reduce's only). Returns 0, or -1 out of memory or with a slice of
 * 2^31 floats or more. bound is copied.
 */
int dist_reducer_shard(dist_reducer *r, const int64_t *bound);
/* The all-gather after the update: values (the n floats of the values
 * arena, on every rank) gets every rank's slice from the rank that owns it
 * (on one node through the window: each rank puts its slice in its own
 * window and reads the others'; otherwise MPI_Allgatherv). */
void dist_reducer_allgather(dist_reducer *r, float *values);
/* Rank 0 gets every rank's `count` floats `mine` at all + (that rank's
 * at); all is read on rank 0 only, and mine may lie at all + at there
 * (MPI_Gatherv, MPI_IN_PLACE). */
void dist_gather_floats(const float *mine, int64_t count, float *all, int64_t at);

#endif
