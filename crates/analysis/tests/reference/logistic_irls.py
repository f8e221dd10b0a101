"""Reference fit for tests/effect_logistic.rs: the same deterministic data set,
fitted by textbook IRLS in numpy (working response z = η + (y − μ)/w, weighted
least squares with numpy.linalg.solve, covariance numpy.linalg.inv(XᵀWX)).

Run: python3 crates/analysis/tests/reference/logistic_irls.py
"""
import numpy as np

from dataset import data


def design(rows, arm, interaction):
    segs = sorted({r[3] for r in rows})[1:]
    cols = [[1.0] * len(rows)]
    if arm:
        cols.append([float(r[0]) for r in rows])
    cols.append([r[1] for r in rows])
    cols.append([float(r[2]) for r in rows])
    for s in segs:
        cols.append([float(r[3] == s) for r in rows])
    if arm and interaction:
        for s in segs:
            cols.append([float(r[0] and r[3] == s) for r in rows])
    return np.array(cols).T


def irls(X, y):
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu)
        z = eta + (y - mu) / w
        new = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * z))
        if np.max(np.abs(new - beta)) < 1e-13:
            beta = new
            break
        beta = new
    mu = 1 / (1 + np.exp(-(X @ beta)))
    w = mu * (1 - mu)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    dev = -2 * np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu))
    return beta, np.sqrt(np.diag(cov)), dev


rows = data(600)
y = np.array([float(r[4]) for r in rows])
print(f"// attended: {int(y.sum())} of {len(y)}")
for name, arm, inter in [("main", True, False), ("interaction", True, True), ("no_arm", False, False)]:
    b, se, dev = irls(design(rows, arm, inter), y)
    f = lambda xs: ", ".join(repr(float(x)) for x in xs)
    print(f"// {name}\n[{f(b)}],\n[{f(se)}],\n{float(dev)!r},")
