"""minigan.metrics: how good is a generator? Scores computed entirely by minigan.

    from minigan.metrics import evaluate_images
    scores = evaluate_images(images)        # (10000, 1, 28, 28) in [-1, 1]
    scores["fid"], scores["fid_floor"], scores["precision"], scores["recall"], ...

Feature network: the shipped MNIST classifier, or the Fashion-MNIST one (:mod:`.classifier`).
Metrics: FID (:mod:`.fid`), precision and recall (:mod:`.precision_recall`), Inception score,
class coverage and confidence (:mod:`.label_scores`), modes on the 2-D toy data (:mod:`.modes`).

Comparability (the one place that says it; the modules point here). Published FIDs and
Inception scores use Inception-v3, trained on ImageNet: FID on its 2048 pooled features of
images resized to 299x299 RGB, usually over 50,000 samples; IS on its 1,000 ImageNet classes
(at most 1,000), 10 splits of 50,000. Improved precision and recall (Kynkäänniemi et al.) use
VGG-16's 4096 fc2 features, k = 3, usually 50,000 images a side. minigan scores with its own
LeNet-like classifier (500 ReLU features, 10 classes: IS at most 10), at N = 10,000 by default,
against a fixed random subset of the test set. So:

* comparable: minigan numbers computed with the same shipped weights (the sha256 in the
  weights' record), the same dataset and the same N, each FID read beside its floor;
* not comparable: any Inception- or VGG-based figure from a paper or from another library
  (another network gives another feature space, so another scale: FID is not in "units"
  that carry over), MNIST FIDs from papers that used their own classifier, minigan figures at
  another N (FID falls and precision/recall change as N grows: the k-NN balls shrink), and
  Fashion-MNIST figures against MNIST ones (each dataset has its own classifier).

What does carry over is the meaning: FID 0 for identical Gaussians of features, the floor as
the best a generator can do at that N, precision and recall as shares of samples inside the
other set's k-NN manifold, IS between 1 and the number of classes.
"""
from .classifier import accuracy, check_images, classify, load_classifier, train_classifier
from .fid import feature_statistics, fid_from_features, frechet_distance, sqrtm_psd
from .label_scores import class_coverage, inception_score, mean_confidence
from .modes import mode_metrics
from .precision_recall import precision_recall
from .report import evaluate_images, format_table, generate

__all__ = ["load_classifier", "train_classifier", "classify", "accuracy", "check_images",
           "feature_statistics", "fid_from_features", "frechet_distance", "sqrtm_psd",
           "inception_score", "class_coverage", "mean_confidence", "precision_recall", "mode_metrics",
           "evaluate_images", "format_table", "generate"]

# --- issue 16: InfoGAN's code against the classifier's labels
from .matching import assignment, contingency_table, matching_accuracy  # noqa: E402

__all__ += ["assignment", "contingency_table", "matching_accuracy"]
