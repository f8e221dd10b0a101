"""Reference values for tests/effect_fixtures.rs and the CLI test
(crates/cli/tests/analysis.rs), written to tests/fixtures/effect_fixtures.json.

Run (creates its own venv with pinned versions, then re-runs itself in it):
    python3 crates/analysis/tests/reference/make_fixtures.py

Every value comes from a library where the library has the method, with the
documented convention applied around it (README.md ("Methods and conventions")):
- Wilson: statsmodels proportion_confint(method="wilson");
- Newcombe hybrid score RD: statsmodels confint_proportions_2indep(method="newcomb");
- Katz RR / Woolf OR: statsmodels Table2x2 on the (zero-corrected) table;
- χ² (Pearson, Yates, G): scipy chi2_contingency; Fisher: scipy fisher_exact,
  mid-P from scipy hypergeom;
- MH OR (RBG CI), MH RR, CMH, Breslow–Day (± Tarone): statsmodels
  StratifiedTable where every stratum is informative; the MH RD (Sato) and the
  MH RR CI (Greenland–Robins), which statsmodels lacks, are written out;
- logistic regression: statsmodels GLM(Binomial) on one row per person;
- SRM: scipy chisquare; Holm / BH: statsmodels multipletests.
CI does not run python: the JSON is committed.
"""
import json
import math
import os
import subprocess
import sys

PINS = ["numpy==2.4.6", "scipy==1.17.1", "statsmodels==0.15.0", "pandas==3.1.1"]
VENV = "/tmp/itaku-effect-fixtures-venv"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "effect_fixtures.json")


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.prefix) == VENV:
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q", *PINS])
    os.execv(py, [py, os.path.abspath(__file__), *sys.argv[1:]])


ensure_venv()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from scipy.optimize import brentq  # noqa: E402
from scipy.stats import chi2, chi2_contingency, chisquare, fisher_exact, hypergeom, norm  # noqa: E402
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint  # noqa: E402

Z = norm.ppf(0.975)
f = float


def close(x, y, tol=1e-9):
    assert abs(x - y) <= tol * max(1.0, abs(y)), (x, y)


