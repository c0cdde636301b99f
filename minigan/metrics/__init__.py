"""minigan.metrics: how good is a generator? Scores computed entirely by minigan.

    from minigan.metrics import evaluate_images
    scores = evaluate_images(images)        # (10000, 1, 28, 28) in [-1, 1]
    scores["fid"], scores["fid_floor"], scores["precision"], scores["recall"], ...

Feature network: the shipped MNIST classifier (:mod:`.classifier`). Metrics: FID (:mod:`.fid`),
precision and recall (:mod:`.precision_recall`), Inception score, class coverage and confidence
(:mod:`.label_scores`), modes on the 2-D toy data (:mod:`.modes`).
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
