"""The feature network behind minigan's GAN metrics: a LeNet-like classifier for 1x28x28 digits.

    x (B, 1, 28, 28) in [-1, 1]                      (the GANs' tanh range)
      -> Conv k5, 20 channels  -> (B, 20, 24, 24)  ReLU -> MaxPool 2 -> (B, 20, 12, 12)
      -> Conv k5, 50 channels  -> (B, 50, 8, 8)    ReLU -> MaxPool 2 -> (B, 50, 4, 4)
      -> Flatten -> Linear(800, 500) ReLU          (the features: FID, precision, recall)
      -> Linear(500, 10)                           (class scores, logits)

The sizes are those of Caffe's LeNet for MNIST. ``features(x)`` returns the 500 activations
of the penultimate layer, ``forward(x)`` the 10 logits.
"""
from .. import nn

FEATURE_DIM = 500


class MNISTClassifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features_net = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(800, FEATURE_DIM), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def _check(self, x):
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"MNISTClassifier: expected images of shape (B, 1, 28, 28), got {x.shape}")

    def features(self, x):
        """The penultimate layer's activations, (B, 500)."""
        self._check(x)
        return self.features_net(x)

    def forward(self, x):
        return self.head(self.features(x))
