#!/usr/bin/env python3
"""Compact copy of the shared labelled retrieval data (run once; outputs committed).

Usage (any directory):  python3 tests/data/labelled/make_labelled.py [SRC_DIR]

SRC_DIR defaults to ../shared/data/labelled relative to the crate root (i.e. /work/shared/data/labelled
when the crate is /work/main). Writes next to this script:

- <ds>_<model>.f32 : the <ds>_<model>.sims.f64 matrix rounded to little-endian float32, row-major
                     [n_queries, n_docs] (row = query_index, column = doc_index), no header.
- <ds>.rel.tsv     : the relevant pairs only (grade > 0) of <ds>.qrels.tsv, header
                     `query_index\tdoc_index`, sorted by (query_index, doc_index).
- settings.tsv     : header `name\tfile\trel\tn_queries\tn_docs`, one row per setting.

The sha256 of each source .sims.f64 is checked against its .json before anything is written.
"""
import hashlib
import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # tests/data/labelled -> crate root
SRC = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (ROOT / ".." / "shared" / "data" / "labelled")
SRC = SRC.resolve()

SETTINGS = [  # (name, dataset, model)
    ("cran-l6", "cranfield", "minilm_l6"),
    ("cran-l3", "cranfield", "minilm_l3"),
    ("cisi-l6", "cisi", "minilm_l6"),
    ("cisi-l3", "cisi", "minilm_l3"),
]


def main():
    rows = []
    rel_written = set()
    for name, ds, model in SETTINGS:
        meta = json.load(open(SRC / f"{ds}_{model}.json"))
        raw = (SRC / f"{ds}_{model}.sims.f64").read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta["sha256"]:
            sys.exit(f"sha256 mismatch for {ds}_{model}.sims.f64")
        nq, nd = meta["n_queries"], meta["n_docs"]
        s64 = np.frombuffer(raw, dtype="<f8").reshape(nq, nd)
        s32 = s64.astype("<f4")  # round to nearest
        out = HERE / f"{ds}_{model}.f32"
        s32.tofile(out)
        print(f"{out.name}: {nq} x {nd}, max |f32 - f64| = {np.abs(s32.astype(np.float64) - s64).max():.2e}")
        rel = f"{ds}.rel.tsv"
        if ds not in rel_written:
            q = np.loadtxt(SRC / meta["qrels_file"], delimiter="\t", skiprows=1, dtype=np.int64, ndmin=2)
            pairs = sorted({(int(a), int(b)) for a, b, g in q if g > 0})
            assert all(0 <= a < nq and 0 <= b < nd for a, b in pairs)
            assert len({a for a, _ in pairs}) == nq, "every query must have a relevant document"
            with open(HERE / rel, "w") as f:
                f.write("query_index\tdoc_index\n")
                for a, b in pairs:
                    f.write(f"{a}\t{b}\n")
            print(f"{rel}: {len(pairs)} relevant pairs over {nq} queries")
            rel_written.add(ds)
        rows.append((name, out.name, rel, nq, nd))
    with open(HERE / "settings.tsv", "w") as f:
        f.write("name\tfile\trel\tn_queries\tn_docs\n")
        for r in rows:
            f.write("\t".join(map(str, r)) + "\n")
    total = sum((HERE / r[1]).stat().st_size for r in rows) + sum(
        (HERE / f"{ds}.rel.tsv").stat().st_size for ds in rel_written)
    print(f"settings.tsv: {len(rows)} settings; data total {total} bytes")


if __name__ == "__main__":
    main()
