"""Reference values for tests/effect_other.rs (scipy 1.17.1, numpy 2.4.6):
ITT / reached-only / CACE, sample-ratio mismatch, Holm and BH, power and
sample size, Qini.

Run: python3 crates/analysis/tests/reference/other_methods.py
"""
import numpy as np
from scipy.stats import chisquare, false_discovery_control, norm

from dataset import data

Z = norm.ppf(0.975)
r = lambda x: repr(float(x))

# --- ITT / CACE on data(600); reached = treated and i % 3 != 0 ---
rows = data(600)
treated = np.array([x[0] for x in rows])
att = np.array([x[4] for x in rows], dtype=float)
reached = np.array([bool(x[0]) and i % 3 != 0 for i, x in enumerate(rows)])
n1, n0 = treated.sum(), (~treated).sum()
p1, p0 = att[treated].mean(), att[~treated].mean()
c1 = reached[treated].mean()
both = (att * reached)[treated].mean()
d = p1 - p0
var = ((p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) / c1**2
       + d**2 * (c1 * (1 - c1) / n1) / c1**4
       - 2 * d * ((both - p1 * c1) / n1) / c1**3)
cace, se = d / c1, np.sqrt(var)
print(f"// ITT: treated {int(att[treated].sum())}/{n1}, control {int(att[~treated].sum())}/{n0}, "
      f"reached {int(reached.sum())}, reached & attended {int((att * reached).sum())}")
print(f"const CACE: [f64; 4] = [{r(cace)}, {r(se)}, {r(cace - Z * se)}, {r(cace + Z * se)}];")

# --- SRM: scipy.stats.chisquare(observed, f_exp) ---
for obs, w in [([5050, 4950], [1, 1]), ([10300, 9700], [1, 1]), ([2100, 950], [2, 1]), ([30, 31, 29], [1, 1, 1])]:
    exp = np.array(w) / sum(w) * sum(obs)
    res = chisquare(obs, exp)
    print(f"// srm {obs} {w}: ({r(res.statistic)}, {r(res.pvalue)})")

# --- Holm (by hand) and BH: scipy.stats.false_discovery_control(p, method='bh') ---
ps = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.04])
o = np.argsort(ps, kind="stable")
m = len(ps)
holm = np.empty(m)
run = 0.0
for k, i in enumerate(o):
    run = max(run, min(1.0, (m - k) * ps[i]))
    holm[i] = run
print("const HOLM: [f64; 6] = [" + ", ".join(r(x) for x in holm) + "];")
print("const BH: [f64; 6] = [" + ", ".join(r(x) for x in false_discovery_control(ps, method="bh")) + "];")


# --- power / sample size (Fleiss, Levin & Paik ch. 4, no continuity correction) ---
def n_needed(p1, p2, alpha, power, ratio):
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    pb = (p1 + ratio * p2) / (1 + ratio)
    num = za * np.sqrt(pb * (1 - pb) * (1 + 1 / ratio)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    n1 = num**2 / (p1 - p2) ** 2
    return n1, n1 * ratio


def power(p1, p2, n1, n2, alpha):
    z = norm.ppf(1 - alpha / 2)
    pb = (n1 * p1 + n2 * p2) / (n1 + n2)
    s0 = np.sqrt(pb * (1 - pb) * (1 / n1 + 1 / n2))
    s1 = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    dl = abs(p1 - p2)
    return norm.cdf((dl - z * s0) / s1) + norm.cdf((-dl - z * s0) / s1)


for args in [(0.4, 0.3, 0.05, 0.8, 1.0), (0.25, 0.2, 0.05, 0.9, 2.0), (0.1, 0.05, 0.01, 0.8, 0.5)]:
    a, b = n_needed(*args)
    print(f"// n {args}: exact ({r(a)}, {r(b)}) -> ceil ({int(np.ceil(a))}, {int(np.ceil(b))}), "
          f"power there {r(power(args[0], args[1], np.ceil(a), np.ceil(b), args[2]))}")
print(f"// power(0.3, 0.25, 1000, 1000, 0.05) = {r(power(0.3, 0.25, 1000, 1000, 0.05))}")

# --- Qini on a hand-sized example ---
# (score, treated, attended)
Q = [(0.9, 1, 1), (0.9, 0, 0), (0.7, 1, 1), (0.5, 0, 1), (0.5, 1, 0), (0.3, 1, 1), (0.2, 0, 1), (0.1, 0, 0)]
order = sorted(range(len(Q)), key=lambda i: -Q[i][0])
pts = [(0, 0.0)]
nt = nc = yt = yc = 0
for k, i in enumerate(order):
    s, t, y = Q[i]
    if t:
        nt += 1; yt += y
    else:
        nc += 1; yc += y
    if k + 1 == len(Q) or Q[order[k + 1]][0] != s:
        pts.append((k + 1, yt - yc * nt / nc if nc else yt))
N = len(Q)
tot = pts[-1][1]
coef = 0.0
for (t0, q0), (t1, q1) in zip(pts, pts[1:]):
    x0, x1 = t0 / N, t1 / N
    coef += (x1 - x0) * ((q0 / N - x0 * tot / N) + (q1 / N - x1 * tot / N)) / 2
print(f"// qini points {pts}\nconst QINI_COEF: f64 = {r(coef)};")
