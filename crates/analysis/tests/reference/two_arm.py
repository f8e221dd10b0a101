"""Reference values for tests/effect_two_arm.rs (scipy 1.17.1, numpy 2.4.6).

Run: python3 crates/analysis/tests/reference/two_arm.py
Prints one Rust tuple per table; the test file embeds the output verbatim.
Each statistic comes from scipy where scipy has it; the rest is the textbook
formula written out below (Newcombe 1998 method 10, Wald, mid-P, the
0.5 zero-cell correction).
"""
import math
import numpy as np
from scipy.stats import binomtest, chi2_contingency, fisher_exact, hypergeom, norm
from scipy.stats.contingency import odds_ratio, relative_risk

TABLES = [  # (a, b, c, d): treated attended / not, control attended / not
    (30, 70, 18, 82),
    (412, 1588, 355, 1645),
    (3, 9, 1, 11),
    (0, 10, 4, 6),
    (10, 0, 6, 4),
    (0, 20, 0, 25),
    (1, 0, 0, 1),
    (7, 3, 2, 8),
    (120000, 380000, 110000, 390000),
    (5, 5, 5, 5),
]
Z = norm.ppf(0.975)


def wilson(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


for a, b, c, d in TABLES:
    n1, n0 = a + b, c + d
    p1, p0 = a / n1, c / n0
    l1, u1 = wilson(a, n1)
    l0, u0 = wilson(c, n0)
    rd = p1 - p0
    nc = (rd - math.hypot(p1 - l1, u0 - p0), rd + math.hypot(u1 - p1, p0 - l0))
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    wald = (rd - Z * se, rd + Z * se)
    if a == 0 or c == 0:  # documented convention: +0.5 to every cell
        ra, rb, rc, rd_ = a + .5, b + .5, c + .5, d + .5
        rr = (ra / (ra + rb)) / (rc / (rc + rd_))
        s = math.sqrt(1 / ra - 1 / (ra + rb) + 1 / rc - 1 / (rc + rd_))
        rr_ci = (rr * math.exp(-Z * s), rr * math.exp(Z * s))
    else:
        r = relative_risk(a, n1, c, n0)
        ci = r.confidence_interval(0.95)
        rr, rr_ci = r.relative_risk, (ci.low, ci.high)
    if 0 in (a, b, c, d):
        h = [x + .5 for x in (a, b, c, d)]
        orr = h[0] * h[3] / (h[1] * h[2])
        s = math.sqrt(sum(1 / x for x in h))
        or_ci = (orr * math.exp(-Z * s), orr * math.exp(Z * s))
    else:
        o = odds_ratio([[a, b], [c, d]], kind="sample")
        ci = o.confidence_interval(0.95)
        orr, or_ci = o.statistic, (ci.low, ci.high)
    t = np.array([[a, b], [c, d]])
    if (a + c) > 0 and (b + d) > 0:
        x2 = chi2_contingency(t, correction=False)[0]
        yates = chi2_contingency(t, correction=True)[0]
        g = chi2_contingency(t, correction=False, lambda_="log-likelihood")[0]
        px2 = chi2_contingency(t, correction=False)[1]
        pg = chi2_contingency(t, correction=False, lambda_="log-likelihood")[1]
        py = chi2_contingency(t, correction=True)[1]
        chis = f"Some(({x2!r}, {px2!r}, {yates!r}, {py!r}, {g!r}, {pg!r}))"
    else:
        chis = "None"
    fp = fisher_exact(t)[1]
    # mid-P: tables no more probable than the observed, ties at half weight
    N, K, n = n1 + n0, a + c, n1
    xs = np.arange(max(0, K - n0), min(n1, K) + 1)
    pm = hypergeom.pmf(xs, N, K, n)
    po = hypergeom.pmf(a, N, K, n)
    tied = np.abs(pm - po) <= 1e-7 * po
    midp = pm[(pm < po) & ~tied].sum() + 0.5 * pm[tied].sum()
    pless = hypergeom.cdf(a, N, K, n)
    pgreater = hypergeom.sf(a - 1, N, K, n)
    f = lambda *xs: ", ".join(repr(float(x)) for x in xs)
    chis = "None" if chis == "None" else "Some([" + f(x2, px2, yates, py, g, pg) + "])"
    print(f"    ({a}, {b}, {c}, {d}, [{f(l1, u1, l0, u0)}], [{f(*nc, *wald)}],"
          f" [{f(rr, *rr_ci, orr, *or_ci)}], {chis}, [{f(fp, midp, pless, pgreater)}]),")
