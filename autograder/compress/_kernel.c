/* The compress engine's fused loops: one pass over the distinct colours per Lloyd step, and
 * the colour table of an image as a bitmap of the 2**24 colour codes with a rank index.
 *
 * Every function has a pure-numpy twin in autograder/compress/fused.py that does the same
 * arithmetic in the same order (tests/test_compress_kernel.py checks they agree, bit for bit):
 * the kernel only arranges the work so that each row is read once a step.
 *
 * Built by setup.py as an optional extension: with no compiler the package installs without it
 * and the numpy twins run instead. Compiled with -ffp-contract=off, so that a * b + c is never
 * fused into one rounding (numpy never fuses it either).
 *
 * Arrays come in through the buffer protocol (no numpy headers needed to build); the Python
 * side checks their dtypes, shapes and contiguity before calling.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The hot loops are compiled twice on x86-64, for the baseline and for CPUs with AVX2 (and,
 * from GCC 12, the rest of x86-64-v3: popcnt, BMI2...), chosen when the module loads by what
 * the CPU supports; neither fuses a multiply and an add. Not "arch=haswell": that clone is
 * chosen by the CPU's model, so an AMD CPU or any Intel one but a Haswell ran the baseline. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(KERNEL_BASELINE_ONLY)  /* the tests build the baseline alone with it, to check it */
#if __GNUC__ >= 12
#define HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HOT __attribute__((target_clones("avx2", "default")))
#endif
#else
#define HOT
#endif

