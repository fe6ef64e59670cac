// MaxSim (late interaction's score) of a question's token states against one window's stored
// token states, in C for the instruction set: with AVX2 and FMA, eight lanes multiply-add in one
// instruction, where Swift's SIMD types compile for the x86-64 baseline (SSE2, no FMA). A chat
// scores ~6,000 window tokens against ~15 question tokens.
#ifndef MANUALBOT_MAXSIM_H
#define MANUALBOT_MAXSIM_H

#include <stdint.h>

/// Mean over the `question_count` question rows (`dimension` floats each, unit length) of each
/// row's best dot product with a token of `window`: `window_count` tokens stored as
/// TokenStates.encoded() writes them (a little-endian Float16 scale, then `dimension` Int8
/// values). 0 when either side has no tokens; NaN when `dimension` is not a positive multiple
/// of 8 or over 4,096, or `question_count` is over 1,024 (a score itself can be negative).
float manualbot_maxsim_q8(const float *question, int question_count,
                          const uint8_t *window, int window_count, int dimension);

/// The same in plain C, what a CPU without AVX2 or FMA runs (tests compare the two).
float manualbot_maxsim_q8_portable(const float *question, int question_count,
                                   const uint8_t *window, int window_count, int dimension);

#endif
