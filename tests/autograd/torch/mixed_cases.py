"""Cases for bf16 mixed precision against PyTorch 1.13's bfloat16 on CPU.

Our ops take float32 tensors, cast them with ag_to_dtype and run bf16
products with float32 sums; torch does the same with .bfloat16() and its
bf16 matmul (float32 sums, the result rounded to bf16), then .float(). The
gradients flow back through both casts: dL/dy rounded to bf16 for the
gemms, each gradient rounded once to bf16 and widened to float32.

Tolerances:
  casts: exact (rtol = atol = 0): both round to nearest even.
  products: rtol 2^-7, atol 1e-5. torch rounds its forward output to bf16
    (ours stays float32: at most 2^-8 relative apart); the gradients are
    rounded to bf16 by both, but from float32 sums in different orders,
    so a value near a rounding boundary may land one bf16 ulp (<= 2^-7
    relative) apart. atol covers float32 summation error where a sum
    nearly cancels. With a bias, torch's rounding of the product before
    the (float32) bias is added is absolute: atol 2^-8 max|x W^T| more.

Shapes: torch 1.13 sends some bf16 products to a CPU kernel that rounds
partial sums to bf16 (measured against float64: 45 bf16 ulps for
(8,16)x(16,12) and (24,40)@(40,), 1.2 ulps for a dot of 40, 190+ ulps for the gradients of a
(4,1,24,40)@(3,40,16) broadcast), so these cases use shapes where torch's
own error is within half an ulp; test_mixed.c checks the other shapes
against float64.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torchcases import Cases

cases = Cases(sys.argv[1])
rng = np.random.default_rng(14)
bf = torch.bfloat16


def r(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


exact = dict(rtol=0.0, atol=0.0)
product = dict(rtol=2.0 ** -7, atol=1e-5)

# casts: float32 -> bf16 -> float32 and float64 -> float32 / bf16 -> float64
for shape, scale in [((7,), 1.0), ((3, 4), 1e3), ((2, 3, 5), 1e-3), ((), 2.0)]:
    x = r(*shape, scale=scale)
    cases.add('to_bf16_and_back', [x], lambda t: t[0].to(bf).to(torch.float32), **exact)
    x64 = x.astype(np.float64) * (1 + 1e-9)
    cases.add('to_f32_and_back', [x64], lambda t: t[0].to(torch.float32).to(torch.float64),
              **exact)
    cases.add('to_bf16_and_back', [x64], lambda t: t[0].to(bf).to(torch.float64), **exact)
# ties and specials: x.bfloat16() rounds to nearest even, NaN stays NaN
ties = np.array([1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, -(1 + 2.0 ** -8), np.float32(3.4028234e38),
                 np.inf, np.nan, -0.0, 2.0 ** -130], dtype=np.float32)
cases.add('to_bf16_and_back', [ties], lambda t: t[0].to(bf).to(torch.float32), grad=False,
          **exact)

# linear: F.linear(x16, W16) in float32 plus a float32 bias
for xs, out, bias in [((8, 48), 24, False), ((2, 5, 64), 24, True), ((33, 96), 70, False),
                      ((64, 256), 96, True), ((16, 768), 64, False)]:
    k = xs[-1]
    x, w, b = r(*xs), r(out, k, scale=k ** -0.5), r(out)
    if bias:
        rounding = 2.0 ** -8 * np.abs(x @ w.T).max()
        cases.add('linear_bf16', [x, w, b],
                  lambda t: F.linear(t[0].to(bf), t[1].to(bf)).float() + t[2],
                  rtol=product['rtol'], atol=product['atol'] + rounding)
    else:
        cases.add('linear_bf16', [x, w], lambda t: F.linear(t[0].to(bf), t[1].to(bf)).float(),
                  **product)
        # the weight's bf16 copy given (an optimizer's, ag_to_dtype_from): the same cast
        cases.add('linear_bf16_copy', [x, w],
                  lambda t: F.linear(t[0].to(bf), t[1].to(bf)).float(), **product)

# linear stored as bf16 (ag_linear_to): torch's bf16 F.linear, its float32 bias, then
# the cast. torch rounds the product before the bias and the sum after it (ours once):
# the linear_bf16 tolerances with a bias, the final rounding inside rtol's one ulp.
for xs, out, bias in [((8, 48), 24, False), ((2, 5, 64), 24, True), ((64, 128), 96, True)]:
    k = xs[-1]
    x, w, b = r(*xs), r(out, k, scale=k ** -0.5), r(out)
    rounding = 2.0 ** -8 * np.abs(x @ w.T).max()
    if bias:
        cases.add('linear_to_bf16', [x, w, b],
                  lambda t: (F.linear(t[0].to(bf), t[1].to(bf)).float() + t[2]).to(bf).float(),
                  rtol=product['rtol'], atol=product['atol'] + rounding)
    else:
        cases.add('linear_to_bf16', [x, w],
                  lambda t: F.linear(t[0].to(bf), t[1].to(bf)).float().to(bf).float(), **product)

# matmul: plain shapes, 1-D operands, batches (equal, and one broadcast
# that torch folds into rows)
for sa, sb in [((24, 40), (40, 16)), ((40,), (40, 128)), ((64, 128), (128,)),
               ((3, 24, 40), (3, 40, 16)), ((64, 128), (128, 48)), ((2, 3, 24, 40), (40, 16)),
               ((24, 40), (4, 40, 16))]:
    a, b = r(*sa), r(*sb, scale=sb[-2 if len(sb) > 1 else 0] ** -0.5)
    cases.add('matmul_bf16', [a, b], lambda t: (t[0].to(bf) @ t[1].to(bf)).float(), **product)

# GELU (tanh) stored as bf16 (ag_gelu_to): torch's float32 GELU, then the cast. Our
# float32 tanh is within an ulp of torch's, so a value at a bf16 rounding boundary may
# land one bf16 ulp away (rtol 2^-7); the gradient is dL/dy rounded to bf16 (torch's
# cast backward rounds it the same way) times GELU's float32 derivative, which near
# tanh = -1 (x ~ -10) is 1e-20 in torch and a few 1e-6 here (1 - t^2 of one ulp of t,
# as layers_cases.py's float32 GELU): atol 1e-5.
for shape, scale in [((6, 40), 1.0), ((3, 5, 16), 4.0), ((64,), 0.1)]:
    cases.add('gelu_to_bf16', [r(*shape, scale=scale)],
              lambda t: F.gelu(t[0], approximate='tanh').to(bf).float(), rtol=2.0 ** -7, atol=1e-5)
# ... and of a bf16 input (ag_linear_to's output): GELU of its float32 widening, dL/dx
# rounded to bf16 by the input's cast in both
for shape, scale in [((6, 40), 1.0), ((3, 5, 16), 4.0)]:
    cases.add('gelu_bf16_to_bf16', [r(*shape, scale=scale)],
              lambda t: F.gelu(t[0].to(bf).float(), approximate='tanh').to(bf).float(),
              rtol=2.0 ** -7, atol=1e-5)

# LayerNorm stored as bf16 (ag_layer_norm_to): torch's float32 layer norm, then the cast;
# a value at a bf16 rounding boundary may land one bf16 ulp away (rtol 2^-7).
for shape in [(6, 40), (2, 5, 16)]:
    c = shape[-1]
    cases.add('layer_norm_to_bf16', [r(*shape, scale=3.0) + 1.5, r(c) + 1, r(c)],
              lambda t: F.layer_norm(t[0], (t[0].shape[-1],), t[1], t[2], 1e-5).to(bf).float(),
              rtol=2.0 ** -7, atol=1e-5)
cases.save()