static int get(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize,
               Py_ssize_t items, const char *name) {
    if (PyObject_GetBuffer(obj, view, writable ? PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS
                                               : PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (view->len != itemsize * items) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", name,
                     itemsize * items, view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static inline double sq3(const double *x, const double *c) {
    /* ((d0 * d0 + d1 * d1) + d2 * d2), the order fused.py's numpy twin adds them in */
    double d0 = x[0] - c[0], d1 = x[1] - c[1], d2 = x[2] - c[2];
    double s = d0 * d0;
    s = s + d1 * d1;
    s = s + d2 * d2;
    return s;
}

/* Four lanes of doubles (one AVX2 register; two SSE2 ones in the baseline clone), with GCC's
 * vector extensions: the same arithmetic as the scalar code, element by element. PICK(mask, yes,
 * no) takes yes where mask is set (all ones), no where it is clear: a blend, no rounding. Four
 * lanes, not eight: two sets of four running side by side were no faster at K = 64. */
#define LANES 4
typedef double lanes_d __attribute__((vector_size(8 * LANES)));
typedef int64_t lanes_i __attribute__((vector_size(8 * LANES)));

#define PICK(mask, yes, no) ((lanes_d)(((mask) & (lanes_i)(yes)) | (~(mask) & (lanes_i)(no))))

/* sq3 of LANES points a (a0[j], a1[j], a2[j]) and one point b, lane by lane: the same sums in the
 * same order (a - b rather than b - a where the caller's point is b: a difference and its
 * negation are exact opposites, so their squares are the same number). */
static inline void sq3_lanes(lanes_d *out, const double *a0, const double *a1, const double *a2,
                             double b0, double b1, double b2) {
    lanes_d e0, e1, e2;
    memcpy(&e0, a0, sizeof e0);
    memcpy(&e1, a1, sizeof e1);
    memcpy(&e2, a2, sizeof e2);
    e0 = e0 - b0; e1 = e1 - b1; e2 = e2 - b2;
    lanes_d s = e0 * e0;
    s = s + e1 * e1;
    *out = s + e2 * e2;
}

/* sq3 of point i of columns X0, X1, X2 and the point c. */
static inline double sq3_column(const double *X0, const double *X1, const double *X2,
                                Py_ssize_t i, const double *c) {
    const double x[3] = {X0[i], X1[i], X2[i]};
    return sq3(x, c);
}

/* The centroid nearest to x (its index, the lowest on ties, as np.argmin), its score in *best and
 * the least score of the others in *second (the same number on a tie), in one pass over the
 * centroids c0, c1, c2 (padded to a multiple of LANES with infinities, which score infinity and
 * so are never nearest). Each lane keeps the least score it has seen, the first centroid with it
 * and the second least; every score is the same sum as sq3's, in its order, and a minimum is
 * exact, so this gives the very numbers a row of all K scores and np.argmin would. */
static inline int32_t nearest_two(double x0, double x1, double x2, const double *c0,
                                  const double *c1, const double *c2, Py_ssize_t padded,
                                  double *best, double *second) {
    lanes_d b1 = {INFINITY, INFINITY, INFINITY, INFINITY}, b2 = b1;
    lanes_i i1 = {0, 0, 0, 0}, at = {0, 1, 2, 3};
    for (Py_ssize_t k = 0; k < padded; k += LANES) {
        lanes_d s;
        sq3_lanes(&s, c0 + k, c1 + k, c2 + k, x0, x1, x2);
        lanes_i nearer = s < b1;
        lanes_d above = PICK(nearer, b1, s);  /* the larger of s and b1 */
        b2 = PICK(above < b2, above, b2);
        b1 = PICK(nearer, s, b1);
        i1 = (nearer & at) | (~nearer & i1);
        at += LANES;
    }
    /* across the lanes: the least score, its first centroid (lanes hold different centroids),
     * and the least of the others: that lane's second least and every other lane's least */
    double least = b1[0];
    for (int j = 1; j < LANES; j++) least = b1[j] < least ? b1[j] : least;
    int64_t index = INT64_MAX;
    for (int j = 0; j < LANES; j++) index = b1[j] == least && i1[j] < index ? i1[j] : index;
    double other = INFINITY;
    for (int j = 0; j < LANES; j++) {
        double o = b1[j] == least && i1[j] == index ? b2[j] : b1[j];
        other = o < other ? o : other;
    }
    *best = least;
    *second = other;
    return (int32_t)index;
}

/* step(X, rgb, weights, centroids, labels, upper, lower, drift, sums, totals, first, slack, far)
 *   -> (changed, rescored)
 *
 * X (m, 3) float64: the rows rgb (m, 3) uint8 on the [0, 1] scale (rgb / 255); weights (m,)
 * float64 whole numbers; centroids (K, 3) float64; labels (m,) int32, upper, lower (m,) float64
 * are read and written; sums (K, 3) and totals (K,) float64 are added to: with first, every
 * row's weights[i] * rgb[i] and weights[i] go to its cluster's; after, only a row whose label
 * changed moves them, from its old cluster's to its new one's. Every such number is a whole
 * number far below 2**53 (fused.py checks the weights), so each addition is exact and the
 * sums are the same in whatever order they are made.
 *
 * Each row's label is the index of the least squared distance sq3 (the lowest on ties). Hamerly's
 * bounds skip the scores of a row whose upper bound on the distance to its own centroid is below
 * the lower bound on the distance to every other by more than slack; such a row's scores would
 * have given it the same label. The bounds are kept lazily, so that a row whose label is sure is
 * only read (its label and two bounds): drift (K,) float64 is how far each centroid has moved in
 * all (the sum of its moves), far the sum of the farthest moves; a row's upper bound is upper +
 * drift[label], its lower bound lower - far. With first, every row is scored. */
HOT static PyObject *step(PyObject *self, PyObject *args) {
    PyObject *oX, *orgb, *ow, *oC, *olab, *oup, *olo, *odr, *osum, *otot;
    int first;
    double slack, far;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOpdd", &oX, &orgb, &ow, &oC, &olab, &oup, &olo, &odr,
                          &osum, &otot, &first, &slack, &far))
        return NULL;
    Py_buffer bX, brgb, bw, bC, blab, bup, blo, bdr, bsum, btot;
    if (PyObject_GetBuffer(ow, &bw, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    Py_ssize_t m = bw.len / 8;
    if (PyObject_GetBuffer(oC, &bC, PyBUF_C_CONTIGUOUS) < 0) { PyBuffer_Release(&bw); return NULL; }
    Py_ssize_t K = bC.len / 24;
    int got = 0;
    if (get(oX, &bX, 0, 8, 3 * m, "X") == 0) { got = 1;
    if (get(orgb, &brgb, 0, 1, 3 * m, "rgb") == 0) { got = 2;
    if (get(olab, &blab, 1, 4, m, "labels") == 0) { got = 3;
    if (get(oup, &bup, 1, 8, m, "upper") == 0) { got = 4;
    if (get(olo, &blo, 1, 8, m, "lower") == 0) { got = 5;
    if (get(odr, &bdr, 0, 8, K, "drift") == 0) { got = 6;
    if (get(osum, &bsum, 1, 8, 3 * K, "sums") == 0) { got = 7;
    if (get(otot, &btot, 1, 8, K, "totals") == 0) { got = 8; }}}}}}}}
    PyObject *result = NULL;
    if (got == 8 && K < 1) PyErr_SetString(PyExc_ValueError, "no centroids");
    else if (got == 8 && m > INT32_MAX) PyErr_SetString(PyExc_ValueError, "2**31 rows or more");
    else if (got == 8) {
        const double *X = bX.buf, *w = bw.buf, *C = bC.buf, *drift = bdr.buf;
        const uint8_t *rgb = brgb.buf;
        int32_t *labels = blab.buf;
        double *upper = bup.buf, *lower = blo.buf, *sums = bsum.buf, *totals = btot.buf;
        Py_ssize_t changed = 0, rescored = 0;
        /* the centroids column by column, padded with infinities to whole lanes */
        Py_ssize_t padded = (K + LANES - 1) / LANES * LANES;
        double *soa = PyMem_RawMalloc(sizeof(double) * 3 * (size_t)padded);
        if (soa == NULL) { PyErr_NoMemory(); goto done; }
        double *c0 = soa, *c1 = soa + padded, *c2 = soa + 2 * padded;
        for (Py_ssize_t k = 0; k < padded; k++) {
            c0[k] = k < K ? C[3 * k] : INFINITY;
            c1[k] = k < K ? C[3 * k + 1] : INFINITY;
            c2[k] = k < K ? C[3 * k + 2] : INFINITY;
        }
        /* the rows to score, found in two passes that do not branch on the bounds (a branch
         * taken for a third of the rows at random is mispredicted for many of them) */
        int32_t *todo = first ? NULL : PyMem_RawMalloc(sizeof(int32_t) * (size_t)(m ? m : 1));
        if (!first && todo == NULL) { PyMem_RawFree(soa); PyErr_NoMemory(); goto done; }
        Py_ssize_t n = m;
        Py_BEGIN_ALLOW_THREADS
        if (!first) {
            n = 0;  /* the rows whose bounds overlap */
            for (Py_ssize_t i = 0; i < m; i++) {
                todo[n] = (int32_t)i;
                n += !(upper[i] + drift[labels[i]] < lower[i] - far - slack);
            }
            Py_ssize_t still = 0;  /* of those, the rows whose bounds overlap with the exact
                                    * distance to their own centroid as the upper one (a row
                                    * that is then sure keeps it; the others are scored) */
            for (Py_ssize_t j = 0; j < n; j++) {
                Py_ssize_t i = todo[j];
                int32_t label = labels[i];
                double u = sqrt(sq3(X + 3 * i, C + 3 * label));
                upper[i] = u - drift[label];
                todo[still] = (int32_t)i;
                still += !(u < lower[i] - far - slack);
            }
            n = still;
        }
        for (Py_ssize_t j = 0; j < n; j++) {
            Py_ssize_t i = first ? j : todo[j];
            const double *x = X + 3 * i;
            int32_t label = first ? -1 : labels[i];
            double best, second;
            int32_t at = nearest_two(x[0], x[1], x[2], c0, c1, c2, padded, &best, &second);
            labels[i] = at;
            upper[i] = sqrt(best) - drift[at];
            lower[i] = sqrt(second) + far;
            if (at != label) {  /* its weighted colour moves to its new cluster (exactly) */
                double wi = w[i];
                double r0 = wi * rgb[3 * i], r1 = wi * rgb[3 * i + 1], r2 = wi * rgb[3 * i + 2];
                double *s = sums + 3 * at;
                s[0] += r0; s[1] += r1; s[2] += r2;
                totals[at] += wi;
                if (label >= 0) {
                    changed++;
                    s = sums + 3 * label;
                    s[0] -= r0; s[1] -= r1; s[2] -= r2;
                    totals[label] -= wi;
                }
            }
        }
        rescored = n;
        Py_END_ALLOW_THREADS
        PyMem_RawFree(todo);
        PyMem_RawFree(soa);
        result = Py_BuildValue("nn", first ? (Py_ssize_t)-1 : changed, rescored);
    }
done:
    if (got >= 8) PyBuffer_Release(&btot);
    if (got >= 7) PyBuffer_Release(&bsum);
    if (got >= 6) PyBuffer_Release(&bdr);
    if (got >= 5) PyBuffer_Release(&blo);
    if (got >= 4) PyBuffer_Release(&bup);
    if (got >= 3) PyBuffer_Release(&blab);
    if (got >= 2) PyBuffer_Release(&brgb);
    if (got >= 1) PyBuffer_Release(&bX);
    PyBuffer_Release(&bC);
    PyBuffer_Release(&bw);
    return result;
}

/* candidates(columns, weights, closest, rows, cumulative) -> best
 * For k-means++ seeding: for each candidate row rows[t] the potential sum_i w_i min(closest_i,
 * sq3(x_i, x_rows[t])), and returns the first t of least potential, and writes that candidate's
 * min(closest, sq3) into closest and the running sum of w_i closest_i into cumulative (m,)
 * float64, added in row order as np.cumsum adds (the next candidates are drawn from it). columns
 * (3, m) float64: the rows' coordinates column by column (so that LANES rows are read at once);
 * weights and closest (m,) float64, rows (T,) int64 in [0, m). The potential is summed in LANES
 * running sums, row i into sum i % LANES in row order, and then (s0 + s1) + (s2 + s3): what
 * seeding.lane_sum does in numpy. */
HOT static PyObject *candidates(PyObject *self, PyObject *args) {
    PyObject *oX, *ow, *ocl, *orows, *ocum;
    if (!PyArg_ParseTuple(args, "OOOOO", &oX, &ow, &ocl, &orows, &ocum)) return NULL;
    Py_buffer bX, bw, bcl, brows, bcum;
    if (PyObject_GetBuffer(ow, &bw, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    Py_ssize_t m = bw.len / 8;
    int got = 0;
    if (get(oX, &bX, 0, 8, 3 * m, "columns") == 0) { got = 1;
    if (get(ocl, &bcl, 1, 8, m, "closest") == 0) { got = 2;
    if (get(ocum, &bcum, 1, 8, m, "cumulative") == 0) { got = 3;
    if (PyObject_GetBuffer(orows, &brows, PyBUF_C_CONTIGUOUS) == 0) { got = 4; }}}}
    PyObject *result = NULL;
    if (got == 4) {
        const double *X0 = bX.buf, *X1 = X0 + m, *X2 = X0 + 2 * m, *w = bw.buf;
        double *closest = bcl.buf, *cumulative = bcum.buf;
        const int64_t *rows = brows.buf;
        Py_ssize_t T = brows.len / 8, best = -1, bad = 0, whole = m / LANES * LANES;
        double least = INFINITY;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t t = 0; t < T; t++) {
            if (rows[t] < 0 || rows[t] >= m) { bad = 1; break; }
            const double c[3] = {X0[rows[t]], X1[rows[t]], X2[rows[t]]};
            lanes_d sum = {0.0, 0.0, 0.0, 0.0};
            for (Py_ssize_t i = 0; i < whole; i += LANES) {
                lanes_d near, wi;
                memcpy(&near, closest + i, sizeof near);
                memcpy(&wi, w + i, sizeof wi);
                lanes_d d;
                sq3_lanes(&d, X0 + i, X1 + i, X2 + i, c[0], c[1], c[2]);
                d = PICK(near < d, near, d);
                sum = sum + wi * d;
            }
            for (Py_ssize_t i = whole; i < m; i++) {
                double d = sq3_column(X0, X1, X2, i, c);
                if (closest[i] < d) d = closest[i];
                sum[i - whole] += w[i] * d;
            }
            double potential = (sum[0] + sum[1]) + (sum[2] + sum[3]);
            if (best < 0 || potential < least) { least = potential; best = t; }
        }
        if (!bad && best >= 0) {
            const double c[3] = {X0[rows[best]], X1[rows[best]], X2[rows[best]]};
            for (Py_ssize_t i = 0; i < m; i++) {
                double d = sq3_column(X0, X1, X2, i, c);
                if (!(closest[i] < d)) closest[i] = d;
            }
            double running = 0.0;
            for (Py_ssize_t i = 0; i < m; i++) {
                running = running + w[i] * closest[i];
                cumulative[i] = running;
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) PyErr_SetString(PyExc_IndexError, "a candidate row is out of range");
        else if (best < 0) PyErr_SetString(PyExc_ValueError, "no candidates");
        else result = PyLong_FromSsize_t(best);
    }
    if (got >= 4) PyBuffer_Release(&brows);
    if (got >= 3) PyBuffer_Release(&bcum);
    if (got >= 2) PyBuffer_Release(&bcl);
    if (got >= 1) PyBuffer_Release(&bX);
    PyBuffer_Release(&bw);
    return result;
}

#define WORDS (1 << 18) /* 2**24 bits as 64-bit words */

static inline uint32_t code_of(const uint8_t *p) {
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline Py_ssize_t rank_of(const uint64_t *bits, const uint32_t *before, uint32_t code) {
    uint64_t below = bits[code >> 6] & ((((uint64_t)1) << (code & 63)) - 1);
    return before[code >> 6] + __builtin_popcountll(below);
}

/* table(pixels, bits, before, counts_or_None) -> distinct
 * pixels (m, 3) uint8. Sets the bit of every pixel's code in bits (2**18 uint64, zeroed by the
 * caller), writes in before (2**18 uint32) how many codes are present below each word, and returns
 * how many are present. */
HOT static PyObject *table(PyObject *self, PyObject *args) {
    PyObject *opx, *obits, *obefore;
    if (!PyArg_ParseTuple(args, "OOO", &opx, &obits, &obefore)) return NULL;
    Py_buffer bpx, bbits, bbefore;
    if (PyObject_GetBuffer(opx, &bpx, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    if (bpx.len % 3) {
        PyErr_SetString(PyExc_ValueError, "pixels: not a whole number of RGB pixels");
        PyBuffer_Release(&bpx);
        return NULL;
    }
    if (get(obits, &bbits, 1, 8, WORDS, "bits") < 0) { PyBuffer_Release(&bpx); return NULL; }
    if (get(obefore, &bbefore, 1, 4, WORDS, "before") < 0) {
        PyBuffer_Release(&bbits); PyBuffer_Release(&bpx); return NULL;
    }
    const uint8_t *px = bpx.buf;
    uint64_t *bits = bbits.buf;
    uint32_t *before = bbefore.buf;
    Py_ssize_t m = bpx.len / 3, present = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < m; i++) {
        uint32_t code = code_of(px + 3 * i);
        bits[code >> 6] |= ((uint64_t)1) << (code & 63);
    }
    for (Py_ssize_t j = 0; j < WORDS; j++) {
        before[j] = (uint32_t)present;
        present += __builtin_popcountll(bits[j]);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&bbefore);
    PyBuffer_Release(&bbits);
    PyBuffer_Release(&bpx);
    return PyLong_FromSsize_t(present);
}

/* present(bits, codes): codes (distinct,) uint32 gets the present codes in increasing order. */
static PyObject *present(PyObject *self, PyObject *args) {
    PyObject *obits, *ocodes;
    if (!PyArg_ParseTuple(args, "OO", &obits, &ocodes)) return NULL;
    Py_buffer bbits, bcodes;
    if (get(obits, &bbits, 0, 8, WORDS, "bits") < 0) return NULL;
    if (PyObject_GetBuffer(ocodes, &bcodes, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bbits); return NULL;
    }
    const uint64_t *bits = bbits.buf;
    uint32_t *codes = bcodes.buf;
    Py_ssize_t room = bcodes.len / 4, n = 0;
    for (Py_ssize_t j = 0; j < WORDS && n < room; j++)
        for (uint64_t word = bits[j]; word && n < room; word &= word - 1)
            codes[n++] = (uint32_t)(j * 64 + __builtin_ctzll(word));
    PyBuffer_Release(&bcodes);
    PyBuffer_Release(&bbits);
    return PyLong_FromSsize_t(n);
}

/* count(pixels, bits, before, counts): counts (distinct,) int64 += pixels of each colour. */
HOT static PyObject *count(PyObject *self, PyObject *args) {
    PyObject *opx, *obits, *obefore, *ocounts;
    if (!PyArg_ParseTuple(args, "OOOO", &opx, &obits, &obefore, &ocounts)) return NULL;
    Py_buffer bpx, bbits, bbefore, bcounts;
    if (PyObject_GetBuffer(opx, &bpx, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    if (get(obits, &bbits, 0, 8, WORDS, "bits") < 0) { PyBuffer_Release(&bpx); return NULL; }
    if (get(obefore, &bbefore, 0, 4, WORDS, "before") < 0) {
        PyBuffer_Release(&bbits); PyBuffer_Release(&bpx); return NULL;
    }
    if (PyObject_GetBuffer(ocounts, &bcounts, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bbefore); PyBuffer_Release(&bbits); PyBuffer_Release(&bpx);
        return NULL;
    }
    const uint8_t *px = bpx.buf;
    const uint64_t *bits = bbits.buf;
    const uint32_t *before = bbefore.buf;
    int64_t *counts = bcounts.buf;
    Py_ssize_t m = bpx.len / 3, room = bcounts.len / 8, bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < m; i++) {
        uint32_t code = code_of(px + 3 * i);
        Py_ssize_t r = rank_of(bits, before, code);
        if (r < room && (bits[code >> 6] >> (code & 63) & 1)) counts[r]++;
        else bad++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&bcounts);
    PyBuffer_Release(&bbefore);
    PyBuffer_Release(&bbits);
    PyBuffer_Release(&bpx);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "a pixel's colour is not in the table");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* lookup(pixels, bits, before, per_colour, out): out[i] = per_colour[rank of pixel i], for
 * per_colour and out of the same item size, 1 (uint8) or 4 (int32) bytes. */
HOT static PyObject *lookup(PyObject *self, PyObject *args) {
    PyObject *opx, *obits, *obefore, *ovalues, *oout;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "OOOOOn", &opx, &obits, &obefore, &ovalues, &oout, &size))
        return NULL;
    if (size != 1 && size != 4) {
        PyErr_SetString(PyExc_ValueError, "item size must be 1 or 4");
        return NULL;
    }
    Py_buffer bpx, bbits, bbefore, bvalues, bout;
    if (PyObject_GetBuffer(opx, &bpx, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    Py_ssize_t m = bpx.len / 3;
    int got = 0;
    if (get(obits, &bbits, 0, 8, WORDS, "bits") == 0) { got = 1;
    if (get(obefore, &bbefore, 0, 4, WORDS, "before") == 0) { got = 2;
    if (PyObject_GetBuffer(ovalues, &bvalues, PyBUF_C_CONTIGUOUS) == 0) { got = 3;
    if (get(oout, &bout, 1, size, m, "out") == 0) { got = 4; }}}}
    Py_ssize_t bad = 0;
    if (got == 4) {
        const uint8_t *px = bpx.buf;
        const uint64_t *bits = bbits.buf;
        const uint32_t *before = bbefore.buf;
        Py_ssize_t room = bvalues.len / size;
        Py_BEGIN_ALLOW_THREADS
        if (size == 1) {
            const uint8_t *values = bvalues.buf;
            uint8_t *out = bout.buf;
            for (Py_ssize_t i = 0; i < m; i++) {
                Py_ssize_t r = rank_of(bits, before, code_of(px + 3 * i));
                if (r < room) out[i] = values[r]; else { out[i] = 0; bad++; }
            }
        } else {
            const int32_t *values = bvalues.buf;
            int32_t *out = bout.buf;
            for (Py_ssize_t i = 0; i < m; i++) {
                Py_ssize_t r = rank_of(bits, before, code_of(px + 3 * i));
                if (r < room) out[i] = values[r]; else { out[i] = 0; bad++; }
            }
        }
        Py_END_ALLOW_THREADS
    }
    if (got >= 4) PyBuffer_Release(&bout);
    if (got >= 3) PyBuffer_Release(&bvalues);
    if (got >= 2) PyBuffer_Release(&bbefore);
    if (got >= 1) PyBuffer_Release(&bbits);
    PyBuffer_Release(&bpx);
    if (got < 4) return NULL;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "a pixel's colour is not in the table");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"step", step, METH_VARARGS, "One fused Lloyd step with Hamerly's bounds (see fused.py)."},
    {"candidates", candidates, METH_VARARGS, "k-means++: the best of some candidates."},
    {"table", table, METH_VARARGS, "The bitmap of an image's colour codes and its rank index."},
    {"present", present, METH_VARARGS, "The present colour codes, in increasing order."},
    {"count", count, METH_VARARGS, "How many pixels have each colour."},
    {"lookup", lookup, METH_VARARGS, "A value for every pixel from one for every colour."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernel",
                                    "The compress engine's fused loops (see fused.py).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&module); }
