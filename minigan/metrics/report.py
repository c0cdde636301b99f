"""All the scores of one set of generated images, the way ``minigan evaluate`` reports them.

    scores = evaluate_images(images)            # images (N, 1, 28, 28) in [-1, 1]
    scores["fid"], scores["fid_floor"], scores["n"], scores["precision"], ...

The reference is the real test set: FID, precision and recall compare the generated
features with those of the first N test images. The *floor* is the FID of the first N
training images against the same test images: what a perfect generator would score at
this N (FID of two samples of one distribution is not 0 at finite N). Both use the same N,
so a generator's FID reads against its floor.

The N test images are a fixed random subset (seed 0), not the first N: MNIST's first 5,000
test images were written by other people (Census employees, NIST's SD-3) than its last 5,000
(students, SD-1), so a prefix of fewer than 10,000 would not represent the test set.
"""
import numpy

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor
from .classifier import classify, load_classifier, load_split
from .fid import MIN_RECOMMENDED_N, fid_from_features
from .label_scores import class_coverage, inception_score, mean_confidence
from .precision_recall import DEFAULT_K, precision_recall

DEFAULT_N = 10000
KEYS = ("fid", "fid_floor", "n", "inception_score", "inception_score_std", "precision", "recall",
        "coverage", "label_kl", "confidence")
_REAL = {}       # (dataset, n, root, backend, classifier id) -> (classifier, test features, floor);
                 # holding the classifier keeps its id from being reused by another one


def test_subset(images, n):
    """``n`` of the test ``images``, the same fixed random ones every time (seed 0)."""
    return images[numpy.random.default_rng(0).permutation(len(images))[:n]]


def real_reference(classifier, dataset="mnist", n=DEFAULT_N, root=None):
    """(features of the first ``n`` test images, FID floor of the first ``n`` training images
    against them), computed once per process."""
    name = classifier.head.weight.backend
    key = (dataset, n, str(root), name, id(classifier))
    if key not in _REAL:
        test = load_split(dataset, "test", root)
        train = load_split(dataset, "train", root)
        if n > min(len(test), len(train)):
            raise ValueError(f"n = {n} is more than the {min(len(test), len(train))} real images available "
                             f"({len(test)} test, {len(train)} training) to compare with")
        test_f, _ = classify(classifier, test_subset(test.images, n))
        train_f, _ = classify(classifier, train.images[:n])
        _REAL[key] = (classifier, test_f, fid_from_features(train_f, test_f, warn=False))
    return _REAL[key][1:]


def evaluate_images(images, classifier=None, dataset="mnist", root=None, k=DEFAULT_K, splits=10):
    """Every score of ``images`` (N, 1, 28, 28) in [-1, 1], as a dict with the keys of ``KEYS``
    plus ``label_histogram``. N is the number of images (10,000 by convention)."""
    classifier = classifier or load_classifier(dataset)
    feats, probs = classify(classifier, images)
    n = len(feats)
    if n < max(k + 1, splits, 2):
        raise ValueError(f"evaluate: {n} images are too few to score (FID needs at least 2, the "
                         f"k-NN radius {k + 1}, the Inception score {splits}); use {DEFAULT_N:,}")
    test_f, floor = real_reference(classifier, dataset, n, root)
    fid = fid_from_features(feats, test_f, warn=n < MIN_RECOMMENDED_N)
    is_mean, is_std = inception_score(probs, splits)
    precision, recall = precision_recall(test_f, feats, k)
    covered, kl, hist = class_coverage(probs)
    return {"fid": fid, "fid_floor": floor, "n": n, "inception_score": is_mean, "inception_score_std": is_std,
            "precision": precision, "recall": recall, "coverage": covered, "label_kl": kl,
            "confidence": mean_confidence(probs), "label_histogram": hist}


def generate(G, n, z_dim, seed=0, batch_size=500):
    """``n`` images from generator ``G`` (eval mode, no graph), noise N(0, 1) from ``seed``,
    as one array (n, 1, 28, 28) on G's backend."""
    name = next(iter(G.parameters())).backend
    rng = numpy.random.default_rng(seed)
    out = []
    was_training = G.training
    G.eval()
    try:
        with no_grad():
            for start in range(0, n, batch_size):
                z = rng.standard_normal((min(batch_size, n - start), z_dim)).astype(numpy.float32)
                out.append(G(Tensor(backend.to_backend(z, name))).array.reshape(-1, 1, 28, 28))
    finally:
        G.train(was_training)
    return backend.get_module(name).concatenate(out)


def format_table(scores):
    """The scores as an aligned two-column text table."""
    rows = [("FID", f"{scores['fid']:.3f}"),
            ("FID floor (train vs test)", f"{scores['fid_floor']:.3f}"),
            ("samples N", f"{scores['n']}"),
            ("Inception score", f"{scores['inception_score']:.3f} +- {scores['inception_score_std']:.3f}"),
            ("precision (k=3)", f"{scores['precision']:.3f}"),
            ("recall (k=3)", f"{scores['recall']:.3f}"),
            ("class coverage (>= 5%)", f"{scores['coverage']} of {len(scores['label_histogram'])}"),
            ("label KL from uniform", f"{scores['label_kl']:.4f}"),
            ("mean confidence", f"{scores['confidence']:.3f}")]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