def two_arm(a, b, c, d):
    n1, n0 = a + b, c + d
    p1, p0 = a / n1, c / n0
    lo1, hi1 = proportion_confint(a, n1, alpha=0.05, method="wilson")
    lo0, hi0 = proportion_confint(c, n0, alpha=0.05, method="wilson")
    # Wilson bounds at 0 % and 100 % are exactly 0 and 1 (statsmodels can be
    # off by an ulp there).
    lo1, hi1 = (0.0 if a == 0 else lo1), (1.0 if a == n1 else hi1)
    lo0, hi0 = (0.0 if c == 0 else lo0), (1.0 if c == n0 else hi0)
    rd = p1 - p0
    nc_lo = rd - math.hypot(p1 - lo1, hi0 - p0)
    nc_hi = rd + math.hypot(hi1 - p1, p0 - lo0)
    if 0 < a < n1 and 0 < c < n0:
        sm_lo, sm_hi = confint_proportions_2indep(a, n1, c, n0, method="newcomb", compare="diff")
        close(nc_lo, sm_lo)
        close(nc_hi, sm_hi)
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)

    def ratio(kind, corrected, table):
        t = Table2x2(np.array(table, dtype=float), shift_zeros=False)
        if kind == "rr":
            est, (lo, hi), lse, p = t.riskratio, t.riskratio_confint(0.05), t.log_riskratio_se, t.riskratio_pvalue()
        else:
            est, (lo, hi), lse, p = t.oddsratio, t.oddsratio_confint(0.05), t.log_oddsratio_se, t.oddsratio_pvalue()
        if lse == 0:
            p = 1.0
        return {"estimate": f(est), "lower": f(lo), "upper": f(hi), "log_se": f(lse),
                "p_value": f(p), "corrected": corrected}

    rr_fix = a == 0 or c == 0
    h = 0.5 if rr_fix else 0.0
    rr = ratio("rr", rr_fix, [[a + h, b + h], [c + h, d + h]])
    or_fix = 0 in (a, b, c, d)
    h = 0.5 if or_fix else 0.0
    orr = ratio("or", or_fix, [[a + h, b + h], [c + h, d + h]])
    n = n1 + n0
    m1, m0 = a + c, b + d
    expected = [n1 * m1 / n, n1 * m0 / n, n0 * m1 / n, n0 * m0 / n]
    t = np.array([[a, b], [c, d]])
    if m1 > 0 and m0 > 0:
        x2, px2 = chi2_contingency(t, correction=False)[:2]
        y2, py2 = chi2_contingency(t, correction=True)[:2]
        g, pg = chi2_contingency(t, correction=False, lambda_="log-likelihood")[:2]
        pbar = m1 / n
        zp = rd / math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n0))
        tests = {"pearson": {"statistic": f(x2), "p_value": f(px2)},
                 "yates": {"statistic": f(y2), "p_value": f(py2)},
                 "likelihood_ratio": {"statistic": f(g), "p_value": f(pg)},
                 "z_pooled": f(zp)}
    else:
        tests = {"pearson": None, "yates": None, "likelihood_ratio": None, "z_pooled": None}
    fp = fisher_exact(t)[1]
    xs = np.arange(max(0, m1 - n0), min(n1, m1) + 1)
    pm = hypergeom.pmf(xs, n, m1, n1)
    po = hypergeom.pmf(a, n, m1, n1)
    tied = np.abs(pm - po) <= 1e-7 * po
    midp = pm[(pm < po) & ~tied].sum() + 0.5 * pm[tied].sum()
    return {
        "cells": [a, b, c, d],
        "treated": {"estimate": f(p1), "lower": f(lo1), "upper": f(hi1)},
        "control": {"estimate": f(p0), "lower": f(lo0), "upper": f(hi0)},
        "risk_difference": {"estimate": f(rd), "newcombe": [f(nc_lo), f(nc_hi)],
                            "wald": [f(rd - Z * se), f(rd + Z * se)], "wald_se": f(se)},
        "risk_ratio": rr,
        "odds_ratio": orr,
        "expected": [f(e) for e in expected],
        "any_expected_below_5": bool(min(expected) < 5),
        **tests,
        "fisher": {"p_value": f(fp), "mid_p": f(midp),
                   "p_less": f(fisher_exact(t, alternative="less")[1]),
                   "p_greater": f(fisher_exact(t, alternative="greater")[1])},
    }


TABLES = [  # (a, b, c, d): treated attended / not, control attended / not
    (30, 70, 18, 82), (412, 1588, 355, 1645), (3, 9, 1, 11), (0, 10, 4, 6),
    (10, 0, 6, 4), (0, 20, 0, 25), (20, 0, 25, 0), (1, 0, 0, 1), (7, 3, 2, 8),
    (120000, 380000, 110000, 390000), (5, 5, 5, 5), (1, 1, 1, 1), (0, 1, 1, 0),
    (2, 0, 0, 3), (0, 3, 2, 1), (50, 50, 0, 100), (1, 999, 0, 1000),
    (333, 667, 300, 700), (48213, 451787, 41002, 458998), (9, 1, 9, 1),
    (4, 16, 4, 16), (15, 5, 3, 17), (0, 5, 5, 0), (6, 1, 5, 0),
]

