// Winograd F(4×4, 3×3) kernels for ConvEngine, chosen at run time for the CPU they run on (AVX-512, AVX2+FMA, or
// baseline x86-64), never for the machine that built them. Shapes as in ConvEngine's Winograd.swift: x and y are
// NHWC; V and M hold, per tile, 36 rows (the transformed positions p) of C floats.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Σ w·(2i + 1 mod 2³²) mod 2⁶⁴ over the `words` little-endian 32-bit words w at `bytes` (any alignment), i counted
/// from `first_word`: ConvEngine's WireChecksum.words.
uint64_t cs_wire_checksum(const void *bytes, size_t words, uint64_t first_word);

/// The instruction set the kernels use: 3 AVX-512F, 2 AVX2+FMA, 0 baseline. $CONVSCOPE_KERNELS=avx512|avx2|baseline
/// lowers it (never raises it above what the CPU has), to test and time the other paths on one machine.
int cs_kernel_level(void);
/// Its name: "avx512", "avx2" or "baseline".
const char *cs_kernel_name(void);

/// Columns per packed panel of the engine's Winograd GEMM (32, with AVX-512), or 0 where OpenBLAS takes the products.
int cs_wino_panel_width(void);

/// V for tiles [t0, t1) (tile order: image, tile row, tile column) of x (n, h, w, c); c a multiple of 8.
void cs_wino_input(const float *x, int h, int w, int c, long t0, long t1, float *v);

/// y's 4×4 tiles [t0, t1) from M, plus bias (may be NULL), through ReLU when relu != 0; c a multiple of 8.
void cs_wino_output(const float *m, int h, int w, int c, long t0, long t1, const float *bias, int relu, float *y);

/// As cs_wino_output, then 2×2 max pooling with stride 2 into y (n, h/2, w/2, c); h and w even.
void cs_wino_output_pool(const float *m, int h, int w, int c, long t0, long t1, const float *bias, int relu,
                         float *y);

/// M_p (count × n) = V_p (count × k) · U_p for p in [p0, p1), with the 36 kernel matrices U_p (k × n) packed into
/// panels of `cs_wino_panel_width()` columns, packed[p][panel][k][column] (`WinogradKernel.transform` writes them so);
/// rows of V and M are 36·k and 36·n floats apart.
void cs_wino_gemm(const float *v, const float *packed, long count, int k, int n, int p0, int p1, float *m);

/// The adjoint of the forward pass, for ∂L/∂x from ∂L/∂y (no bias or ReLU: the caller took dy past them):
/// M̄ for tiles [t0, t1) of dy (n, h, w, c): M̄ = A Ȳ Aᵀ per tile, laid out as M; c a multiple of 8.
void cs_wino_output_adjoint(const float *dy, int h, int w, int c, long t0, long t1, float *m);

/// V̄_p (count × k) = M̄_p (count × n) · U_pᵀ for p in [p0, p1), U packed (k × n) as cs_wino_gemm reads it; k a multiple of 8;
/// rows of M̄ and V̄ are 36·n and 36·k floats apart. Only where cs_wino_panel_width() is not 0.
void cs_wino_gemm_transposed(const float *mbar, const float *packed, long count, int k, int n, int p0, int p1,
                             float *vbar);

/// U_p packed (k × n) as cs_wino_gemm reads it → U_pᵀ (n × k) packed the same way, for p in [p0, p1): cs_wino_gemm
/// with it (k and n swapped) computes what cs_wino_gemm_transposed does, faster where n is small. k a multiple of the
/// panel width.
void cs_wino_pack_transposed(const float *packed, int k, int n, int p0, int p1, float *out);

/// D̄ = B V̄ Bᵀ for tiles [t0, t1), ADDED into dx (n, h, w, c) at each tile's 6×6 window (one pixel up and left of
/// the tile; what falls in the padding is dropped); c a multiple of 8. Windows of neighbouring tiles overlap by 2:
/// calls that run side by side must take tiles at least one whole tile row apart.
void cs_wino_input_adjoint(const float *v, int h, int w, int c, long t0, long t1, float *dx);

/// B (k × n, row-major) into panels for cs_gemm; n a multiple of cs_wino_panel_width() (which must not be 0).
void cs_pack_panels(const float *b, int k, int n, float *packed);

/// C (m × n, rows ldc apart) = act(A (m × k, rows lda apart) · B + bias) with B packed by cs_pack_panels; bias may be
/// NULL; ReLU when relu != 0. Only where cs_wino_panel_width() is not 0.
void cs_gemm(const float *a, long lda, const float *packed, long m, int k, int n, float *c, long ldc,
             const float *bias, int relu);

#ifdef __cplusplus
}
#endif
#endif
