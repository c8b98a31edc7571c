/*
 * The two attributes of Shannon's hot loops. Self-contained (no libnd type),
 * so that another library of the tree can use the same definitions instead
 * of a copy.
 */
#ifndef ND_VECTORIZE_H
#define ND_VECTORIZE_H

/* Compiles a hot loop for AVX-512, AVX2 and baseline x86-64; the loader
 * picks the best clone for the CPU it runs on (GCC function multiversioning),
 * so one binary vectorizes well everywhere. Not under ASan, whose
 * instrumentation and ifunc resolvers do not mix. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define ND_VECTORIZE __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ND_VECTORIZE
#endif

/* For the loop shapes that take their scalar op as a function pointer
 * (elementwise_loops.inc): inlined into every caller, where the pointer is
 * a constant, so the op inlines too and the loop vectorizes. */
#define ND_ALWAYS_INLINE inline __attribute__((always_inline))

#endif
