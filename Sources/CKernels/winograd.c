#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && !defined(CS_BASELINE_ONLY)   // other CPUs: baseline only
#define CS_X86 1
#define TARGET __attribute__((target("avx512f,avx2,fma")))
#define NAME(x) avx512_##x
#define VW 16
#define MR 8
#define NR 32
#include "winograd_impl.h"
#undef TARGET
#undef NAME
#undef VW
#undef MR
#undef NR

#define TARGET __attribute__((target("avx2,fma")))
#define NAME(x) avx2_##x
#define VW 8
#include "winograd_impl.h"
#undef TARGET
#undef NAME
#undef VW

#endif

#define TARGET
#define NAME(x) base_##x
#define VW 8
#include "winograd_impl.h"
#undef TARGET
#undef NAME
#undef VW

static int detect_level(void) {
    int level = 0;
#ifdef CS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = 2;
    if (level == 2 && __builtin_cpu_supports("avx512f")) level = 3;
#endif
    const char *want = getenv("CONVSCOPE_KERNELS");
    if (want) {
        if (strcmp(want, "baseline") == 0) level = 0;
        else if (strcmp(want, "avx2") == 0 && level > 2) level = 2;
    }
    return level;
}

// One k × n matrix into panels of cs_wino_panel_width() columns: [panel][row][column].
static void cs_wino_pack_one(const float *src, int k, int n, float *dst) {
    const int width = cs_wino_panel_width();
    if (width == 0) return;
    for (int panel = 0; panel < n / width; panel++)
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < width; j++) {
                const int col = panel * width + j;
                *dst++ = src[(long)kk * n + col];
            }
}

int cs_kernel_level(void) {
    static int level = -1;
    if (level < 0) level = detect_level();   // a benign race: every thread computes the same value
    return level;
}

const char *cs_kernel_name(void) {
    switch (cs_kernel_level()) {
    case 3: return "avx512";
    case 2: return "avx2";
    default: return "baseline";
    }
}

// AVX2 keeps OpenBLAS for the products: its packed Haswell kernel beat this file's 6×16 block (0.049 s against
// 0.053 s for VGG16's 18 layers, measured with CONVSCOPE_KERNELS=avx2 on an AVX-512 machine).
int cs_wino_panel_width(void) { return cs_kernel_level() == 3 ? 32 : 0; }

void cs_wino_input(const float *x, int h, int w, int c, long t0, long t1, float *v) {
#ifdef CS_X86
    int level = cs_kernel_level();
    if (level == 3 && c % 16 == 0) { avx512_input(x, h, w, c, t0, t1, v); return; }
    if (level >= 2) { avx2_input(x, h, w, c, t0, t1, v); return; }
#endif
    base_input(x, h, w, c, t0, t1, v);
}

void cs_wino_output(const float *m, int h, int w, int c, long t0, long t1, const float *bias, int relu, float *y) {
#ifdef CS_X86
    int level = cs_kernel_level();
    if (level == 3 && c % 16 == 0) { avx512_output(m, h, w, c, t0, t1, bias, relu, y); return; }
    if (level >= 2) { avx2_output(m, h, w, c, t0, t1, bias, relu, y); return; }
#endif
    base_output(m, h, w, c, t0, t1, bias, relu, y);
}

void cs_wino_output_pool(const float *m, int h, int w, int c, long t0, long t1, const float *bias, int relu,
                         float *y) {
#ifdef CS_X86
    int level = cs_kernel_level();
    if (level == 3 && c % 16 == 0) { avx512_output_pool(m, h, w, c, t0, t1, bias, relu, y); return; }
    if (level >= 2) { avx2_output_pool(m, h, w, c, t0, t1, bias, relu, y); return; }
#endif
    base_output_pool(m, h, w, c, t0, t1, bias, relu, y);
}

void cs_pack_panels(const float *b, int k, int n, float *packed) { cs_wino_pack_one(b, k, n, packed); }

void cs_gemm(const float *a, long lda, const float *packed, long m, int k, int n, float *c, long ldc,
             const float *bias, int relu) {
#ifdef CS_X86
    if (cs_kernel_level() == 3) { avx512_gemm_plain(a, lda, packed, m, k, n, c, ldc, bias, relu); return; }
#endif
    abort();   // panels are packed only at the AVX-512 level (cs_wino_panel_width())
}

void cs_wino_gemm(const float *v, const float *packed, long count, int k, int n, int p0, int p1, float *m) {
#ifdef CS_X86
    if (cs_kernel_level() == 3) { avx512_gemm(v, packed, count, k, n, p0, p1, m); return; }
#endif
    abort();   // panels are packed only at the AVX-512 level (cs_wino_panel_width())
}

void cs_wino_output_adjoint(const float *dy, int h, int w, int c, long t0, long t1, float *m) {
#ifdef CS_X86
    int level = cs_kernel_level();
    if (level == 3 && c % 16 == 0) { avx512_output_adjoint(dy, h, w, c, t0, t1, m); return; }
    if (level >= 2) { avx2_output_adjoint(dy, h, w, c, t0, t1, m); return; }
#endif
    base_output_adjoint(dy, h, w, c, t0, t1, m);
}

void cs_wino_input_adjoint(const float *v, int h, int w, int c, long t0, long t1, float *dx) {
#ifdef CS_X86
    int level = cs_kernel_level();
    if (level == 3 && c % 16 == 0) { avx512_input_adjoint(v, h, w, c, t0, t1, dx); return; }
    if (level >= 2) { avx2_input_adjoint(v, h, w, c, t0, t1, dx); return; }
#endif
    base_input_adjoint(v, h, w, c, t0, t1, dx);
}

void cs_wino_pack_transposed(const float *packed, int k, int n, int p0, int p1, float *out) {
    const int width = cs_wino_panel_width();
    if (width == 0) return;
    for (int p = p0; p < p1; p++) {
        const float *src = packed + (long)p * k * n;
        float *dst = out + (long)p * k * n;
        for (int panel = 0; panel < k / width; panel++)
            for (int co = 0; co < n; co++) {
                const float *from = src + (long)(co / width) * k * width + (long)panel * width * width + co % width;
                for (int j = 0; j < width; j++) *dst++ = from[(long)j * width];
            }
    }
}

void cs_wino_gemm_transposed(const float *mbar, const float *packed, long count, int k, int n, int p0, int p1,
                             float *vbar) {
#ifdef CS_X86
    if (cs_kernel_level() == 3) { avx512_gemm_t(mbar, packed, count, k, n, p0, p1, vbar); return; }
#endif
    abort();   // panels are packed only at the AVX-512 level (cs_wino_panel_width())
}
