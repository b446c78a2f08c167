"""Extract the geometry test data from /work/shared/data/embeddings (run once; outputs committed).

- embeddings_minilm_l6_first1024.f32: rows 0..1023 of embeddings_minilm_l6.f32 (1024 x 384 f32 LE)
- pairwise_stats_first1024.csv: the dispersion_loss values of pairwise_stats.json for those rows
  (definition there: cos = float64 dot of the float32 rows, no re-normalisation, clip to [-1,1],
  L_tau = log sum_{i != j} exp(-arccos(cos)/(pi tau)), float64 log-sum-exp), plus mean_cos.
"""
import json, pathlib, numpy as np
src = pathlib.Path("/work/shared/data/embeddings")
out = pathlib.Path(__file__).parent
e = np.fromfile(src / "embeddings_minilm_l6.f32", dtype="<f4").reshape(-1, 384)[:1024]
e.tofile(out / "embeddings_minilm_l6_first1024.f32")
s = json.load(open(src / "pairwise_stats.json"))["stats"]["minilm_l6"]["first_1024_rows"]
with open(out / "pairwise_stats_first1024.csv", "w") as f:
    f.write("quantity,value\n")
    for k, v in s["dispersion_loss"].items():
        f.write(f"dispersion_loss_{k},{v!r}\n")
    f.write(f"mean_cos,{s['mean_cos']!r}\n")
# Independent check of the extract with numpy (float64), printed for the record.
E = e.astype(np.float64); C = E @ E.T; iu = ~np.eye(1024, dtype=bool)
for tau in (0.1, 1.0):
    x = -np.arccos(np.clip(C[iu], -1, 1)) / (np.pi * tau); m = x.max()
    print(tau, m + np.log(np.exp(x - m).sum()), s["dispersion_loss"][f"tau={tau}"])
