// See maxsim.h. Two versions of one loop: AVX2 + FMA when the CPU has them (every x86-64 server
// the embedding engine runs on: it needs AVX2 itself), plain C otherwise (and off x86).
#include "maxsim.h"

#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { MAX_DIMENSION = 4096, MAX_QUESTION = 1024 };

static float half_to_float(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000) << 16, exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ff;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: shift until the leading bit is the implicit one
        exponent = 113;
        while (!(mantissa & 0x400)) { mantissa <<= 1; exponent--; }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static float token_scale(const uint8_t *token) { return half_to_float((uint16_t)(token[0] | token[1] << 8)); }

static void plain(const float *question, int question_count, const uint8_t *window, int window_count,
                  int dimension, float *best) {
    float row[MAX_DIMENSION];
    for (int t = 0; t < window_count; t++) {
        const uint8_t *token = window + (size_t)t * (dimension + 2);
        float scale = token_scale(token);
        for (int d = 0; d < dimension; d++) row[d] = (float)(int8_t)token[2 + d] * scale;
        for (int q = 0; q < question_count; q++) {
            const float *questionRow = question + (size_t)q * dimension;
            float sum = 0;
            for (int d = 0; d < dimension; d++) sum += row[d] * questionRow[d];
            if (sum > best[q]) best[q] = sum;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float horizontal_sum(__m256 v) {
    __m128 low = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    low = _mm_add_ps(low, _mm_movehl_ps(low, low));
    low = _mm_add_ss(low, _mm_movehdup_ps(low));
    return _mm_cvtss_f32(low);
}

__attribute__((target("avx2,fma"))) static void wide(const float *question, int question_count, const uint8_t *window,
                                                     int window_count, int dimension, float *best) {
    float row[MAX_DIMENSION];
    for (int t = 0; t < window_count; t++) {
        const uint8_t *token = window + (size_t)t * (dimension + 2);
        __m256 scale = _mm256_set1_ps(token_scale(token));
        for (int d = 0; d < dimension; d += 8) {
            __m256i values = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(token + 2 + d)));
            _mm256_storeu_ps(row + d, _mm256_mul_ps(_mm256_cvtepi32_ps(values), scale));
        }
        int q = 0;
        for (; q + 4 <= question_count; q += 4) {  // four question rows share each load of the window row
            const float *r0 = question + (size_t)q * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (int d = 0; d < dimension; d += 8) {
                __m256 w = _mm256_loadu_ps(row + d);
                s0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r0 + d), s0);
                s1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r1 + d), s1);
                s2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r2 + d), s2);
                s3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(r3 + d), s3);
            }
            float sums[4] = {horizontal_sum(s0), horizontal_sum(s1), horizontal_sum(s2), horizontal_sum(s3)};
            for (int k = 0; k < 4; k++) if (sums[k] > best[q + k]) best[q + k] = sums[k];
        }
        for (; q < question_count; q++) {
            const float *r = question + (size_t)q * dimension;
            __m256 s = _mm256_setzero_ps();
            for (int d = 0; d < dimension; d += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(row + d), _mm256_loadu_ps(r + d), s);
            float sum = horizontal_sum(s);
            if (sum > best[q]) best[q] = sum;
        }
    }
}
#endif

typedef void (*kernel)(const float *, int, const uint8_t *, int, int, float *);

static float mean_of_best(kernel run, const float *question, int question_count, const uint8_t *window,
                          int window_count, int dimension) {
    if (dimension <= 0 || dimension % 8 != 0 || dimension > MAX_DIMENSION || question_count > MAX_QUESTION) return NAN;
    if (question_count <= 0 || window_count <= 0) return 0;
    float best[MAX_QUESTION];
    for (int q = 0; q < question_count; q++) best[q] = -INFINITY;
    run(question, question_count, window, window_count, dimension, best);
    float total = 0;
    for (int q = 0; q < question_count; q++) total += best[q];
    return total / (float)question_count;
}

float manualbot_maxsim_q8(const float *question, int question_count, const uint8_t *window, int window_count,
                          int dimension) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return mean_of_best(wide, question, question_count, window, window_count, dimension);
#endif
    return mean_of_best(plain, question, question_count, window, window_count, dimension);
}

float manualbot_maxsim_q8_portable(const float *question, int question_count, const uint8_t *window,
                                   int window_count, int dimension) {
    return mean_of_best(plain, question, question_count, window, window_count, dimension);
}
