// One instantiation of the Winograd kernels; included by winograd.c once per instruction set with
// NAME(x), TARGET, VW (floats per vector), and for the GEMM, MR (tile rows) and NR (columns, a multiple of VW).

typedef float NAME(vf) __attribute__((vector_size(VW * 4), aligned(4)));
#define VF NAME(vf)

static inline TARGET VF NAME(load)(const float *p) { return *(const VF *)p; }
static inline TARGET void NAME(store)(float *p, VF v) { *(VF *)p = v; }

// (d0…d5) → Bᵀ d, Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1].
static inline TARGET void NAME(bt)(const VF d[6], VF r[6]) {
    VF a = d[4] - 4 * d[2], b = d[3] - 4 * d[1], c = d[4] - d[2], e = 2 * (d[3] - d[1]);
    r[0] = 4 * d[0] - 5 * d[2] + d[4]; r[1] = a + b; r[2] = a - b; r[3] = c + e; r[4] = c - e;
    r[5] = 4 * d[1] - 5 * d[3] + d[5];
}

// (m0…m5) → Aᵀ m, Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
static inline TARGET void NAME(at)(const VF m[6], VF r[4]) {
    VF s1 = m[1] + m[2], d1 = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
    r[0] = m[0] + s1 + s2; r[1] = d1 + 2 * d2; r[2] = s1 + 4 * s2; r[3] = d1 + 8 * d2 + m[5];
}

static TARGET void NAME(input)(const float *x, int h, int w, int c, long t0, long t1, float *v) {
    const long tilesY = (h + 3) / 4, tilesX = (w + 3) / 4, perImage = tilesY * tilesX;
    const VF zero = {0};
    for (long tile = t0; tile < t1; tile++) {
        const long image = tile / perImage, q = tile % perImage;
        const int y0 = (int)(q / tilesX) * 4 - 1, x0 = (int)(q % tilesX) * 4 - 1;
        const float *base = x + image * (long)h * w * c;
        float *out = v + (tile - t0) * 36L * c;
        int inside[6][6];
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 6; j++)
                inside[r][j] = y0 + r >= 0 && y0 + r < h && x0 + j >= 0 && x0 + j < w;
        for (int ch = 0; ch < c; ch += VW) {
            VF t[36];
            for (int j = 0; j < 6; j++) {
                VF d[6], r[6];
                for (int i = 0; i < 6; i++)
                    d[i] = inside[i][j] ? NAME(load)(base + ((long)(y0 + i) * w + x0 + j) * c + ch) : zero;
                NAME(bt)(d, r);
                for (int i = 0; i < 6; i++) t[6 * i + j] = r[i];
            }
            for (int i = 0; i < 6; i++) {
                VF r[6];
                NAME(bt)(t + 6 * i, r);
                for (int k = 0; k < 6; k++) NAME(store)(out + (6 * i + k) * (long)c + ch, r[k]);
            }
        }
    }
}

static TARGET void NAME(output)(const float *m, int h, int w, int c, long t0, long t1, const float *bias, int relu,
                                float *y) {
    const long tilesY = (h + 3) / 4, tilesX = (w + 3) / 4, perImage = tilesY * tilesX;
    const VF zero = {0};
    for (long tile = t0; tile < t1; tile++) {
        const long image = tile / perImage, q = tile % perImage;
        const int oy = (int)(q / tilesX) * 4, ox = (int)(q % tilesX) * 4;
        const int rows = h - oy < 4 ? h - oy : 4, cols = w - ox < 4 ? w - ox : 4;
        const float *src = m + (tile - t0) * 36L * c;
        float *base = y + image * (long)h * w * c;
        for (int ch = 0; ch < c; ch += VW) {
            VF t[24];
            for (int j = 0; j < 6; j++) {
                VF col[6], r[4];
                for (int i = 0; i < 6; i++) col[i] = NAME(load)(src + (6 * i + j) * (long)c + ch);
                NAME(at)(col, r);
                for (int i = 0; i < 4; i++) t[6 * i + j] = r[i];
            }
            const VF b = bias ? NAME(load)(bias + ch) : zero;
            for (int i = 0; i < rows; i++) {
                VF r[4];
                NAME(at)(t + 6 * i, r);
                float *o = base + ((long)(oy + i) * w + ox) * c + ch;
                for (int k = 0; k < cols; k++) {
                    VF value = r[k] + b;
                    if (relu) value = __builtin_elementwise_max(value, zero);   // maxnum: NaN becomes 0
                    NAME(store)(o + k * (long)c, value);
                }
            }
        }
    }
}

