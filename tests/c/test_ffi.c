/* C test of simstat's C ABI: compiled against include/simstat.h and libsimstat.a, run in CI
 * under valgrind. Checks values against closed forms and the Rust results, and that bad
 * arguments come back as status codes. Exit status 0 = all checks passed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "simstat.h"

static int failures = 0;
static int checks = 0;

static void check_close(const char *what, double got, double want, double rel) {
  checks++;
  double err = fabs(got - want) / fmax(fabs(want), 1e-300);
  if (!(err <= rel)) {
    failures++;
    printf("FAIL %s: got %.17g want %.17g (rel err %.3g > %.3g)\n", what, got, want, err, rel);
  }
}

static void check_status(const char *what, SimstatStatus got, SimstatStatus want) {
  checks++;
  if (got != want) {
    failures++;
    printf("FAIL %s: status %d, want %d\n", what, (int)got, (int)want);
  }
}

/* Deterministic uniform(0,1) (SplitMix64). */
static uint64_t rng_state = 12345;
static double uniform(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

int main(void) {
  /* Special functions: closed forms. */
  check_close("digamma(1) = -gamma", simstat_digamma(1.0), -0.57721566490153286061, 4e-16);
  check_close("trigamma(1) = pi^2/6", simstat_trigamma(1.0), 1.6449340668482264365, 4e-16);
  check_close("ln_gamma(10) = ln 9!", simstat_ln_gamma(10.0), log(362880.0), 4e-16);
  check_close("Q(1, 700) = e^-700", simstat_gamma_q(1.0, 700.0), exp(-700.0), 1e-13);
  check_close("P(3, 2)", simstat_gamma_p(3.0, 2.0), 1.0 - 5.0 * exp(-2.0), 1e-15);
  check_close("P(4.5, P^-1(4.5, 0.3))", simstat_gamma_p(4.5, simstat_gamma_p_inv(4.5, 0.3)), 0.3, 1e-13);
  checks++;
  if (!isnan(simstat_gamma_p(-1.0, 1.0))) { failures++; printf("FAIL P(-1, 1) is not NaN\n"); }

  /* Truncated shifted gamma with shape 1: an exponential, closed-form sf. */
  SimstatGammaParams g = {.shape = 1.0, .rate = 10.0, .shift = -0.5, .lo = -1.0, .hi = 1.0};
  check_status("gamma_check(valid)", simstat_gamma_check(&g), SIMSTAT_STATUS_OK);
  double x[3] = {-0.2, 0.3, 0.9}, out[3];
  check_status("gamma_sf", simstat_gamma_sf(&g, x, 3, out), SIMSTAT_STATUS_OK);
  double z = 1.0 - exp(-10.0 * 1.5); /* mass of [-0.5, 1] */
  for (int i = 0; i < 3; i++) {
    double want = (exp(-10.0 * (x[i] + 0.5)) - exp(-15.0)) / z;
    check_close("truncated exponential sf", out[i], want, 1e-13);
  }
  /* In place: out == x is allowed. */
  double y[3] = {-0.2, 0.3, 0.9};
  check_status("gamma_cdf in place", simstat_gamma_cdf(&g, y, 3, y), SIMSTAT_STATUS_OK);
  for (int i = 0; i < 3; i++) check_close("cdf + sf = 1", y[i] + out[i], 1.0, 1e-15);

  /* Bad arguments are status codes, never crashes. */
  SimstatGammaParams bad = g;
  bad.shape = -1.0;
  check_status("negative shape", simstat_gamma_check(&bad), SIMSTAT_STATUS_BAD_PARAMETER);
  bad = g;
  bad.rate = NAN;
  check_status("NaN rate", simstat_gamma_sf(&bad, x, 3, out), SIMSTAT_STATUS_BAD_PARAMETER);
  check_status("null params", simstat_gamma_sf(NULL, x, 3, out), SIMSTAT_STATUS_NULL_POINTER);
  check_status("null x", simstat_gamma_sf(&g, NULL, 3, out), SIMSTAT_STATUS_NULL_POINTER);
  check_status("zero length", simstat_gamma_sf(&g, x, 0, out), SIMSTAT_STATUS_BAD_LENGTH);
  check_status("overlap", simstat_gamma_sf(&g, x, 3, x + 1), SIMSTAT_STATUS_BAD_LENGTH);

  /* Fit: data from shift -0.28 + Gamma(13.3, rate 35.5) by inverting P. */
  enum { N = 20000 };
  static double data[N], scratch[N];
  for (int i = 0; i < N; i++) data[i] = -0.28 + simstat_gamma_p_inv(13.3, uniform()) / 35.5;
  SimstatFitOptions opts;
  check_status("fit options default", simstat_fit_options_default(&opts), SIMSTAT_STATUS_OK);
  SimstatGammaFit fit;
  check_status("fit_gamma", simstat_fit_gamma(data, N, &opts, &fit), SIMSTAT_STATUS_OK);
  check_close("fit shape", fit.params.shape, 13.3, 0.15);
  check_close("fit rate", fit.params.rate, 35.5, 0.15);
  check_close("fit shift", fit.params.shift, -0.28, 0.1);
  checks++;
  if (fit.converged != 1) { failures++; printf("FAIL fit did not converge\n"); }
  SimstatGammaFit fit_null_opts;
  check_status("fit_gamma(opts = NULL)", simstat_fit_gamma(data, N, NULL, &fit_null_opts), SIMSTAT_STATUS_OK);
  check_close("same fit with NULL opts", fit_null_opts.log_likelihood, fit.log_likelihood, 1e-15);
  double two[2] = {0.1, 0.2};
  check_status("fit with 2 points", simstat_fit_gamma(two, 2, NULL, &fit), SIMSTAT_STATUS_TOO_FEW_SAMPLES);
  double nan_data[4] = {0.1, NAN, 0.2, 0.3};
  check_status("fit with NaN", simstat_fit_gamma(nan_data, 4, NULL, &fit), SIMSTAT_STATUS_NON_FINITE);
  double outside[4] = {0.1, 1.5, 0.2, 0.3};
  check_status("fit out of interval", simstat_fit_gamma(outside, 4, NULL, &fit), SIMSTAT_STATUS_OUT_OF_INTERVAL);

  /* Calibration: p-values and the BH cut-off under the fitted background. */
  double scores[5] = {0.0, 0.2, 0.6, 0.9, 0.95}, p[5];
  check_status("p_values", simstat_p_values(&fit_null_opts.params, scores, 5, p), SIMSTAT_STATUS_OK);
  for (int i = 0; i < 5; i++) {
    double sf;
    simstat_gamma_sf(&fit_null_opts.params, &scores[i], 1, &sf);
    check_close("p-value = sf", p[i], sf, 0.0);
  }
  checks++;
  if (!(p[4] < 1e-6 && p[0] > 0.1)) { failures++; printf("FAIL p-values %g %g\n", p[0], p[4]); }
  for (int i = 0; i < 100; i++) data[i] = 0.9 + 0.0005 * i; /* plant 100 strong hits */
  SimstatFdrCutoff cut;
  check_status("fdr_cutoff", simstat_fdr_cutoff(&fit_null_opts.params, data, N, 0.05, scratch, N, &cut), SIMSTAT_STATUS_OK);
  checks++;
  if (!(cut.discoveries >= 100 && cut.score_threshold <= 0.9)) {
    failures++;
    printf("FAIL fdr: %zu discoveries, threshold %g\n", cut.discoveries, cut.score_threshold);
  }
  check_status("fdr scratch too small", simstat_fdr_cutoff(&fit_null_opts.params, data, N, 0.05, scratch, N - 1, &cut), SIMSTAT_STATUS_BAD_LENGTH);
  check_status("fdr bad level", simstat_fdr_cutoff(&fit_null_opts.params, data, N, 1.5, scratch, N, &cut), SIMSTAT_STATUS_BAD_PROBABILITY);

  /* Mixture: two gamma clusters as exact quantile grids (the sample of capi/tests/mixture.rs),
   * over-fitted with K0 = 3, reduced by DSC; expected values are the Rust results pinned in
   * capi/tests/mixture.rs (reference_values_shared_with_the_c_test), to relative 1e-12. */
  enum { M1 = 1400, M2 = 600, M = M1 + M2 };
  static double mix[M];
  for (int i = 0; i < M1; i++) mix[i] = -0.28 + simstat_gamma_p_inv(13.3, (i + 0.5) / M1) / 35.5;
  for (int i = 0; i < M2; i++) mix[M1 + i] = 0.1 + simstat_gamma_p_inv(30.0, (i + 0.5) / M2) / 60.0;
  SimstatMixtureOptions mopts;
  check_status("mixture options default", simstat_mixture_options_default(&mopts), SIMSTAT_STATUS_OK);
  SimstatMixture over;
  check_status("fit_mixture K0 = 3", simstat_fit_mixture(mix, M, 3, &mopts, &over), SIMSTAT_STATUS_OK);
  checks++;
  if (over.k != 3 || over.n != M) { failures++; printf("FAIL mixture k = %zu, n = %llu\n", over.k, (unsigned long long)over.n); }
  check_close("mixture log-likelihood", over.log_likelihood, 647.1538210630096, 1e-12);
  check_close("mixture BIC", over.bic, -1210.697715071056, 1e-12);
  check_close("mixture weight 0", over.weights[0], 0.7001076259346557, 1e-12);
  check_close("mixture shape 2", over.components[2].shape, 1.0, 1e-12);
  check_close("mixture shift 2", over.components[2].shift, 0.610035606992011, 1e-12);
  check_close("mixture interval", over.components[1].hi, 1.0, 0.0);
  SimstatMixture again;
  check_status("fit_mixture(opts = NULL)", simstat_fit_mixture(mix, M, 3, NULL, &again), SIMSTAT_STATUS_OK);
  check_close("same mixture with NULL opts", again.log_likelihood, over.log_likelihood, 0.0);
  check_status("fit_mixture k = 0", simstat_fit_mixture(mix, M, 0, NULL, &again), SIMSTAT_STATUS_BAD_LENGTH);
  check_status("fit_mixture k > capacity", simstat_fit_mixture(mix, M, SIMSTAT_MAX_COMPONENTS + 1, NULL, &again), SIMSTAT_STATUS_BAD_LENGTH);
  check_status("fit_mixture null out", simstat_fit_mixture(mix, M, 2, NULL, NULL), SIMSTAT_STATUS_NULL_POINTER);
  /* Status codes as text: every code has its own; an unknown one says so; never NULL. */
  checks++;
  if (strcmp(simstat_status_str(SIMSTAT_STATUS_OK), "ok") != 0 ||
      strcmp(simstat_status_str(SIMSTAT_STATUS_BAD_ENCODING), "the bytes are not a valid encoding of the type") != 0 ||
      strcmp(simstat_status_str(SIMSTAT_STATUS_NULL_POINTER), "a required pointer was null") != 0 ||
      strcmp(simstat_status_str(99), "unknown status") != 0 || strcmp(simstat_status_str(-3), "unknown status") != 0) {
    failures++;
    printf("FAIL status text\n");
  }
  /* The byte form of the mixture (simstat::wire, kind 5): written, read back exactly (weights,
   * components, n, log-likelihood); every strict prefix and a flipped byte are refused as
   * BAD_ENCODING with `out` untouched; a short buffer is BAD_LENGTH. */
  {
    size_t len = 0;
    check_status("mixture_byte_len", simstat_mixture_byte_len(&over, &len), SIMSTAT_STATUS_OK);
    checks++;
    if (len != 16 + 1 + 48 * 3 + 52) { failures++; printf("FAIL mixture byte length %zu\n", len); }
    uint8_t buf[512];
    size_t written = 0;
    check_status("mixture_write short", simstat_mixture_write(&over, buf, len - 1, &written), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("mixture_write", simstat_mixture_write(&over, buf, sizeof buf, &written), SIMSTAT_STATUS_OK);
    checks++;
    if (written != len || memcmp(buf, "SIMS", 4) != 0) { failures++; printf("FAIL mixture written %zu\n", written); }
    SimstatMixture back;
    check_status("mixture_read", simstat_mixture_read(buf, written, &back), SIMSTAT_STATUS_OK);
    checks++;
    if (back.k != over.k || back.n != over.n || memcmp(back.weights, over.weights, sizeof over.weights) != 0 ||
        back.log_likelihood != over.log_likelihood) {
      failures++;
      printf("FAIL mixture read back differs\n");
    }
    for (size_t i = 0; i < over.k; i++) {
      check_close("read back shape", back.components[i].shape, over.components[i].shape, 0.0);
      check_close("read back shift", back.components[i].shift, over.components[i].shift, 0.0);
    }
    SimstatMixture untouched = back;
    for (size_t cut = 0; cut < written; cut++) {
      check_status("mixture_read prefix", simstat_mixture_read(buf, cut == 0 ? 1 : cut, &back), SIMSTAT_STATUS_BAD_ENCODING);
    }
    buf[40] ^= 0x04;
    check_status("mixture_read flipped byte", simstat_mixture_read(buf, written, &back), SIMSTAT_STATUS_BAD_ENCODING);
    checks++;
    if (memcmp(&back, &untouched, sizeof back) != 0) { failures++; printf("FAIL out written on error\n"); }
    check_status("mixture_read null", simstat_mixture_read(NULL, written, &back), SIMSTAT_STATUS_NULL_POINTER);
  }
  /* The same fit in caller memory (what a microcontroller host does with a static buffer),
   * bit for bit; the workspace is filled with garbage first (the call zeroes it). */
  {
    size_t wsize = simstat_mixture_workspace_size();
    checks++;
    if (wsize < 100000 || simstat_mixture_workspace_align() != 8) { failures++; printf("FAIL workspace size %zu\n", wsize); }
    unsigned char *ws = malloc(wsize + 8);
    if (ws == NULL) { printf("FAIL malloc\n"); return 1; }
    memset(ws, 0xA5, wsize + 8);
    SimstatMixture in_ws;
    check_status("fit_mixture_in", simstat_fit_mixture_in(mix, M, 3, &mopts, ws, wsize, &in_ws), SIMSTAT_STATUS_OK);
    check_close("fit_mixture_in = fit_mixture", in_ws.log_likelihood, over.log_likelihood, 0.0);
    check_close("fit_mixture_in shift 2", in_ws.components[2].shift, over.components[2].shift, 0.0);
    check_status("fit_mixture_in short workspace", simstat_fit_mixture_in(mix, M, 3, NULL, ws, wsize - 1, &in_ws), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("fit_mixture_in misaligned", simstat_fit_mixture_in(mix, M, 3, NULL, ws + 1, wsize, &in_ws), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("fit_mixture_in null workspace", simstat_fit_mixture_in(mix, M, 3, NULL, NULL, wsize, &in_ws), SIMSTAT_STATUS_NULL_POINTER);
    free(ws);
  }
  /* The small workspace (512-bin sketch, 1,024-value subsample) for memory-poor targets: a
   * K = 2 fit with min_subsample = 500 (the warm start on the sketch); capi/tests/mixture.rs
   * checks the same call against the Rust fit in a MixtureWorkspace<512, 1024>. */
  {
    size_t small = simstat_mixture_small_workspace_size();
    checks++;
    if (small >= simstat_mixture_workspace_size() || small < 100000) { failures++; printf("FAIL small workspace size %zu\n", small); }
    unsigned char *ws = malloc(small);
    if (ws == NULL) { printf("FAIL malloc\n"); return 1; }
    memset(ws, 0x5A, small);
    SimstatMixtureOptions o;
    check_status("mixture_options_default", simstat_mixture_options_default(&o), SIMSTAT_STATUS_OK);
    o.min_subsample = 500;
    SimstatMixture two;
    check_status("fit_mixture_small_in", simstat_fit_mixture_small_in(mix, M, 2, &o, ws, small, &two), SIMSTAT_STATUS_OK);
    checks++;
    if (!(two.k == 2 && isfinite(two.log_likelihood))) { failures++; printf("FAIL fit_mixture_small_in result\n"); }
    check_status("fit_mixture_small_in short workspace", simstat_fit_mixture_small_in(mix, M, 2, &o, ws, small - 1, &two), SIMSTAT_STATUS_BAD_LENGTH);
    free(ws);
  }
  /* Sketches in caller memory, the reduce step of a sharded fit: two shards sketch halves of
   * the data, one sends its bytes, the reducer reads and merges them; the merged sketch has the
   * bytes of the one-shard sketch, and the K = 2 fit from it equals the fit from that sketch
   * bit for bit (and is the Rust result: capi/tests/mixture.rs checks the same calls). */
  {
    size_t ssize = simstat_sketch_size(), wsize = simstat_mixture_workspace_size();
    checks++;
    if (ssize < 4096 * 16 || simstat_sketch_align() != 8) { failures++; printf("FAIL sketch size %zu\n", ssize); }
    unsigned char *a = malloc(ssize), *b = malloc(ssize), *all = malloc(ssize), *ws = malloc(wsize);
    uint8_t *bytes = malloc(ssize + 64), *bytes_all = malloc(ssize + 64);
    if (!a || !b || !all || !ws || !bytes || !bytes_all) { printf("FAIL malloc\n"); return 1; }
    check_status("sketch_init", simstat_sketch_init(a, ssize, -1.0, 1.0), SIMSTAT_STATUS_OK);
    check_status("sketch_init b", simstat_sketch_init(b, ssize, -1.0, 1.0), SIMSTAT_STATUS_OK);
    check_status("sketch_init all", simstat_sketch_init(all, ssize, -1.0, 1.0), SIMSTAT_STATUS_OK);
    check_status("sketch_extend a", simstat_sketch_extend(a, ssize, mix, 900), SIMSTAT_STATUS_OK);
    check_status("sketch_extend b", simstat_sketch_extend(b, ssize, mix + 900, M - 900), SIMSTAT_STATUS_OK);
    check_status("sketch_extend all", simstat_sketch_extend(all, ssize, mix, M), SIMSTAT_STATUS_OK);
    size_t blen = 0, written = 0, written_all = 0;
    check_status("sketch_byte_len", simstat_sketch_byte_len(b, ssize, &blen), SIMSTAT_STATUS_OK);
    check_status("sketch_write short", simstat_sketch_write(b, ssize, bytes, blen - 1, &written), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("sketch_write", simstat_sketch_write(b, ssize, bytes, ssize + 64, &written), SIMSTAT_STATUS_OK);
    /* the reducer: b's bytes into fresh memory (garbage first), merged into a */
    memset(b, 0x5A, ssize);
    check_status("sketch_read", simstat_sketch_read(bytes, written, b, ssize), SIMSTAT_STATUS_OK);
    check_status("sketch_merge", simstat_sketch_merge(a, ssize, b, ssize), SIMSTAT_STATUS_OK);
    uint64_t count = 0;
    check_status("sketch_count", simstat_sketch_count(a, ssize, &count), SIMSTAT_STATUS_OK);
    checks++;
    if (count != M) { failures++; printf("FAIL merged count %llu\n", (unsigned long long)count); }
    check_status("sketch_write merged", simstat_sketch_write(a, ssize, bytes, ssize + 64, &written), SIMSTAT_STATUS_OK);
    check_status("sketch_write all", simstat_sketch_write(all, ssize, bytes_all, ssize + 64, &written_all), SIMSTAT_STATUS_OK);
    checks++;
    if (written != written_all || memcmp(bytes, bytes_all, written) != 0) { failures++; printf("FAIL merged sketch differs\n"); }
    SimstatMixture from_merged, from_all;
    check_status("fit_mixture_sketch_in", simstat_fit_mixture_sketch_in(a, ssize, 2, NULL, ws, wsize, &from_merged), SIMSTAT_STATUS_OK);
    check_status("fit_mixture_sketch_in all", simstat_fit_mixture_sketch_in(all, ssize, 2, NULL, ws, wsize, &from_all), SIMSTAT_STATUS_OK);
    checks++;
    if (from_merged.k != 2 || from_merged.n != M || memcmp(from_merged.weights, from_all.weights, sizeof from_all.weights) != 0 ||
        from_merged.log_likelihood != from_all.log_likelihood) {
      failures++;
      printf("FAIL fit from merged sketch differs\n");
    }
    check_close("sketch fit weight 0 (two clusters 0.7 / 0.3)", from_merged.weights[0], 0.7, 2e-2);
    /* refused: bad interval, a value outside it, a NaN, short / misaligned / null memory, a
     * truncated encoding, merging sketches of other intervals or a sketch into itself */
    double outside = 1.5, nan = NAN;
    check_status("sketch_init bad interval", simstat_sketch_init(b, ssize, 1.0, -1.0), SIMSTAT_STATUS_BAD_PARAMETER);
    check_status("sketch_init short", simstat_sketch_init(b, ssize - 1, -1.0, 1.0), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("sketch_init misaligned", simstat_sketch_init(ws + 4, ssize, -1.0, 1.0), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("sketch_init null", simstat_sketch_init(NULL, ssize, -1.0, 1.0), SIMSTAT_STATUS_NULL_POINTER);
    check_status("sketch_extend outside", simstat_sketch_extend(a, ssize, &outside, 1), SIMSTAT_STATUS_OUT_OF_INTERVAL);
    check_status("sketch_extend NaN", simstat_sketch_extend(a, ssize, &nan, 1), SIMSTAT_STATUS_NON_FINITE);
    check_status("sketch_read truncated", simstat_sketch_read(bytes, written - 1, b, ssize), SIMSTAT_STATUS_BAD_ENCODING);
    check_status("sketch_init other interval", simstat_sketch_init(b, ssize, 0.0, 1.0), SIMSTAT_STATUS_OK);
    check_status("sketch_merge other interval", simstat_sketch_merge(a, ssize, b, ssize), SIMSTAT_STATUS_BAD_PARAMETER);
    check_status("sketch_merge into itself", simstat_sketch_merge(a, ssize, a, ssize), SIMSTAT_STATUS_BAD_LENGTH);
    check_status("fit_mixture_sketch_in other interval", simstat_fit_mixture_sketch_in(b, ssize, 2, NULL, ws, wsize, &from_all), SIMSTAT_STATUS_BAD_PARAMETER);
    check_status("fit_mixture_sketch_in k = 0", simstat_fit_mixture_sketch_in(a, ssize, 0, NULL, ws, wsize, &from_all), SIMSTAT_STATUS_BAD_LENGTH);
    free(a); free(b); free(all); free(ws); free(bytes); free(bytes_all);
  }

  SimstatDscOptions dopt;
  check_status("dsc options default", simstat_dsc_options_default(&dopt), SIMSTAT_STATUS_OK);
  SimstatSelection sel;
  check_status("select_dsc", simstat_select_dsc(&over, mix, M, &dopt, &sel), SIMSTAT_STATUS_OK);
  {
    /* the same selection with the level polishes in caller memory */
    size_t wsize = simstat_mixture_workspace_size();
    unsigned char *ws = malloc(wsize);
    memset(ws, 0xA5, wsize);
    SimstatSelection sel_in;
    check_status("select_dsc_in", simstat_select_dsc_in(&over, mix, M, &dopt, ws, wsize, &sel_in), SIMSTAT_STATUS_OK);
    checks++;
    if (sel_in.dsc_choice != sel.dsc_choice || sel_in.selected.k != sel.selected.k
        || memcmp(sel_in.dsc, sel.dsc, sizeof sel.dsc) != 0
        || memcmp(sel_in.selected.weights, sel.selected.weights, sizeof sel.selected.weights) != 0) {
      failures++;
      printf("FAIL select_dsc_in differs from select_dsc\n");
    }
    check_status("select_dsc_in null workspace", simstat_select_dsc_in(&over, mix, M, &dopt, NULL, wsize, &sel_in), SIMSTAT_STATUS_NULL_POINTER);
    check_status("select_dsc_in short workspace", simstat_select_dsc_in(&over, mix, M, &dopt, ws, wsize - 1, &sel_in), SIMSTAT_STATUS_BAD_LENGTH);
    free(ws);
  }
  checks++;
  /* the leaf rule absorbs the third component (an exponential atom in a cluster's tail) */
  if (sel.k0 != 2 || sel.absorbed != 1 || sel.dsc_choice != 2 || sel.bic_choice != 2 || sel.selected_level != 2 || sel.selected.k != 2) {
    failures++;
    printf("FAIL selection: k0 %zu, absorbed %zu, DSC %zu, BIC %zu, level %zu, k %zu\n", sel.k0, sel.absorbed, sel.dsc_choice, sel.bic_choice, sel.selected_level, sel.selected.k);
  }
  check_close("DSC merge height h(2)", sel.height[1], 0.8464963066397788, 1e-12);
  check_close("DSC(2)", sel.dsc[1], -39.464680489247925, 1e-12);
  check_close("level 2 log-likelihood", sel.log_likelihood[1], 642.8668988728185, 1e-12);
  check_close("merged weight 0", sel.selected.weights[0], 0.7001063404118172, 1e-12);
  check_close("merged shape 0", sel.selected.components[0].shape, 13.015025264688841, 1e-12);
  checks++;
  if (!isnan(sel.dsc[0]) || !isnan(sel.height[2])) { failures++; printf("FAIL DSC(1) / h(3) not NaN\n"); }
  dopt.level = 3;
  check_status("select_dsc level > K0", simstat_select_dsc(&over, mix, M, &dopt, &sel), SIMSTAT_STATUS_BAD_LENGTH);

  /* Calibration under the merged mixture: p-values, posteriors, responsibilities, FDR. */
  double ms[3] = {0.0, 0.6, 0.9}, mp[3], post[3], mlp[3], resp[6];
  check_status("mixture p-values", simstat_mixture_p_values(&sel.selected, ms, 3, mp), SIMSTAT_STATUS_OK);
  check_close("mixture p(0.0)", mp[0], 0.8209336414346003, 1e-12);
  check_close("mixture p(0.6)", mp[1], 1.0707910940361678e-4, 1e-12);
  check_close("mixture p(0.9)", mp[2], 7.96940936301309e-8, 1e-12);
  check_status("mixture posterior", simstat_mixture_posterior_relevant(&sel.selected, ms, 3, post), SIMSTAT_STATUS_OK);
  check_status("mixture ln pdf", simstat_mixture_ln_pdf(&sel.selected, ms, 3, mlp), SIMSTAT_STATUS_OK);
  check_status("mixture responsibilities", simstat_mixture_responsibilities(&sel.selected, ms, 3, resp, 6), SIMSTAT_STATUS_OK);
  for (int i = 0; i < 3; i++) {
    check_close("responsibilities sum to 1", resp[2 * i] + resp[2 * i + 1], 1.0, 1e-15);
    check_close("posterior = responsibility of the upper component", post[i], resp[2 * i + 1], 1e-14);
    /* ln p(x) = log of the weighted component densities, from simstat_gamma_ln_pdf */
    double l0, l1;
    simstat_gamma_ln_pdf(&sel.selected.components[0], &ms[i], 1, &l0);
    simstat_gamma_ln_pdf(&sel.selected.components[1], &ms[i], 1, &l1);
    double want = log(sel.selected.weights[0] * exp(l0) + sel.selected.weights[1] * exp(l1));
    check_close("mixture ln pdf = log sum of components", mlp[i], want, 1e-13);
  }
  checks++;
  if (!(post[0] < 1e-3 && post[2] > 0.99)) { failures++; printf("FAIL posteriors %g %g\n", post[0], post[2]); }
  check_status("responsibilities out too short", simstat_mixture_responsibilities(&sel.selected, ms, 3, resp, 5), SIMSTAT_STATUS_BAD_LENGTH);
  SimstatFdrCutoff mcut;
  check_status("mixture fdr", simstat_mixture_fdr_cutoff(&sel.selected, mix, M, 0.05, scratch, N, &mcut), SIMSTAT_STATUS_OK);
  checks++;
  if (mcut.tests != M) { failures++; printf("FAIL mixture fdr tests %zu\n", mcut.tests); }
  SimstatMixture broken = sel.selected;
  broken.weights[0] = 0.2;
  check_status("weights not summing to 1", simstat_mixture_p_values(&broken, ms, 3, mp), SIMSTAT_STATUS_BAD_PROBABILITY);
  broken = sel.selected;
  broken.k = 0;
  check_status("mixture k = 0", simstat_mixture_ln_pdf(&broken, ms, 3, mlp), SIMSTAT_STATUS_BAD_LENGTH);
  check_status("null mixture", simstat_mixture_ln_pdf(NULL, ms, 3, mlp), SIMSTAT_STATUS_NULL_POINTER);

  /* Background fit (BIC over orders 1..3): p-values = sum of weight x component sf. */
  SimstatMixture bgm;
  double *bscratch = malloc(M * sizeof(double));
  check_status("fit_background", simstat_fit_background(mix, M, 3, NULL, bscratch, M, &bgm), SIMSTAT_STATUS_OK);
  /* the same background and cuts with the fits' workspace in caller memory (e.g. a static
   * buffer on a device): bit for bit the plain calls' */
  size_t bg_wsize = simstat_mixture_workspace_size();
  unsigned char *bg_ws = malloc(bg_wsize);
  memset(bg_ws, 0xA5, bg_wsize);
  {
    SimstatMixture bgm_in;
    check_status("fit_background_in", simstat_fit_background_in(mix, M, 3, NULL, bscratch, M, bg_ws, bg_wsize, &bgm_in), SIMSTAT_STATUS_OK);
    checks++;
    if (bgm_in.k != bgm.k || bgm_in.scale != bgm.scale || memcmp(bgm_in.weights, bgm.weights, sizeof bgm.weights) != 0
        || memcmp(&bgm_in.log_likelihood, &bgm.log_likelihood, sizeof(double)) != 0) {
      failures++;
      printf("FAIL fit_background_in differs from fit_background\n");
    }
    check_status("fit_background_in null workspace", simstat_fit_background_in(mix, M, 3, NULL, bscratch, M, NULL, bg_wsize, &bgm_in), SIMSTAT_STATUS_NULL_POINTER);
    check_status("fit_background_in workspace over the scratch", simstat_fit_background_in(mix, M, 3, NULL, bscratch, M, (unsigned char *)bscratch, bg_wsize, &bgm_in), SIMSTAT_STATUS_BAD_LENGTH);
  }
  checks++;
  if (bgm.k != 2) { failures++; printf("FAIL fit_background kept %zu components\n", bgm.k); }
  double bp[3];
  check_status("background p-values", simstat_background_p_values(&bgm, ms, 3, bp), SIMSTAT_STATUS_OK);
  for (int i = 0; i < 3; i++) {
    double want = 0.0, z = atanh(ms[i]); /* the background is fitted on Fisher's z = atanh(s) */
    for (size_t j = 0; j < bgm.k; j++) {
      double sfj;
      simstat_gamma_sf(&bgm.components[j], &z, 1, &sfj);
      want += bgm.weights[j] * sfj;
    }
    check_close("background p = sum w sf", bp[i], want, 1e-13);
  }
  /* The background is on the Fisher-z scale (tagged): the cosine-scale functions refuse it, the
   * background functions refuse a cosine-scale mixture, and a scale code that is no
   * SimstatScoreScale is a bad parameter; nothing is written on refusal. */
  checks++;
  if (bgm.scale != SIMSTAT_SCORE_SCALE_FISHER_Z || sel.selected.scale != SIMSTAT_SCORE_SCALE_COSINE) {
    failures++;
    printf("FAIL scale tags %u %u\n", bgm.scale, sel.selected.scale);
  }
  double kept[3] = {7.0, 7.0, 7.0};
  check_status("background to mixture p-values", simstat_mixture_p_values(&bgm, ms, 3, kept), SIMSTAT_STATUS_WRONG_SCALE);
  check_status("background to mixture ln pdf", simstat_mixture_ln_pdf(&bgm, ms, 3, kept), SIMSTAT_STATUS_WRONG_SCALE);
  check_status("background to select_dsc", simstat_select_dsc(&bgm, mix, M, NULL, &sel), SIMSTAT_STATUS_WRONG_SCALE);
  check_status("cosine mixture to background p-values", simstat_background_p_values(&sel.selected, ms, 3, kept), SIMSTAT_STATUS_WRONG_SCALE);
  check_close("nothing written on a wrong scale", kept[0] + kept[1] + kept[2], 21.0, 0.0);
  SimstatMixture bad_scale = bgm;
  bad_scale.scale = 7;
  check_status("unknown scale code", simstat_background_p_values(&bad_scale, ms, 3, kept), SIMSTAT_STATUS_BAD_PARAMETER);
  checks++;
  if (strcmp(simstat_status_str(SIMSTAT_STATUS_WRONG_SCALE), "the mixture is on another score scale than the function reads") != 0) {
    failures++;
    printf("FAIL wrong-scale text\n");
  }
  check_status("fit_background null data", simstat_fit_background(NULL, M, 3, NULL, bscratch, M, &bgm), SIMSTAT_STATUS_NULL_POINTER);
  check_status("fit_background short scratch", simstat_fit_background(mix, M, 3, NULL, bscratch, M - 1, &bgm), SIMSTAT_STATUS_BAD_LENGTH);
  /* The cut: how many of the top scores to return; the threshold agrees with the count. */
  for (uint32_t rule = 0; rule < 4; rule++) {
    size_t keep = 0;
    double thr = 0.0;
    check_status("cut", simstat_cut(mix, M, rule, NAN, bscratch, M, &keep, &thr), SIMSTAT_STATUS_OK);
    size_t above = 0;
    for (int i = 0; i < M; i++) above += mix[i] >= thr;
    checks++;
    if (above != keep || keep > M) { failures++; printf("FAIL cut rule %u: keep %zu, %zu at or above %g\n", rule, keep, above, thr); }
    size_t keep_in = 0;
    double thr_in = 0.0;
    check_status("cut_in", simstat_cut_in(mix, M, rule, NAN, bscratch, M, bg_ws, bg_wsize, &keep_in, &thr_in), SIMSTAT_STATUS_OK);
    checks++;
    if (keep_in != keep || memcmp(&thr_in, &thr, sizeof thr) != 0) { failures++; printf("FAIL cut_in rule %u: keep %zu vs %zu\n", rule, keep_in, keep); }
    check_status("cut_in short workspace", simstat_cut_in(mix, M, rule, NAN, bscratch, M, bg_ws, bg_wsize - 1, &keep_in, &thr_in), SIMSTAT_STATUS_BAD_LENGTH);
  }
  free(bg_ws);
  size_t keep0 = 0;
  double thr0 = 0.0;
  check_status("cut bad rule", simstat_cut(mix, M, 9, NAN, bscratch, M, &keep0, &thr0), SIMSTAT_STATUS_BAD_PARAMETER);
  check_status("cut bad ratio", simstat_cut(mix, M, SIMSTAT_CUT_RULE_RELATIVE_EXCESS, 2.0, bscratch, M, &keep0, &thr0), SIMSTAT_STATUS_BAD_PROBABILITY);
  check_status("cut null out", simstat_cut(mix, M, 0, NAN, bscratch, M, NULL, &thr0), SIMSTAT_STATUS_NULL_POINTER);
  check_status("cut short scratch", simstat_cut(mix, M, 0, NAN, bscratch, M - 1, &keep0, &thr0), SIMSTAT_STATUS_BAD_LENGTH);
  free(bscratch);

  /* Geometry: 3 rows in 2-D, known angles; then the dispersion loss and its gradient. */
  float xs[6] = {1.0f, 0.0f, 0.0f, 2.0f, 1.0f, 1.0f};
  size_t slen = 0;
  check_status("pairwise scratch len", simstat_pairwise_scratch_len(3, 2, &slen), SIMSTAT_STATUS_OK);
  float *gs = malloc(slen * sizeof(float));
  float cosm[9], ang[3];
  check_status("pairwise cosine full", simstat_pairwise(xs, 3, 2, SIMSTAT_PAIR_VALUE_COSINE, 0, cosm, 9, gs, slen), SIMSTAT_STATUS_OK);
  check_close("cos(e1, e2) = 0", cosm[1] + 1.0, 1.0, 1e-6);
  check_close("cos(e1, (1,1))", cosm[2], 0.70710678118654752, 1e-6);
  check_close("diagonal", cosm[4], 1.0, 0.0);
  check_status("pairwise angles packed", simstat_pairwise(xs, 3, 2, SIMSTAT_PAIR_VALUE_ANGLE, 1, ang, 3, gs, slen), SIMSTAT_STATUS_OK);
  check_close("angle(e1, e2) = pi/2", ang[0], 1.5707963267948966, 1e-6);
  check_close("angle(e2, (1,1)) = pi/4", ang[2], 0.78539816339744831, 1e-6);
  check_status("pairwise bad value", simstat_pairwise(xs, 3, 2, 7, 1, ang, 3, gs, slen), SIMSTAT_STATUS_BAD_PARAMETER);
  check_status("pairwise short out", simstat_pairwise(xs, 3, 2, 0, 0, cosm, 8, gs, slen), SIMSTAT_STATUS_BAD_LENGTH);
  float zero_rows[6] = {0.0f, 0.0f, 0.0f, 2.0f, 1.0f, 1.0f};
  check_status("pairwise zero row", simstat_pairwise(zero_rows, 3, 2, 0, 0, cosm, 9, gs, slen), SIMSTAT_STATUS_ZERO_NORM);
  free(gs);
  enum { DN = 16, DF = 8 };
  float emb[DN * DF], grad[DN * DF];
  for (int i = 0; i < DN * DF; i++) emb[i] = (float)(uniform() - 0.5);
  check_status("dispersion scratch len", simstat_dispersion_scratch_len(DN, DF, 1, &slen), SIMSTAT_STATUS_OK);
  float *ds = malloc(slen * sizeof(float));
  SimstatDispersionOptions dopts;
  check_status("dispersion defaults", simstat_dispersion_options_default(&dopts), SIMSTAT_STATUS_OK);
  double loss = 0.0, loss2 = 0.0;
  check_status("dispersion loss", simstat_dispersion_loss(emb, DN, DF, &dopts, NULL, ds, slen, &loss), SIMSTAT_STATUS_OK);
  check_status("dispersion loss+grad", simstat_dispersion_loss(emb, DN, DF, NULL, grad, ds, slen, &loss2), SIMSTAT_STATUS_OK);
  check_close("loss with and without gradient", loss2, loss, 1e-6);
  checks++;
  if (!(loss < 0.0 && loss > -1.0)) { failures++; printf("FAIL dispersion loss %g\n", loss); }
  /* Central difference on one coordinate agrees with the gradient. */
  float saved = emb[5];
  double lp, lm, h = 1e-2;
  emb[5] = saved + (float)h;
  simstat_dispersion_loss(emb, DN, DF, NULL, NULL, ds, slen, &lp);
  emb[5] = saved - (float)h;
  simstat_dispersion_loss(emb, DN, DF, NULL, NULL, ds, slen, &lm);
  emb[5] = saved;
  check_close("gradient vs central difference", grad[5], (lp - lm) / (2.0 * h), 2e-2);
  check_status("dispersion one row", simstat_dispersion_loss(emb, 1, DF, NULL, NULL, ds, slen, &loss), SIMSTAT_STATUS_BAD_LENGTH);
  free(ds);

  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
