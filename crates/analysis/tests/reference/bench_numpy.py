"""Anchor for examples/effect_bench.rs: the same analysis on the same rows in
numpy + scipy (pandas and statsmodels are not installed on this machine, so
this is the vectorised-numpy equivalent of what statsmodels' GLM would do:
IRLS on one row per person).

Run: python3 crates/analysis/tests/reference/bench_numpy.py 1000000
"""
import sys
import time

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2_contingency, fisher_exact, norm

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
i = np.arange(n, dtype=np.uint64)
h = (i * np.uint64(2654435761) + np.uint64(12345)) % np.uint64(2**32)
treated = (i % 2 == 1)
age = 40.0 + ((i * 7) % 35).astype(float)
female = (i * 3) % 5 < 3
seg = ((i * 11 + i // 7) % 3).astype(int)  # 0 過去受診, 1 未受診, 2 新規
u = h.astype(float) / 2**32
p = 0.15 + 0.12 * treated + 0.06 * seg + 0.004 * (age - 40.0) - 0.05 * female
y = (u < p).astype(float)
reached = treated & (i % 3 != 0)
Z = norm.ppf(0.975)


def wilson(k, m):
    ph = k / m
    d = 1 + Z**2 / m
    c = (ph + Z**2 / (2 * m)) / d
    hw = Z / d * np.sqrt(ph * (1 - ph) / m + Z**2 / (4 * m * m))
    return c - hw, c + hw


def compare(a, b, c, d):
    n1, n0 = a + b, c + d
    p1, p0 = a / n1, c / n0
    l1, u1 = wilson(a, n1)
    l0, u0 = wilson(c, n0)
    rd = p1 - p0
    nc = (rd - np.hypot(p1 - l1, u0 - p0), rd + np.hypot(u1 - p1, p0 - l0))
    t = np.array([[a, b], [c, d]])
    chi = [chi2_contingency(t, correction=k)[0] for k in (False, True)]
    g = chi2_contingency(t, correction=False, lambda_="log-likelihood")[0]
    fp = fisher_exact(t)[1]
    return rd, nc, chi, g, fp


def irls(X, yv):
    beta = np.zeros(X.shape[1])
    dev = np.inf
    for _ in range(50):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu)
        beta = beta + np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (yv - mu))
        mu = 1 / (1 + np.exp(-(X @ beta)))
        nd = -2 * np.sum(yv * np.log(mu) + (1 - yv) * np.log(1 - mu))
        if abs(nd - dev) / (abs(nd) + 0.1) < 1e-12:
            dev = nd
            break
        dev = nd
    w = mu * (1 - mu)
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ (w[:, None] * X))))
    return beta, se, dev


t0 = time.perf_counter()
# Tables per segment (sorted labels: 新規, 未受診, 過去受診 = codes 2, 1, 0) and tests.
tabs = []
for s in (2, 1, 0):
    m = seg == s
    a = y[m & treated].sum(); n1 = (m & treated).sum()
    c = y[m & ~treated].sum(); n0 = (m & ~treated).sum()
    tabs.append((a, n1 - a, c, n0 - c))
    compare(a, n1 - a, c, n0 - c)
A, B, C, D = (np.array(x, dtype=float) for x in zip(*tabs))
N1, N0, M1, M0, NN = A + B, C + D, A + C, B + D, A + B + C + D
R, S = (A * D / NN).sum(), (B * C / NN).sum()
mh_or = R / S
exp_a = []
for a_, n1_, n0_, m1_ in zip(A, N1, N0, M1):
    f = lambda x: x * (n0_ - m1_ + x) - mh_or * (n1_ - x) * (m1_ - x)
    exp_a.append(brentq(f, max(0, m1_ - n0_), min(n1_, m1_), xtol=1e-12))
exp_a = np.array(exp_a)
var_a = 1 / (1 / exp_a + 1 / (N1 - exp_a) + 1 / (M1 - exp_a) + 1 / (N0 - M1 + exp_a))
bd = ((A - exp_a) ** 2 / var_a).sum()
tarone = bd - (A.sum() - exp_a.sum()) ** 2 / var_a.sum()
a, n1 = y[treated].sum(), treated.sum()
c, n0 = y[~treated].sum(), (~treated).sum()
rd, _, _, _, fp = compare(a, n1 - a, c, n0 - c)
cace = rd / reached[treated].mean()
t_tables = time.perf_counter() - t0

t1 = time.perf_counter()
ones = np.ones(n)
X_red = np.column_stack([ones, age, female, seg == 1, seg == 0]).astype(float)
X_full = np.column_stack([ones, treated, age, female, seg == 1, seg == 0]).astype(float)
b_full, se_full, d_full = irls(X_full, y)
_, _, d_red = irls(X_red, y)
t_logit = time.perf_counter() - t1

t2 = time.perf_counter()
bt, _, _ = irls(X_red[treated], y[treated])
bc, _, _ = irls(X_red[~treated], y[~treated])
upl = 1 / (1 + np.exp(-(X_red @ bt))) - 1 / (1 + np.exp(-(X_red @ bc)))
order = np.argsort(-upl, kind="stable")
su, st, sy = upl[order], treated[order], y[order]
nt = np.cumsum(st); nc = np.cumsum(~st)
yt = np.cumsum(sy * st); yc = np.cumsum(sy * ~st)
last = np.r_[su[1:] != su[:-1], True]
k = np.nonzero(last)[0]
q = np.where(nc[k] > 0, yt[k] - yc[k] * nt[k] / np.maximum(nc[k], 1), yt[k])
x = np.r_[0, (k + 1) / n]
qq = np.r_[0, q]
gap = qq / n - x * qq[-1] / n
qini = np.sum((x[1:] - x[:-1]) * (gap[1:] + gap[:-1]) / 2)
t_uplift = time.perf_counter() - t2
total = time.perf_counter() - t0

print(f"n = {n}")
print(f"tables+tests+MH+ITT  {t_tables:9.3f} s")
print(f"logistic (2 fits)    {t_logit:9.3f} s")
print(f"T-learner + Qini     {t_uplift:9.3f} s")
print(f"total                {total:9.3f} s")
print(f"check: ITT RD {rd:.12f}")
print(f"check: Fisher p {fp:.6e}")
print(f"check: MH OR {mh_or:.12f}")
print(f"check: BD Tarone {tarone:.9f}")
print(f"check: CACE {cace:.12f}")
print(f"check: 通知＋電話 beta {b_full[1]:.10f} se {se_full[1]:.10f}")
print(f"check: LR arm {d_red - d_full:.8f}")
print(f"check: Qini coefficient {qini:.12f}")
