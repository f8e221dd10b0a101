"""Anchor for examples/effect_bench.rs in pandas + statsmodels: the same
analysis on the same rows (tests/reference/dataset.py's generator), the way
an analyst would write it with those libraries — a DataFrame, crosstabs per
segment, statsmodels' Table2x2 / StratifiedTable / proportion intervals,
scipy's χ² and Fisher, and statsmodels GLM(Binomial) on one row per person
for the adjusted model, its nested model and the T-learner's two models.

Run (bench/analysis.sh makes the venv with the pinned versions):
    python crates/analysis/tests/reference/bench_statsmodels.py 1000000
"""
import sys
import time

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from scipy.stats import chi2_contingency, fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
SEGMENTS = np.array(["過去受診", "未受診", "新規"])

# Data generation is not timed (the Rust side does not time it either).
i = np.arange(n, dtype=np.uint64)
h = (i * np.uint64(2654435761) + np.uint64(12345)) % np.uint64(2**32)
treated = i % 2 == 1
age = 40.0 + ((i * 7) % 35).astype(float)
female = (i * 3) % 5 < 3
seg = ((i * 11 + i // 7) % 3).astype(int)
u = h.astype(float) / 2**32
p = 0.15 + 0.12 * treated + 0.06 * seg + 0.004 * (age - 40.0) - 0.05 * female
df = pd.DataFrame({
    "treated": treated.astype(int), "age": age, "female": female.astype(int),
    "segment": pd.Categorical(SEGMENTS[seg], categories=sorted(SEGMENTS)),
    "attended": (u < p).astype(int), "reached": (treated & (i % 3 != 0)).astype(int),
})


def compare(tab):
    """Everything the report shows for one 2×2 table [[a, b], [c, d]]."""
    (a, b), (c, d) = tab
    n1, n0 = a + b, c + d
    out = {"wilson": (proportion_confint(a, n1, method="wilson"), proportion_confint(c, n0, method="wilson")),
           "newcombe": confint_proportions_2indep(a, n1, c, n0, method="newcomb", compare="diff"),
           "rd": a / n1 - c / n0}
    t = Table2x2(np.asarray(tab, dtype=float))
    out["rr"] = (t.riskratio, t.riskratio_confint())
    out["or"] = (t.oddsratio, t.oddsratio_confint())
    out["chi"] = [chi2_contingency(tab, correction=k)[0] for k in (False, True)]
    out["g"] = chi2_contingency(tab, correction=False, lambda_="log-likelihood")[0]
    out["fisher"] = fisher_exact(tab)[1]
    return out


def table(d):
    ct = pd.crosstab(d["treated"], d["attended"]).reindex(index=[1, 0], columns=[1, 0], fill_value=0)
    return ct.to_numpy()


def design(d, arm):
    X = pd.get_dummies(d["segment"], drop_first=True, dtype=float)
    X.insert(0, "female", d["female"].astype(float))
    X.insert(0, "age", d["age"])
    if arm:
        X.insert(0, "treated", d["treated"].astype(float))
    return sm.add_constant(X, prepend=True)


t0 = time.perf_counter()
per_segment = {s: table(g) for s, g in df.groupby("segment", observed=True)}
effects = {s: compare(t) for s, t in per_segment.items()}
st = StratifiedTable([per_segment[s] for s in sorted(per_segment)])
mh_or = st.oddsratio_pooled
mh_ci = st.oddsratio_pooled_confint()
mh_rr = st.riskratio_pooled
cmh = st.test_null_odds(correction=False).statistic
tarone = st.test_equal_odds(adjust=True).statistic
overall = compare(table(df))
rd = overall["rd"]
contact = df.loc[df.treated == 1, "reached"].mean() - df.loc[df.treated == 0, "reached"].mean()
cace = rd / contact
t_tables = time.perf_counter() - t0

t1 = time.perf_counter()
y = df["attended"].astype(float)
full = sm.GLM(y, design(df, True), family=sm.families.Binomial()).fit(tol=1e-12)
red = sm.GLM(y, design(df, False), family=sm.families.Binomial()).fit(tol=1e-12)
t_logit = time.perf_counter() - t1

t2 = time.perf_counter()
X = design(df, False)
mt = sm.GLM(y[df.treated == 1], X[df.treated == 1], family=sm.families.Binomial()).fit(tol=1e-12)
mc = sm.GLM(y[df.treated == 0], X[df.treated == 0], family=sm.families.Binomial()).fit(tol=1e-12)
upl = mt.predict(X).to_numpy() - mc.predict(X).to_numpy()
# Qini: people with equal scores enter together (as the Rust code does).
q = pd.DataFrame({"s": upl, "t": df["treated"].to_numpy(), "y": df["attended"].to_numpy()})
q["yt"] = q.y * q.t
q["yc"] = q.y * (1 - q.t)
q["c"] = 1 - q.t
g = q.groupby("s", sort=True)[["t", "c", "yt", "yc"]].sum().iloc[::-1].cumsum()
k = (g["t"] + g["c"]).to_numpy()
qv = np.where(g["c"] > 0, g["yt"] - g["yc"] * g["t"] / g["c"].clip(lower=1), g["yt"])
x = np.r_[0, k / n]
qq = np.r_[0, qv]
gap = qq / n - x * qq[-1] / n
qini = np.sum((x[1:] - x[:-1]) * (gap[1:] + gap[:-1]) / 2)
t_uplift = time.perf_counter() - t2
total = time.perf_counter() - t0

print(f"n = {n} (pandas {pd.__version__}, statsmodels {statsmodels.__version__})")
print(f"tables+tests+MH+ITT  {t_tables:9.3f} s")
print(f"logistic (2 fits)    {t_logit:9.3f} s")
print(f"T-learner + Qini     {t_uplift:9.3f} s")
print(f"total                {total:9.3f} s")
print(f"check: ITT RD {rd:.12f}")
print(f"check: Fisher p {overall['fisher']:.6e}")
print(f"check: MH OR {mh_or:.12f}")
print(f"check: BD Tarone {tarone:.9f}")
print(f"check: CACE {cace:.12f}")
print(f"check: 通知＋電話 beta {full.params['treated']:.10f} se {full.bse['treated']:.10f}")
print(f"check: LR arm {red.deviance - full.deviance:.8f}")
print(f"check: Qini coefficient {qini:.12f}")
print(f"check: top segment {max(effects, key=lambda s: effects[s]['rd'])}")
