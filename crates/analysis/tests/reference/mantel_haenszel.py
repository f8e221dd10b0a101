"""Reference values for tests/effect_stratified.rs, computed independently
with numpy (vectorised sums) and scipy.optimize.brentq for the Breslow–Day
expected counts (the Rust code solves the quadratic in closed form).

Run: python3 crates/analysis/tests/reference/mantel_haenszel.py
Formulas: MH OR with the Robins–Breslow–Greenland variance (Biometrics 1986);
MH RR with the Greenland–Robins (1985) variance; MH RD with Sato's (1989)
variance; CMH without and with continuity correction (as R mantelhaen.test);
Breslow–Day and Tarone (1985).
"""
import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2, norm

DATASETS = {
    # UC Berkeley admissions by department (R's UCBAdmissions); treated = Male:
    # (admitted male, rejected male, admitted female, rejected female).
    "ucb": [(512, 313, 89, 19), (353, 207, 17, 8), (120, 205, 202, 391),
            (138, 279, 131, 244), (53, 138, 94, 299), (22, 351, 24, 317)],
    "segments": [(30, 70, 18, 82), (45, 55, 40, 60), (12, 88, 10, 90)],
    "sparse": [(1, 2, 0, 3), (2, 1, 1, 2), (0, 4, 0, 5), (3, 0, 1, 1)],
}
Z = norm.ppf(0.975)

for name, rows in DATASETS.items():
    t = np.array(rows, dtype=float)
    a, b, c, d = t.T
    n1, n0 = a + b, c + d
    n = n1 + n0
    m1, m0 = a + c, b + d
    R, S = (a * d / n).sum(), (b * c / n).sum()
    P, Q = (a + d) / n, (b + c) / n
    orr = R / S
    v = ((P * a * d / n).sum() / (2 * R**2)
         + ((P * b * c / n) + (Q * a * d / n)).sum() / (2 * R * S)
         + (Q * b * c / n).sum() / (2 * S**2))
    se = np.sqrt(v)
    or_ci = (orr * np.exp(-Z * se), orr * np.exp(Z * se))
    rn, rdn = (a * n0 / n).sum(), (c * n1 / n).sum()
    rr = rn / rdn
    rse = np.sqrt(((n1 * n0 * m1 - a * c * n) / n**2).sum() / (rn * rdn))
    rr_ci = (rr * np.exp(-Z * rse), rr * np.exp(Z * rse))
    W = (n1 * n0 / n).sum()
    rd = ((a * n0 - c * n1) / n).sum() / W
    Ps = ((n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / n**2).sum()
    Qs = ((a * (n0 - c) + c * (n1 - a)) / (2 * n)).sum()
    rdse = np.sqrt((rd * Ps + Qs) / W**2)
    delta = a.sum() - (n1 * m1 / n).sum()
    var = (n1 * n0 * m1 * m0 / (n**2 * (n - 1))).sum()
    cmh = delta**2 / var
    yc = 0.5 if abs(delta) >= 0.5 else 0.0
    cmhc = (abs(delta) - yc) ** 2 / var
    # Breslow–Day over strata with no zero margin.
    keep = (n1 > 0) & (n0 > 0) & (m1 > 0) & (m0 > 0)
    bd = sa = se_ = sv = 0.0
    for ai, n1i, n0i, m1i in zip(a[keep], n1[keep], n0[keep], m1[keep]):
        lo, hi = max(0, m1i - n0i), min(n1i, m1i)
        f = lambda x: x * (n0i - m1i + x) - orr * (n1i - x) * (m1i - x)
        e = brentq(f, lo, hi, xtol=1e-14, rtol=1e-15)
        vi = 1 / (1 / e + 1 / (n1i - e) + 1 / (m1i - e) + 1 / (n0i - m1i + e))
        bd += (ai - e) ** 2 / vi
        sa += ai; se_ += e; sv += vi
    k = int(keep.sum())
    tarone = bd - (sa - se_) ** 2 / sv
    out = [orr, *or_ci, rr, *rr_ci, rd, rd - Z * rdse, rd + Z * rdse,
           cmh, chi2.sf(cmh, 1), cmhc, chi2.sf(cmhc, 1),
           bd, chi2.sf(bd, k - 1), tarone, chi2.sf(tarone, k - 1)]
    print(f"// {name}: df = {k - 1}")
    print("[" + ", ".join(repr(float(x)) for x in out) + "],")
