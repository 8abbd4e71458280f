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

// (v0…v5) → B v, the adjoint of NAME(bt): B v = (4v0, −4(v1−v2) − 2(v3−v4) + 4v5, −5v0 − 4(v1+v2) − (v3+v4),
// (v1−v2) + 2(v3−v4) − 5v5, v0 + (v1+v2) + (v3+v4), v5).
static inline TARGET void NAME(b)(const VF v[6], VF r[6]) {
    VF s12 = v[1] + v[2], d12 = v[1] - v[2], s34 = v[3] + v[4], d34 = v[3] - v[4];
    r[0] = 4 * v[0]; r[1] = 4 * (v[5] - d12) - 2 * d34; r[2] = -5 * v[0] - 4 * s12 - s34;
    r[3] = d12 + 2 * d34 - 5 * v[5]; r[4] = v[0] + s12 + s34; r[5] = v[5];
}

// (r0…r3) → A r, the adjoint of NAME(at): (r0, r0+r1+r2+r3, r0−r1+r2−r3, r0+2r1+4r2+8r3, r0−2r1+4r2−8r3, r3).
static inline TARGET void NAME(a)(const VF r[4], VF m[6]) {
    VF e = r[0] + r[2], o = r[1] + r[3], e4 = r[0] + 4 * r[2], o2 = 2 * r[1] + 8 * r[3];
    m[0] = r[0]; m[1] = e + o; m[2] = e - o; m[3] = e4 + o2; m[4] = e4 - o2; m[5] = r[3];
}

// The adjoint of NAME(output) without bias and ReLU: M̄ = A Ȳ Aᵀ for tiles [t0, t1) of the gradient dy (n, h, w, c),
// the parts of a tile beyond the map taken as 0.
static TARGET void NAME(output_adjoint)(const float *dy, int h, int w, int c, long t0, long t1, float *m) {
    const long tilesY = (h + 3) / 4, tilesX = (w + 3) / 4, perImage = tilesY * tilesX;
    const VF zero = {0};
    for (long tile = t0; tile < t1; tile++) {
        const long image = tile / perImage, q = tile % perImage;
        const int oy = (int)(q / tilesX) * 4, ox = (int)(q % tilesX) * 4;
        const int rows = h - oy < 4 ? h - oy : 4, cols = w - ox < 4 ? w - ox : 4;
        const float *base = dy + image * (long)h * w * c;
        float *out = m + (tile - t0) * 36L * c;
        for (int ch = 0; ch < c; ch += VW) {
            VF t[36];   // t[6i + k] (k < 4): (A Ȳ)[i][k]
            for (int k = 0; k < 4; k++) {
                VF col[4], r[6];
                for (int i = 0; i < 4; i++)
                    col[i] = i < rows && k < cols ? NAME(load)(base + ((long)(oy + i) * w + ox + k) * c + ch) : zero;
                NAME(a)(col, r);
                for (int i = 0; i < 6; i++) t[6 * i + k] = r[i];
            }
            for (int i = 0; i < 6; i++) {
                VF r[6];
                NAME(a)(t + 6 * i, r);
                for (int j = 0; j < 6; j++) NAME(store)(out + (6 * i + j) * (long)c + ch, r[j]);
            }
        }
    }
}