STRATIFIED = {
    "segments": [("過去受診", (30, 70, 18, 82)), ("未受診", (45, 55, 40, 60)), ("新規", (12, 88, 10, 90))],
    "ucb": [("A", (512, 313, 89, 19)), ("B", (353, 207, 17, 8)), ("C", (120, 205, 202, 391)),
            ("D", (138, 279, 131, 244)), ("E", (53, 138, 94, 299)), ("F", (22, 351, 24, 317))],
    "sparse": [("a", (1, 2, 0, 3)), ("b", (2, 1, 1, 2)), ("c", (0, 4, 0, 5)), ("d", (3, 0, 1, 1))],
    "single": [("全体", (40, 60, 25, 75))],
    "large": [("40-49歳 男", (21000, 79000, 15000, 85000)), ("40-49歳 女", (30500, 69500, 24000, 76000)),
              ("50-64歳 男", (28000, 72000, 26500, 73500)), ("50-64歳 女", (36000, 64000, 30000, 70000)),
              ("65-74歳 男", (44000, 56000, 43800, 56200)), ("65-74歳 女", (50100, 49900, 45000, 55000))],
    "heterogeneous": [("効く", (60, 40, 20, 80)), ("効かない", (30, 70, 30, 70)), ("逆効果", (10, 90, 25, 75))],
    "tiny": [("x", (1, 0, 0, 1)), ("y", (1, 1, 0, 2)), ("z", (2, 1, 1, 1))],
}


