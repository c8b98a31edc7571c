/*
 * schedule.c: learning-rate schedules as pure functions of the step.
 *
 * A schedule keeps no state: the rate at step s depends on s and the
 * configuration only, so a run resumed from a checkpoint at step s gets
 * exactly the rates the uninterrupted run would have used.
 */
#include "ag_internal.h"

#include <math.h>

/* torch.optim.lr_scheduler.StepLR's closed form:
 * lr * gamma^(step // step_size) */
double ag_lr_step_decay(int64_t step, double lr, int64_t step_size, double gamma)
{
    if (step_size <= 0 || step < 0) {
        ag_error(ND_ERR_VALUE,
                 "step decay: step_size must be positive and step non-negative "
                 "(got step_size=%lld, step=%lld)",
                 (long long)step_size, (long long)step);
        return NAN;
    }
    return lr * pow(gamma, (double)(step / step_size));
}

/* nanoGPT's get_lr(it): a linear warmup to lr over warmup_iters steps, a
 * cosine from lr down to min_lr until lr_decay_iters, then min_lr. */
double ag_lr_warmup_cosine(int64_t step, double lr, int64_t warmup_iters, int64_t lr_decay_iters,
                           double min_lr)
{
    if (step < 0 || warmup_iters < 0 || lr_decay_iters < 0) {
        ag_error(ND_ERR_VALUE,
                 "warmup cosine: step, warmup_iters and lr_decay_iters must be "
                 "non-negative (got %lld, %lld, %lld)",
                 (long long)step, (long long)warmup_iters, (long long)lr_decay_iters);
        return NAN;
    }
    if (step < warmup_iters)
        return lr * (double)(step + 1) / (double)(warmup_iters + 1);
    if (step > lr_decay_iters)
        return min_lr;
    double span = (double)(lr_decay_iters - warmup_iters);
    double ratio = span > 0 ? (double)(step - warmup_iters) / span : 0.0; /* in [0, 1] */
    double coeff = 0.5 * (1.0 + cos(M_PI * ratio)); /* 1 -> 0 */
    return min_lr + coeff * (lr - min_lr);
}

double ag_lr_at(const ag_lr_schedule *s, int64_t step)
{
    if (!s) {
        ag_error(ND_ERR_VALUE, "lr schedule: the schedule is NULL");
        return NAN;
    }
    switch (s->kind) {
    case AG_LR_CONSTANT:
        return s->lr;
    case AG_LR_STEP:
        return ag_lr_step_decay(step, s->lr, s->step_size, s->gamma);
    case AG_LR_WARMUP_COSINE:
        return ag_lr_warmup_cosine(step, s->lr, s->warmup_iters, s->lr_decay_iters, s->min_lr);
    }
    ag_error(ND_ERR_VALUE, "lr schedule: unknown kind %d", (int)s->kind);
    return NAN;
}
