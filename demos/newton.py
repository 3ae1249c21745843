"""Higher-order derivatives: Newton's method with Hessian-vector products.

For logistic regression with L2 regularisation, with A the features plus a column of ones and
p = sigmoid(A theta),

    L(theta)  = mean(BCE(A theta, y)) + lam/2 |theta|^2
    grad L    = A^T (p - y) / n + lam theta
    Hessian H = A^T diag(p (1 - p)) A / n + lam I

The engine never forms H. `g = ag.grad(L, theta, create_graph=True)` records the backward pass,
so differentiating g . v again gives the Hessian-vector product H v. Conjugate gradients solve
H d = -g with those products alone, and each Newton step theta += d converges quadratically:
the number of correct digits roughly doubles every step. Each step is checked against the
closed forms above, and compared with plain gradient descent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import figure, out_dir, require_extras, save_figure, wrote

TITLE = "Higher order: Newton's method with Hessian-vector products (create_graph=True) vs closed form"
SEED = 1
LAM = 1e-2


def loss_fn(theta: ag.Tensor, a: np.ndarray, y: np.ndarray) -> ag.Tensor:
    return F.binary_cross_entropy_with_logits(ag.tensor(a) @ theta, y) + LAM / 2 * (theta * theta).sum()


def hvp(g: ag.Tensor, theta: ag.Tensor, v: np.ndarray) -> np.ndarray:
    """H v, by differentiating g = dL/dtheta (recorded with create_graph=True) along v."""
    (hv,) = ag.grad(g, theta, grad_outputs=ag.tensor(v), retain_graph=True)
    return np.asarray(hv.data)


def conjugate_gradient(matvec: Any, b: np.ndarray, tol: float = 1e-14) -> tuple[np.ndarray, int]:
    """Solve H x = b for a symmetric positive definite H given only x -> H x."""
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = float(r @ r)
    for k in range(1, 4 * len(b) + 1):
        hd = matvec(d)
        alpha = rr / float(d @ hd)
        x = x + alpha * d
        r = r - alpha * hd
        rr_new = float(r @ r)
        if np.sqrt(rr_new) < tol:
            return x, k
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x, 4 * len(b)


def closed_form(theta: np.ndarray, a: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = 1 / (1 + np.exp(-(a @ theta)))
    grad = a.T @ (p - y) / len(y) + LAM * theta
    hess = a.T @ (a * (p * (1 - p))[:, None]) / len(y) + LAM * np.eye(len(theta))
    return grad, hess


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    x, labels = nn.make_separable(200, noise=0.25, margin=0.0, seed=SEED)
    a = np.column_stack([x, np.ones(len(x))])
    y = labels.astype(np.float64)
    print(f"seed: {SEED}; nn.make_separable(200, noise=0.25, margin=0): overlapping classes")
    print(f"L(theta) = mean BCE(A theta, y) + {LAM}/2 |theta|^2, theta = (w1, w2, b)")

    theta = ag.tensor(np.zeros(3), requires_grad=True, name="theta")
    newton_norms: list[float] = []
    hvp_err = step_err = 0.0
    print(f"\n{'step':>4}  {'L(theta)':>20}  {'|grad|':>9}  {'CG iters':>8}  "
          f"{'|Hv - Hv_closed|':>16}  {'|d - d_closed|':>14}")
    for step in range(8):
        loss = loss_fn(theta, a, y)
        (g,) = ag.grad(loss, theta, create_graph=True)
        grad_closed, hess_closed = closed_form(theta.data, a, y)
        newton_norms.append(float(np.linalg.norm(g.data)))
        if newton_norms[-1] < 1e-13:
            print(f"{step:>4}  {loss.item():>20.15f}  {newton_norms[-1]:>9.1e}  (converged)")
            break
        v = np.random.default_rng(step).normal(size=3)
        hvp_err = max(hvp_err, float(np.max(np.abs(hvp(g, theta, v) - hess_closed @ v))))
        d, iters = conjugate_gradient(lambda u, g=g, t=theta: hvp(g, t, u), -g.data)
        step_err = max(step_err, float(np.max(np.abs(d - np.linalg.solve(hess_closed, -grad_closed)))))
        print(f"{step:>4}  {loss.item():>20.15f}  {newton_norms[-1]:>9.1e}  {iters:>8}  "
              f"{hvp_err:>16.1e}  {step_err:>14.1e}")
        with ag.no_grad():
            theta += d

    # The curvature at the minimum: the Hessian, one column per Hessian-vector product.
    loss = loss_fn(theta, a, y)
    (g,) = ag.grad(loss, theta, create_graph=True)
    hessian = np.column_stack([hvp(g, theta, e) for e in np.eye(3)])
    _, hess_closed = closed_form(theta.data, a, y)
    eig, eig_closed = np.linalg.eigvalsh(hessian), np.linalg.eigvalsh(hess_closed)
    print(f"\nminimum: theta = {theta.data.tolist()}")
    print(f"Hessian eigenvalues from 3 HVPs {eig.tolist()}")
    print(f"               closed form     {eig_closed.tolist()}")
    print(f"condition number {eig[-1] / eig[0]:.1f}: gradient descent's step must stay below "
          f"2/lambda_max = {2 / eig[-1]:.2f}")

    # Gradient descent with the best fixed step for a quadratic: 2 / (lambda_min + lambda_max).
    lr = 2 / (eig[0] + eig[-1])
    gd_norms = []
    theta_gd = ag.tensor(np.zeros(3), requires_grad=True)
    for _ in range(100 if quick else 200):
        loss = loss_fn(theta_gd, a, y)
        (g,) = ag.grad(loss, theta_gd)
        gd_norms.append(float(np.linalg.norm(g.data)))
        with ag.no_grad():
            theta_gd -= lr * g
    reached = [i for i, n in enumerate(gd_norms) if n <= 1e-6]
    print(f"|grad| <= 1e-6: Newton after {next(i for i, n in enumerate(newton_norms) if n <= 1e-6)} "
          f"steps, gradient descent (step {lr:.2f}) after "
          + (f"{reached[0]}" if reached else f"more than {len(gd_norms)}"))

    path = _plot(newton_norms, gd_norms, folder / "newton.png")
    wrote([path])
    return {
        "seed": SEED,
        "theta": theta.data.tolist(),
        "newton_grad_norms": newton_norms,
        "gd_grad_norms": gd_norms,
        "hvp_max_error": hvp_err,
        "step_max_error": step_err,
        "hessian": hessian,
        "hessian_closed": hess_closed,
        "eigenvalues": eig.tolist(),
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(newton: list[float], gd: list[float], path: Path) -> Path:
    fig = figure(6.4, 3.8)
    ax = fig.subplots()
    ax.semilogy(range(len(gd)), gd, color="#1f77b4", lw=1.5, label="gradient descent (best fixed step)")
    ax.semilogy(range(len(newton)), newton, "o-", color="#d62728", lw=2,
                label="Newton, with Hessian-vector products")
    ax.set_xlabel("iteration")
    ax.set_ylabel("|gradient| (log scale)")
    ax.set_title("Logistic regression: Newton converges quadratically")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