// As NAME(output), then 2×2 max pooling with stride 2: y is (n, h/2, w/2, c), h and w even. ReLU and the maximum
// commute, so the pooled values are those of the unpooled output pooled.
static TARGET void NAME(output_pool)(const float *m, int h, int w, int c, long t0, long t1, const float *bias,
                                     int relu, float *y) {
    const long tilesY = (h + 3) / 4, tilesX = (w + 3) / 4, perImage = tilesY * tilesX;
    const long ph = h / 2, pw = w / 2;
    const VF zero = {0};
    for (long tile = t0; tile < t1; tile++) {
        const long image = tile / perImage, q = tile % perImage;
        const int oy = (int)(q / tilesX) * 4, ox = (int)(q % tilesX) * 4;
        const int rows = h - oy < 4 ? h - oy : 4, cols = w - ox < 4 ? w - ox : 4;
        const float *src = m + (tile - t0) * 36L * c;
        float *base = y + image * ph * pw * c;
        for (int ch = 0; ch < c; ch += VW) {
            VF t[24];
            for (int j = 0; j < 6; j++) {
                VF col[6], r[4];
                for (int i = 0; i < 6; i++) col[i] = NAME(load)(src + (6 * i + j) * (long)c + ch);
                NAME(at)(col, r);
                for (int i = 0; i < 4; i++) t[6 * i + j] = r[i];
            }
            const VF b = bias ? NAME(load)(bias + ch) : zero;
            for (int i = 0; i < rows; i += 2) {
                VF r0[4], r1[4];
                NAME(at)(t + 6 * i, r0);
                NAME(at)(t + 6 * (i + 1), r1);
                float *o = base + ((long)(oy + i) / 2 * pw + ox / 2) * c + ch;
                for (int k = 0; k < cols; k += 2) {
                    VF top = __builtin_elementwise_max(r0[k] + b, r0[k + 1] + b);
                    VF bottom = __builtin_elementwise_max(r1[k] + b, r1[k + 1] + b);
                    VF value = __builtin_elementwise_max(top, bottom);
                    if (relu) value = __builtin_elementwise_max(value, zero);
                    NAME(store)(o + (k / 2) * (long)c, value);
                }
            }
        }
    }
}

#ifdef NR
// One MR × NR block of M_p: rows a[0…MR) of V_p times the packed panel b (k × NR), stored to the first `rows` rows.
static inline TARGET void NAME(block)(const float *const a[MR], const float *b, int k, long rows, float *out,
                                      long ldm) {
    VF acc[MR][NR / VW];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR / VW; j++) acc[i][j] = (VF){0};
    for (int kk = 0; kk < k; kk++) {
        VF bv[NR / VW];
        for (int j = 0; j < NR / VW; j++) bv[j] = NAME(load)(b + (long)kk * NR + j * VW);
        for (int i = 0; i < MR; i++) {
            const float ai = a[i][kk];   // a scalar: the FMA takes it as a broadcast memory operand ({1to16})
            for (int j = 0; j < NR / VW; j++) acc[i][j] += ai * bv[j];
        }
    }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < NR / VW; j++) NAME(store)(out + i * ldm + j * VW, acc[i][j]);
}

// C (m × n) = act(A (m × k, rows lda apart) · B + bias), B packed by cs_pack_panels; ReLU when relu != 0.
static TARGET void NAME(gemm_plain)(const float *a, long lda, const float *packed, long m, int k, int n, float *c,
                                    long ldc, const float *bias, int relu) {
    const VF zero = {0};
    for (int panel = 0; panel < n / NR; panel++) {
        const float *b = packed + (long)panel * k * NR;
        for (long t = 0; t < m; t += MR) {
            const long rows = m - t < MR ? m - t : MR;
            const float *rowp[MR];
            for (int i = 0; i < MR; i++) rowp[i] = a + (t + (i < rows ? i : rows - 1)) * lda;
            float *out = c + t * ldc + panel * NR;
            NAME(block)(rowp, b, k, rows, out, ldc);
            if (!bias && !relu) continue;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < NR / VW; j++) {
                    VF v = NAME(load)(out + i * ldc + j * VW);
                    if (bias) v += NAME(load)(bias + panel * NR + j * VW);
                    if (relu) v = __builtin_elementwise_max(v, zero);
                    NAME(store)(out + i * ldc + j * VW, v);
                }
        }
    }
}

static TARGET void NAME(gemm)(const float *v, const float *packed, long count, int k, int n, int p0, int p1,
                              float *m) {
    const long ldv = 36L * k, ldm = 36L * n;
    for (int p = p0; p < p1; p++) {
        const float *up = packed + (long)p * k * n;
        for (int panel = 0; panel < n / NR; panel++) {
            const float *b = up + (long)panel * k * NR;
            for (long t = 0; t < count; t += MR) {
                const long rows = count - t < MR ? count - t : MR;
                const float *a[MR];
                for (int i = 0; i < MR; i++) a[i] = v + (t + (i < rows ? i : rows - 1)) * ldv + (long)p * k;
                NAME(block)(a, b, k, rows, m + t * ldm + (long)p * n + panel * NR, ldm);
            }
        }
    }
}
#endif

#undef VF