// The adjoint of NAME(input): D̄ = B V̄ Bᵀ for tiles [t0, t1), added into dx (n, h, w, c) at each tile's 6×6 window,
// the parts in the padding dropped.
static TARGET void NAME(input_adjoint)(const float *v, int h, int w, int c, long t0, long t1, float *dx) {
    const long tilesY = (h + 3) / 4, tilesX = (w + 3) / 4, perImage = tilesY * tilesX;
    for (long tile = t0; tile < t1; tile++) {
        const long image = tile / perImage, q = tile % perImage;
        const int y0 = (int)(q / tilesX) * 4 - 1, x0 = (int)(q % tilesX) * 4 - 1;
        float *base = dx + image * (long)h * w * c;
        const float *src = v + (tile - t0) * 36L * c;
        int inside[6][6];
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 6; j++)
                inside[r][j] = y0 + r >= 0 && y0 + r < h && x0 + j >= 0 && x0 + j < w;
        for (int ch = 0; ch < c; ch += VW) {
            VF t[36];   // t[6i + b]: (V̄ Bᵀ)[i][b]
            for (int i = 0; i < 6; i++) {
                VF row[6];
                for (int k = 0; k < 6; k++) row[k] = NAME(load)(src + (6 * i + k) * (long)c + ch);
                NAME(b)(row, t + 6 * i);
            }
            for (int j = 0; j < 6; j++) {
                VF col[6], r[6];
                for (int i = 0; i < 6; i++) col[i] = t[6 * i + j];
                NAME(b)(col, r);
                for (int i = 0; i < 6; i++) {
                    if (!inside[i][j]) continue;
                    float *o = base + ((long)(y0 + i) * w + x0 + j) * c + ch;
                    NAME(store)(o, NAME(load)(o) + r[i]);
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

#if VW == 16
typedef float NAME(half) __attribute__((vector_size(32), aligned(4)));

// The sums of a[0…7]'s lanes, in order: three rounds of adding a vector's halves pairwise (two sums side by side per
// round), then neighbours within the vector.
static inline TARGET NAME(half) NAME(sum8)(const VF a[8]) {
    VF x[4], y[2];
    for (int i = 0; i < 4; i++)
        x[i] = __builtin_shufflevector(a[2 * i], a[2 * i + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
             + __builtin_shufflevector(a[2 * i], a[2 * i + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29,
                                       30, 31);
    for (int i = 0; i < 2; i++)   // lanes: a[4i], a[4i+2], a[4i+1], a[4i+3], four each
        y[i] = __builtin_shufflevector(x[2 * i], x[2 * i + 1], 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27)
             + __builtin_shufflevector(x[2 * i], x[2 * i + 1], 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30,
                                       31);
    // pairs of lanes: a0, a4, a2, a6, a1, a5, a3, a7
    VF z = __builtin_shufflevector(y[0], y[1], 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
         + __builtin_shufflevector(y[0], y[1], 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    z += __builtin_shufflevector(z, z, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    return __builtin_shufflevector(z, z, 0, 8, 4, 12, 2, 10, 6, 14);
}

// V̄_p (count × k) = M̄_p (count × n) · U_pᵀ for p in [p0, p1), U packed in panels (k × n, as cs_wino_gemm reads it): blocks of 3 rows
// of M̄ by 8 rows of U (k a multiple of 8), each of the 24 dot products accumulated over the panels' lanes and summed
// across them at the end (NAME(sum8)). The 8 rows of U, one panel's share k·NR floats apart (a multiple of 4 KB:
// the same cache sets), are first copied side by side, up to GC columns at a time, and so is M̄_p (its rows 36·n
// floats apart: the same sets again). Rows of M̄ and V̄ are 36·n and 36·k floats apart.
static TARGET void NAME(gemm_t)(const float *mbar, const float *packed, long count, int k, int n, int p0, int p1,
                                float *vbar) {
    enum { TR = 3, KR = 8, GC = 512 };
    const long ldm = 36L * n, ldv = 36L * k;
    enum { STACKED = 1 << 15 };   // M̄_p of up to 128 KB on the stack: no fresh pages to fault in per call
    float rows8[KR * GC] __attribute__((aligned(64)));
    float stacked[count * n <= STACKED ? count * n : 1] __attribute__((aligned(64)));
    float *dense = count * n <= STACKED ? stacked : aligned_alloc(64, sizeof(float) * ((count * n + 15) & ~15L));
    if (!dense) abort();
    for (int p = p0; p < p1; p++) {
        const float *up = packed + (long)p * k * n;
        for (long t = 0; t < count; t++) memcpy(dense + t * n, mbar + t * ldm + (long)p * n, sizeof(float) * n);
        for (int c0 = 0; c0 < k; c0 += KR) {
            for (int g0 = 0; g0 < n; g0 += GC) {
                const int columns = n - g0 < GC ? n - g0 : GC;
                for (int panel = 0; panel < columns / NR; panel++) {
                    const float *src = up + (long)(g0 / NR + panel) * k * NR + (long)c0 * NR;
                    memcpy(rows8 + panel * KR * NR, src, sizeof(float) * KR * NR);
                    if (c0 + KR < k)   // the next rows: 16 streams 4 KB-multiples apart, beyond the prefetcher
                        for (int line = 0; line < KR * NR; line += 16) __builtin_prefetch(src + KR * NR + line);
                }
                for (long t = 0; t < count; t += TR) {
                    const long rows = count - t < TR ? count - t : TR;
                    const float *a[TR];
                    for (int i = 0; i < TR; i++)
                        a[i] = dense + (t + (i < rows ? i : rows - 1)) * n + g0;
                    VF acc[TR][KR];
                    for (int i = 0; i < TR; i++)
                        for (int r = 0; r < KR; r++) acc[i][r] = (VF){0};
                    for (int panel = 0; panel < columns / NR; panel++) {
                        const float *b = rows8 + panel * KR * NR;
                        for (int j = 0; j < NR; j += VW) {
                            VF av[TR];
                            for (int i = 0; i < TR; i++) av[i] = NAME(load)(a[i] + panel * NR + j);
                            for (int r = 0; r < KR; r++) {
                                const VF bv = NAME(load)(b + r * NR + j);
                                for (int i = 0; i < TR; i++) acc[i][r] += av[i] * bv;
                            }
                        }
                    }
                    for (int i = 0; i < rows; i++) {
                        NAME(half) *out = (NAME(half) *)(vbar + (t + i) * ldv + (long)p * k + c0);
                        *out = g0 == 0 ? NAME(sum8)(acc[i]) : *out + NAME(sum8)(acc[i]);
                    }
                }
            }
        }
    }
    if (dense != stacked) free(dense);
}
#endif
#endif

#undef VF