def mh(strata):
    t = np.array([c for _, c in strata], dtype=float)
    a, b, c, d = t.T
    n1, n0 = a + b, c + d
    n = n1 + n0
    m1, m0 = a + c, b + d
    use = (n1 > 0) & (n0 > 0)
    a, b, c, d, n1, n0, n, m1, m0 = (x[use] for x in (a, b, c, d, n1, n0, n, m1, m0))
    R, S = (a * d / n).sum(), (b * c / n).sum()
    out = {"odds_ratio": None, "risk_ratio": None, "risk_difference": None, "cmh": None,
           "cmh_corrected": None, "breslow_day": None, "breslow_day_tarone": None}
    informative = (m1 > 0) & (m0 > 0)
    all_informative = bool(informative.all()) and len(a) > 0
    st = StratifiedTable(np.stack([[[ai, bi], [ci, di]] for ai, bi, ci, di in zip(a, b, c, d)], axis=2)) \
        if all_informative else None
    orr = None
    if R > 0 and S > 0:
        P, Q = (a + d) / n, (b + c) / n
        orr = R / S
        v = ((P * a * d / n).sum() / (2 * R**2) + ((P * b * c / n) + (Q * a * d / n)).sum() / (2 * R * S)
             + (Q * b * c / n).sum() / (2 * S**2))
        se = math.sqrt(v)
        if st is not None:
            close(orr, st.oddsratio_pooled)
            close(se, st.logodds_pooled_se)
            lo, hi = st.oddsratio_pooled_confint(0.05)
            close(orr * math.exp(-Z * se), lo)
        out["odds_ratio"] = {"estimate": f(orr), "lower": f(orr * math.exp(-Z * se)),
                             "upper": f(orr * math.exp(Z * se)), "log_se": f(se),
                             "p_value": f(2 * norm.sf(abs(math.log(orr) / se))) if se > 0 else 1.0}
    rn, rdn = (a * n0 / n).sum(), (c * n1 / n).sum()
    if rn > 0 and rdn > 0:
        rr = rn / rdn
        if st is not None:
            close(rr, st.riskratio_pooled)
        rse = math.sqrt(((n1 * n0 * m1 - a * c * n) / n**2).sum() / (rn * rdn))
        out["risk_ratio"] = {"estimate": f(rr), "lower": f(rr * math.exp(-Z * rse)),
                             "upper": f(rr * math.exp(Z * rse)), "log_se": f(rse),
                             "p_value": f(2 * norm.sf(abs(math.log(rr) / rse))) if rse > 0 else 1.0}
    W = (n1 * n0 / n).sum()
    if W > 0:
        rd = ((a * n0 - c * n1) / n).sum() / W
        Ps = ((n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / n**2).sum()
        Qs = ((a * (n0 - c) + c * (n1 - a)) / (2 * n)).sum()
        rdse = math.sqrt(max(0.0, (rd * Ps + Qs) / W**2))
        out["risk_difference"] = {"estimate": f(rd), "lower": f(rd - Z * rdse), "upper": f(rd + Z * rdse),
                                  "se": f(rdse), "p_value": f(2 * norm.sf(abs(rd / rdse))) if rdse > 0 else 1.0}
    big = n > 1
    delta = a[big].sum() - (n1 * m1 / n)[big].sum()
    var = (n1 * n0 * m1 * m0 / (n**2 * (n - 1)))[big].sum()
    if var > 0:
        cmh = delta**2 / var
        ad = abs(delta)
        cmhc = (ad - 0.5 if ad >= 0.5 else ad) ** 2 / var
        if st is not None:
            r = st.test_null_odds(correction=False)
            close(cmh, r.statistic)
        out["cmh"] = {"statistic": f(cmh), "p_value": f(chi2.sf(cmh, 1))}
        out["cmh_corrected"] = {"statistic": f(cmhc), "p_value": f(chi2.sf(cmhc, 1))}
    if orr is not None:
        bd = sa = se_ = sv = 0.0
        k = 0
        for ai, n1i, n0i, m1i, m0i in zip(a, n1, n0, m1, m0):
            if m1i == 0 or m0i == 0:
                continue
            lo, hi = max(0, m1i - n0i), min(n1i, m1i)
            g = lambda x: x * (n0i - m1i + x) - orr * (n1i - x) * (m1i - x)  # noqa: E731
            e = lo if g(lo) == 0 else hi if g(hi) == 0 else brentq(g, lo, hi, xtol=1e-14, rtol=1e-15)
            vi = 1 / (1 / e + 1 / (n1i - e) + 1 / (m1i - e) + 1 / (n0i - m1i + e))
            if not (math.isfinite(vi) and vi > 0):
                continue
            bd += (ai - e) ** 2 / vi
            sa += ai
            se_ += e
            sv += vi
            k += 1
        if k >= 2:
            tarone = max(0.0, bd - (sa - se_) ** 2 / sv)
            if st is not None and k == len(a):
                close(bd, st.test_equal_odds(adjust=False).statistic, 1e-7)
                close(tarone, st.test_equal_odds(adjust=True).statistic, 1e-7)
            out["breslow_day"] = {"statistic": f(bd), "df": k - 1, "p_value": f(chi2.sf(bd, k - 1))}
            out["breslow_day_tarone"] = {"statistic": f(tarone), "df": k - 1, "p_value": f(chi2.sf(tarone, k - 1))}
    return out


def srm(counts, weights):
    tot = sum(counts)
    exp = np.array(weights, dtype=float) / sum(weights) * tot
    r = chisquare(counts, exp)
    return {"observed": list(counts), "weights": list(weights), "chi2": f(r.statistic), "p_value": f(r.pvalue)}


def stratified(name, strata):
    per = [two_arm(*c) for _, c in strata]
    tot = [sum(c[i] for _, c in strata) for i in range(4)]
    ps = []
    for p in per:
        ps.append(p["fisher"]["p_value"] if p["any_expected_below_5"] else p["pearson"]["p_value"])
    holm = multipletests(ps, method="holm")[1]
    bh = multipletests(ps, method="fdr_bh")[1]
    return {
        "name": name,
        "strata": [{"label": label, "cells": list(c)} for label, c in strata],
        "overall": two_arm(*tot),
        "per_stratum": per,
        "segment_p": [f(p) for p in ps],
        "holm": [f(p) for p in holm],
        "bh": [f(p) for p in bh],
        "mantel_haenszel": mh(strata),
        "srm": srm([tot[2] + tot[3], tot[0] + tot[1]], [1, 1]),
        "srm_by_stratum": [srm([c[2] + c[3], c[0] + c[1]], [1, 1]) for _, c in strata],
    }


def logistic_dataset(seed, n_patterns, segments, effect, interaction):
    rng = np.random.default_rng(seed)
    pats = []
    for treated in (0, 1):
        for _ in range(n_patterns):
            age = int(rng.integers(40, 75))
            female = int(rng.integers(0, 2))
            seg = segments[int(rng.integers(0, len(segments)))]
            n = int(rng.integers(3, 40))
            eta = -1.2 + effect[seg] * treated + 0.02 * (age - 55) - 0.3 * female + 0.2 * segments.index(seg)
            k = int(rng.binomial(n, 1 / (1 + math.exp(-eta))))
            pats.append([treated, age, female, seg, n, k])
    return pats


def glm(pats, arm, interaction):
    segs = sorted({p[3] for p in pats})
    rows = []
    y = []
    for t, age, fe, seg, n, k in pats:
        for i in range(n):
            rows.append((t, age, fe, seg))
            y.append(1.0 if i < k else 0.0)
    df = pd.DataFrame(rows, columns=["treated", "age", "female", "seg"])
    cols = {"切片": np.ones(len(df))}
    labels = ["切片"]
    if arm:
        cols["通知＋電話"] = df.treated.astype(float).to_numpy()
        labels.append("通知＋電話")
    cols["年齢（1歳あたり）"] = df.age.astype(float).to_numpy()
    cols["女性"] = df.female.astype(float).to_numpy()
    labels += ["年齢（1歳あたり）", "女性"]
    for s in segs[1:]:
        cols[f"区分: {s}"] = (df.seg == s).astype(float).to_numpy()
        labels.append(f"区分: {s}")
    if arm and interaction:
        for s in segs[1:]:
            cols[f"通知＋電話 × 区分: {s}"] = ((df.seg == s) & (df.treated == 1)).astype(float).to_numpy()
            labels.append(f"通知＋電話 × 区分: {s}")
    X = pd.DataFrame(cols)[labels]
    res = sm.GLM(np.array(y), X, family=sm.families.Binomial()).fit(tol=1e-14, maxiter=100)
    return {"terms": labels, "params": [f(x) for x in res.params], "bse": [f(x) for x in res.bse],
            "deviance": f(res.deviance), "null_deviance": f(res.null_deviance), "n": len(y)}


def logistic(name, pats, interaction):
    full = glm(pats, True, interaction)
    red = glm(pats, False, False)
    lr = red["deviance"] - full["deviance"]
    df = len(full["terms"]) - len(red["terms"])
    return {"name": name, "interaction": interaction, "patterns": pats, "full": full, "reduced": red,
            "lr_arm": {"statistic": f(lr), "df": df, "p_value": f(chi2.sf(lr, df))}}


def main():
    segs = ["過去受診", "未受診", "新規"]
    fixtures = {
        "generated_by": "crates/analysis/tests/reference/make_fixtures.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "statsmodels": statsmodels.__version__, "pandas": pd.__version__},
        "level": 0.95,
        "two_arm": [two_arm(*t) for t in TABLES],
        "stratified": [stratified(k, v) for k, v in STRATIFIED.items()],
        "logistic": [
            logistic("main", logistic_dataset(1, 60, segs, {"過去受診": 0.1, "未受診": 0.6, "新規": 0.3}, False), False),
            logistic("interaction", logistic_dataset(2, 80, segs, {"過去受診": 0.0, "未受診": 0.8, "新規": 0.3}, True), True),
            logistic("two_segments", logistic_dataset(3, 40, ["A", "B"], {"A": 0.5, "B": 0.5}, False), False),
        ],
        "srm": [srm(c, w) for c, w in [([5050, 4950], [1, 1]), ([10300, 9700], [1, 1]), ([2100, 950], [2, 1]),
                                        ([30, 31, 29], [1, 1, 1]), ([0, 0], [1, 1]), ([1, 0], [1, 1])]
                if sum(c) > 0],
        "adjust": [],
    }
    for ps in ([0.01, 0.04, 0.03, 0.005, 0.5, 0.04], [0.2, 0.2, 0.2], [1e-12, 0.9, 0.049, 0.051], [0.0, 1.0]):
        fixtures["adjust"].append({"p": ps, "holm": [f(x) for x in multipletests(ps, method="holm")[1]],
                                   "bh": [f(x) for x in multipletests(ps, method="fdr_bh")[1]]})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(fixtures, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print(f"wrote {os.path.normpath(OUT)}: {len(TABLES)} tables, {len(STRATIFIED)} stratified sets, "
          f"{len(fixtures['logistic'])} logistic fits")


main()
