"""The Fréchet Inception Distance, on the features of minigan's own classifier.

Fit a Gaussian to each set of features (mean mu, covariance S). The Fréchet (2-Wasserstein)
distance between the two Gaussians is

    d^2 = |mu_1 - mu_2|^2 + tr(S_1) + tr(S_2) - 2 tr( (S_1^{1/2} S_2 S_1^{1/2})^{1/2} )

The last trace equals tr((S_1 S_2)^{1/2}), the form in Heusel et al. (2017), but written with
the symmetric matrix M = S_1^{1/2} S_2 S_1^{1/2} it needs only symmetric eigendecompositions:
S_1 = V diag(l) V^T gives S_1^{1/2} = V diag(sqrt l) V^T, and tr(M^{1/2}) = sum sqrt(eig(M)).
Eigenvalues that rounding makes slightly negative are set to 0. Everything is float64 and
takes its array module from the inputs (``xp.linalg.eigh`` on NumPy and on CuPy; no SciPy).

The covariance is the unbiased one (divided by N - 1), as in the reference implementation.
FID is biased upwards at small N (the covariance estimate's noise adds to the trace term), so
the number of samples is part of the result and below 2,000 a warning says so.

Comparability: these numbers use minigan's 500-feature classifier, not Inception-v3's 2048
pooled features of ImageNet-trained weights, so they compare with other minigan FIDs (same
shipped weights, same N) and never with published Inception FIDs; the details are in
:mod:`minigan.metrics`.
"""
import warnings

from ..backend import get_array_module

MIN_RECOMMENDED_N = 2000


def feature_statistics(features):
    """(mean, covariance) of ``features`` (N, D), float64; N - 1 in the covariance."""
    xp = get_array_module(features)
    f = xp.asarray(features, dtype=xp.float64)
    if f.ndim != 2:
        raise ValueError(f"feature_statistics: expected features of shape (N, D), got {tuple(f.shape)}")
    if f.shape[0] < 2:
        raise ValueError(f"feature_statistics: a covariance needs at least 2 samples, got {f.shape[0]}")
    mu = f.mean(axis=0)
    centered = f - mu
    return mu, centered.T @ centered / (f.shape[0] - 1)


def sqrtm_psd(s):
    """The symmetric square root of a symmetric positive semi-definite matrix, by eigh."""
    xp = get_array_module(s)
    s = (s + s.T) / 2                     # exact symmetry; rounding may have broken it slightly
    vals, vecs = xp.linalg.eigh(s)
    return (vecs * xp.sqrt(xp.clip(vals, 0, None))) @ vecs.T


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """d^2 between N(mu1, sigma1) and N(mu2, sigma2) (see the module docstring)."""
    xp = get_array_module(mu1, sigma1, mu2, sigma2)
    mu1, mu2 = xp.asarray(mu1, dtype=xp.float64), xp.asarray(mu2, dtype=xp.float64)
    sigma1, sigma2 = xp.asarray(sigma1, dtype=xp.float64), xp.asarray(sigma2, dtype=xp.float64)
    if mu1.shape != mu2.shape or mu1.ndim != 1 or sigma1.shape != sigma2.shape \
            or sigma1.shape != mu1.shape * 2:
        raise ValueError(f"frechet_distance: expected two means (D,) and two covariances (D, D), got "
                         f"{tuple(mu1.shape)}, {tuple(sigma1.shape)}, {tuple(mu2.shape)}, {tuple(sigma2.shape)}")
    root1 = sqrtm_psd(sigma1)
    m = root1 @ sigma2 @ root1
    m = (m + m.T) / 2
    tr_sqrt = xp.sqrt(xp.clip(xp.linalg.eigvalsh(m), 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + xp.trace(sigma1) + xp.trace(sigma2) - 2 * tr_sqrt)


def fid_from_features(features_a, features_b, warn=True):
    """FID between two feature sets (N_a, D) and (N_b, D); warns when either N < 2,000."""
    n = min(len(features_a), len(features_b))
    if warn and n < MIN_RECOMMENDED_N:
        warnings.warn(f"FID from {n} samples is strongly biased upwards (the convention is 10,000, "
                      f"at least {MIN_RECOMMENDED_N}); compare it only with FIDs at the same N",
                      stacklevel=2)
    mu1, s1 = feature_statistics(features_a)
    mu2, s2 = feature_statistics(features_b)
    return frechet_distance(mu1, s1, mu2, s2)
